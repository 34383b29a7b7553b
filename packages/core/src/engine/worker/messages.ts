// The messages that cross the thread boundary between EnginePool and
// batch.worker. Only plain data travels: task descriptors, one byte buffer
// per batch, msgpack-encoded results, and failures as data that the main
// side rebuilds into TempehErrors.

import type { WorkerTaskPhase } from '../../errors.js';
import type { JsonValue } from '../../json/json-value.js';

/**
 * A per-resource task, named by module and export because functions cannot
 * cross threads. The module must be importable from the worker: an absolute
 * `file:` URL, or a package specifier resolvable from @tempeh/core.
 */
export interface WorkerTask {
  /** Absolute file URL or package specifier. */
  module: string;
  /** The export holding the task function or task object. */
  export: string;
  /** Passed to the task's `init` (or as the second argument to a plain function). Plain JSON: it is structured-cloned. */
  options?: JsonValue;
}

/** Where one resource's bytes sit in a batch buffer. */
export interface BatchEntry {
  /** Position of the resource in the state's `resources` array. */
  index: number;
  /** Byte offset of the resource in the state file. */
  offset: number;
  /** Start of the resource's bytes in the batch buffer. */
  start: number;
  /** Length of the resource's bytes. */
  length: number;
}

/** Main → worker: one batch of resources and the tasks to run on each. */
export interface BatchRequest {
  tasks: WorkerTask[];
  /** All resources' bytes, back to back; transferred, not copied. */
  buffer: ArrayBuffer;
  entries: BatchEntry[];
}

/** An Error flattened to data so it survives the thread boundary intact. */
export interface SerializedError {
  name: string;
  message: string;
  stack: string | undefined;
  /** The TempehError code, when the original had one. */
  code: string | undefined;
}

/**
 * Where a task failed: importing its module or finding its export, running
 * its `init`, mapping a resource, or encoding its result.
 */
export type TaskPhase = WorkerTaskPhase;

/** A task failure, as data. */
export interface TaskFailure {
  phase: TaskPhase;
  module: string;
  export: string;
  /** The resource being mapped; undefined for phases before `map`. */
  resourceIndex: number | undefined;
  error: SerializedError;
}

/** Worker → main: the msgpack-encoded results, or the first failure. */
export type BatchReply = { ok: true; results: ArrayBuffer } | { ok: false; failure: TaskFailure };

export function serializeError(value: unknown): SerializedError {
  if (value instanceof Error) {
    const code: unknown = Reflect.get(value, 'code');
    return { name: value.name, message: value.message, stack: value.stack, code: typeof code === 'string' ? code : undefined };
  }
  return { name: 'Error', message: `non-error value thrown: ${String(value)}`, stack: undefined, code: undefined };
}
