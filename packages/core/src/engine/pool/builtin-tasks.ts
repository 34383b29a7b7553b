import type { WorkerTask } from '../worker/messages.js';
import { workerDirectory } from './worker-location.js';

/** The tasks that ship with core, by name. */
export type BuiltinTaskName = 'addresses' | 'resource-summary' | 'resource-hash';

const EXPORTS: Record<BuiltinTaskName, string> = {
  addresses: 'addresses',
  'resource-summary': 'resourceSummary',
  'resource-hash': 'resourceHash',
};

/**
 * The descriptor of a built-in task, for `EnginePool` or `runInProcess`:
 * - `addresses`: the resource's `terraform state list` lines (`string[]`);
 * - `resource-summary`: type, name, provider, module, mode and counts (`ResourceSummary`);
 * - `resource-hash`: hex sha256 of the resource's bytes (`string`).
 */
export function builtinTask(name: BuiltinTaskName): WorkerTask {
  return { module: new URL(`tasks/${name}.js`, workerDirectory()).href, export: EXPORTS[name] };
}
