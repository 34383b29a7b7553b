import { WorkerTaskError } from '../../errors.js';
import type { TaskFailure } from '../worker/messages.js';

/** The results of all tasks for one resource. */
export interface TaskResults {
  /** Position of the resource in the state's `resources` array. */
  index: number;
  /** Byte offset of the resource in the state file. */
  offset: number;
  /** `values[t]` is the result of the pool's `tasks[t]` for this resource. */
  values: unknown[];
}

/** Rebuilds the failure the worker sent as data into a WorkerTaskError whose cause has the original name, message and stack. */
export function taskFailureToError(failure: TaskFailure): WorkerTaskError {
  const cause = new Error(failure.error.message);
  cause.name = failure.error.name;
  cause.stack = failure.error.stack;
  const options = failure.error.code === undefined ? {} : { causeCode: failure.error.code };
  return new WorkerTaskError(
    { phase: failure.phase, module: failure.module, exportName: failure.export, resourceIndex: failure.resourceIndex },
    cause,
    options,
  );
}

/**
 * Pairs the decoded `values[r][t]` with each resource's index and offset.
 * The shape is our own worker's promise; a mismatch is a bug in Tempeh,
 * hence a plain Error rather than a TempehError code.
 */
export function toTaskResults(decoded: unknown, resources: readonly { index: number; offset: number }[], taskCount: number): TaskResults[] {
  if (!Array.isArray(decoded) || decoded.length !== resources.length) {
    throw new Error(`worker reply holds ${Array.isArray(decoded) ? decoded.length : 'no'} result rows for ${resources.length} resources`);
  }
  return resources.map(({ index, offset }, row) => {
    const values: unknown = decoded[row];
    if (!Array.isArray(values) || values.length !== taskCount) throw new Error(`worker reply row ${row} does not hold ${taskCount} task results`);
    return { index, offset, values };
  });
}
