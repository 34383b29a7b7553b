// The worker pool boundary of the streaming engine: batches of raw resource
// bytes in, per-resource task results out, in workers or in-process.
export * from './engine-pool.js';
export * from './run-in-process.js';
export * from './raw-batch.js';
export * from './builtin-tasks.js';
export type { TaskResults } from './task-results.js';
export { workerDirectory } from './worker-location.js';
export type { WorkerTask, TaskPhase, TaskFailure, SerializedError } from '../worker/messages.js';
export type { ResourceView } from '../worker/resource-view.js';
export type { WorkerTaskFunction, WorkerTaskDefinition } from '../worker/task-module.js';
export type { ResourceSummary } from '../worker/tasks/resource-summary.js';
