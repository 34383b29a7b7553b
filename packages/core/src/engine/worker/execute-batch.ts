import { createResourceView } from './resource-view.js';
import { loadTask, type LoadedTask } from './task-module.js';
import { serializeError, type TaskFailure, type TaskReply, type WorkerTask } from './messages.js';
import { encodeResults } from './result-codec.js';

/** One resource's bytes and where it came from. */
export interface BatchResource {
  bytes: Uint8Array;
  index: number;
  offset: number;
}

/** `values[r][t]` is task t's result for resource r; or the first failure. */
export type BatchOutcome = { ok: true; values: unknown[][] } | { ok: false; failure: TaskFailure };

/**
 * Runs every task on every resource, in order. Shared by the worker and the
 * in-process path so the two cannot drift apart. Stops at the first
 * failure: a batch either succeeds whole or reports one error.
 */
export async function executeBatch(tasks: readonly WorkerTask[], resources: Iterable<BatchResource>): Promise<BatchOutcome> {
  const loaded: LoadedTask[] = [];
  for (const task of tasks) {
    const result = await loadTask(task);
    if (!result.ok) return result;
    loaded.push(result.loaded);
  }
  const values: unknown[][] = [];
  for (const { bytes, index, offset } of resources) {
    const view = createResourceView(bytes, index, offset);
    const row: unknown[] = [];
    for (const { task, map } of loaded) {
      try {
        // A task may be async; awaiting a plain value costs a microtask only.
        row.push(await map(view));
      } catch (error) {
        // The task's own failure: reported with the task and the resource.
        return { ok: false, failure: { phase: 'map', module: task.module, export: task.export, resourceIndex: index, error: serializeError(error) } };
      }
    }
    values.push(row);
  }
  return { ok: true, values };
}

/**
 * The outcome as it crosses the thread boundary: values msgpack-encoded into
 * one buffer. A value msgpack cannot encode becomes an `encode` failure of
 * the task and resource that produced it.
 */
export function encodeOutcome(tasks: readonly WorkerTask[], outcome: BatchOutcome, indices: readonly number[] = []): TaskReply {
  if (!outcome.ok) return outcome;
  try {
    return { ok: true, results: encodeResults(outcome.values) };
  } catch (error) {
    // Find the culprit so the error names a task; only on this failure path.
    const culprit = findUnencodable(outcome.values);
    const task = tasks[culprit?.task ?? 0];
    return {
      ok: false,
      failure: {
        phase: 'encode',
        module: task?.module ?? '',
        export: task?.export ?? '',
        resourceIndex: culprit === undefined ? undefined : indices[culprit.resource],
        error: serializeError(error),
      },
    };
  }
}

function findUnencodable(values: unknown[][]): { resource: number; task: number } | undefined {
  for (const [resource, row] of values.entries()) {
    for (const [task, value] of row.entries()) {
      try {
        encodeResults([[value]]);
      } catch (error) {
        // This is the value that failed; the error itself is reported by the caller.
        void error;
        return { resource, task };
      }
    }
  }
  return undefined;
}
