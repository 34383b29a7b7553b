import type { WorkerTask } from '../worker/messages.js';
import { workerDirectory } from './worker-location.js';

/** The tasks that ship with core, by name. */
export type BuiltinTaskName = 'addresses' | 'resource-summary' | 'resource-hash' | 'resource-inspect' | 'resource-find' | 'resource-digest' | 'resource-graph';

const EXPORTS: Record<BuiltinTaskName, string> = {
  addresses: 'addresses',
  'resource-summary': 'resourceSummary',
  'resource-hash': 'resourceHash',
  'resource-inspect': 'resourceInspect',
  'resource-find': 'resourceFind',
  'resource-digest': 'resourceDigest',
  'resource-graph': 'resourceGraph',
};

/**
 * The descriptor of a built-in task, for `EnginePool` or `runInProcess`:
 * - `addresses`: the resource's `terraform state list` lines (`string[]`);
 * - `resource-summary`: type, name, provider, module, mode and counts (`ResourceSummary`);
 * - `resource-hash`: hex sha256 of the resource's bytes (`string`);
 * - `resource-inspect`: the summary plus the address lines, index keys checked (`ResourceInspection`);
 * - `resource-find`: current instances matching tag/attribute predicates; needs `options` (`ResourceFindOptions`, `ResourceFindResult`);
 * - `resource-digest`: the address key (read from the head) and a sha256 of the bytes, for `diffStateSources` (`ResourceDigest`);
 * - `resource-graph`: the config address and the union of the instances' `dependencies`, for `buildGraphFromSource` (`ResourceGraphEntry`).
 */
export function builtinTask(name: BuiltinTaskName): WorkerTask {
  return { module: new URL(`tasks/${name}.js`, workerDirectory()).href, export: EXPORTS[name] };
}
