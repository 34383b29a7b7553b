// Worker entry of the built-in rules: loaded by the engine's worker threads
// by module specifier (`@tempeh/plugin-validate/worker`), never imported by
// the main thread's code paths except for in-process runs.
import type { ResourceView } from '@tempeh/core/worker';
import { checkResource, type ResourceCheck } from '../rules/resource-rules.js';

/** Runs every per-resource rule on one resource; see checkResource. */
export const validateResource = {
  map(view: ResourceView): ResourceCheck {
    return checkResource(view.bytes, view.index);
  },
};
