import type { WorkerTask } from '../worker/messages.js';
import { workerDirectory } from './worker-location.js';

/** The tasks that ship with core, by name. */
export type BuiltinTaskName = 'addresses' | 'resource-summary' | 'resource-hash' | 'resource-inspect' | 'resource-find';

const EXPORTS: Record<BuiltinTaskName, string> = {
  addresses: 'addresses',
  'resource-summary': 'resourceSummary',
  'resource-hash': 'resourceHash',
  'resource-inspect': 'resourceInspect',
  'resource-find': 'resourceFind',
};

/**
 * The descriptor of a built-in task, for `EnginePool` or `runInProcess`:
 * - `addresses`: the resource's `terraform state list` lines (`string[]`);
 * - `resource-summary`: type, name, provider, module, mode and counts (`ResourceSummary`);
 * - `resource-hash`: hex sha256 of the resource's bytes (`string`);
 * - `resource-inspect`: the summary plus the address lines, index keys checked (`ResourceInspection`);
 * - `resource-find`: current instances matching tag/attribute predicates; needs `options` (`ResourceFindOptions`, `ResourceFindResult`).
 */
export function builtinTask(name: BuiltinTaskName): WorkerTask {
  return { module: new URL(`tasks/${name}.js`, workerDirectory()).href, export: EXPORTS[name] };
}
