import type { BatchEntry, FileSpan } from '../worker/messages.js';

/** One element of `resources`, as the splitter cuts it out of the state bytes. */
export interface RawResource {
  /** The resource's exact bytes. */
  readonly bytes: Uint8Array;
  /** Position in the state's `resources` array. */
  readonly index: number;
  /** Byte offset of the resource in the state file. */
  readonly offset: number;
}

/**
 * Resources whose bytes are all views into one buffer the batch owns (the
 * splitter's ResourceBatch has this shape). `EnginePool.run` transfers that
 * buffer as it is, with no copy; the views are unusable afterwards.
 */
export interface OwnedBatch {
  readonly resources: readonly RawResource[];
  readonly buffer: ArrayBuffer;
}

/** What `EnginePool.run` and `runInProcess` accept. */
export type BatchInput = readonly RawResource[] | PackedBatch | OwnedBatch;

/**
 * Resources the worker reads itself from an open file: the span's bytes,
 * with `entries[].start` relative to `file.position`. Only `EnginePool.run`
 * takes it (the engine builds it for inputs with a file descriptor).
 */
export interface FileBatch {
  readonly file: FileSpan;
  readonly entries: readonly BatchEntry[];
}

/**
 * A batch laid out for transfer: every resource's bytes back to back in one
 * ArrayBuffer. `EnginePool.run` transfers the buffer to a worker, after
 * which it is detached here (`byteLength` 0).
 */
export interface PackedBatch {
  readonly buffer: ArrayBuffer;
  readonly entries: readonly BatchEntry[];
}

/**
 * Copies a batch's resources into one buffer. One copy of small views into
 * one transfer beats a structured clone per resource, and leaves the
 * caller's own buffers (say, the splitter's read chunks) untouched.
 */
export function packBatch(batch: readonly RawResource[]): PackedBatch {
  let total = 0;
  for (const resource of batch) total += resource.bytes.byteLength;
  const bytes = new Uint8Array(total);
  const entries: BatchEntry[] = [];
  let start = 0;
  for (const { bytes: resourceBytes, index, offset } of batch) {
    bytes.set(resourceBytes, start);
    entries.push({ index, offset, start, length: resourceBytes.byteLength });
    start += resourceBytes.byteLength;
  }
  return { buffer: bytes.buffer, entries };
}

/**
 * The batch as one buffer plus layout. A PackedBatch is used as it is; an
 * OwnedBatch keeps its buffer when every resource is a view into it (else
 * it is copied like a plain RawResource[]).
 */
export function toPackedBatch(batch: BatchInput): PackedBatch {
  if (isRawResources(batch)) return packBatch(batch);
  if ('entries' in batch) return batch;
  const { buffer, resources } = batch;
  if (!resources.every((resource) => resource.bytes.buffer === buffer)) return packBatch(resources);
  return {
    buffer,
    entries: resources.map(({ bytes, index, offset }) => ({ index, offset, start: bytes.byteOffset, length: bytes.byteLength })),
  };
}

export function isRawResources(batch: BatchInput): batch is readonly RawResource[] {
  return Array.isArray(batch);
}
