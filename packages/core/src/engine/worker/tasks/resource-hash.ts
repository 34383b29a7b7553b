import type { ResourceView } from '../resource-view.js';

/** Lower-case hex sha256 of the resource's exact bytes; `diff` compares these before looking closer. */
export function resourceHash(view: ResourceView): string {
  return view.sha256;
}
