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
  kind?: 'batch';
  tasks: WorkerTask[];
  /** All resources' bytes, back to back; transferred, not copied. Absent when `file` says where to read them. */
  buffer?: ArrayBuffer;
  /**
   * The worker reads the bytes itself: `length` bytes at `position` of the
   * open file descriptor `fd` (threads share the process's descriptors).
   * `entries[].start` are then relative to `position`.
   */
  file?: FileSpan;
  entries: BatchEntry[];
}

export interface FileSpan {
  fd: number;
  position: number;
  length: number;
}

/**
 * Main → worker: walk the `resources` elements in Terraform's layout from
 * the element at `start` until the next one at or after `end` (see
 * scanElementChain), reading the bytes from `fd`. Answered with
 * `ElementChain` as data.
 */
export interface ScanRequest {
  kind: 'scan';
  fd: number;
  start: number;
  end: number;
  /** Bytes of the input; the worker reads up to `end` plus the few bytes that tell what follows. */
  size: number;
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

/** The msgpack-encoded results, or the first failure. */
export type TaskReply = { ok: true; results: ArrayBuffer } | { ok: false; failure: TaskFailure };

/** Worker → main: a TaskReply, or a failure to read a file span's bytes. */
export type BatchReply = TaskReply | { ok: false; io: SerializedError };

export function serializeError(value: unknown): SerializedError {
  if (value instanceof Error) {
    const code: unknown = Reflect.get(value, 'code');
    return { name: value.name, message: value.message, stack: value.stack, code: typeof code === 'string' ? code : undefined };
  }
  return { name: 'Error', message: `non-error value thrown: ${String(value)}`, stack: undefined, code: undefined };
}
