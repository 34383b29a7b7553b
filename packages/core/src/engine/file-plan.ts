import { read } from 'node:fs';
import { promisify } from 'node:util';
import type { EnginePool } from './pool/engine-pool.js';
import type { FileBatch } from './pool/raw-batch.js';
import { splitState } from './splitter/split-state.js';
import { ELEMENT_OPEN, ELEMENT_FIRST_KEY, RESOURCES_WITH_ELEMENT, TOP_LEVEL_OPEN, matchesAt, type ElementChain } from './splitter/terraform-layout.js';
import type { RawField, SplitSummary } from './splitter/types.js';
import type { BatchEntry } from './worker/messages.js';

const readAt = promisify(read);

/** How far into the input the `resources` key is looked for (outputs come before it). */
const HEAD_LIMIT_BYTES = 64 * 1024 * 1024;
/** Stretch of `resources` each worker walks in the first pass. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Window read at a chunk boundary to find the next element's first line. */
const BOUNDARY_WINDOW_BYTES = 64 * 1024;
/** `\n    {\n      "`: an element's opening line and the start of its first key. */
const ELEMENT_START = Buffer.concat([ELEMENT_OPEN, ELEMENT_FIRST_KEY.subarray(1)]);

/**
 * A file in Terraform's layout cut into resource batches by byte range,
 * without this thread reading the resources: the workers walk the element
 * chain of one stretch each (first pass), this thread checks that the
 * stretches join up, and the batches then name byte ranges that the workers
 * read themselves (second pass).
 */
export interface FilePlan {
  /** The same summary the streaming splitter gives for this input. */
  summary: SplitSummary;
  /** Resource batches in order, each at most `batchBytes` (or one resource). Built as they are taken. */
  batches(): Generator<FileBatch & { end: number }, void, undefined>;
}

export interface FilePlanOptions {
  fd: number;
  size: number;
  pool: EnginePool;
  batchBytes: number;
  maxDepth: number | undefined;
  /** Default CHUNK_BYTES. */
  chunkBytes?: number | undefined;
  signal: AbortSignal | undefined;
}

/**
 * The plan, or undefined when the input is not in Terraform's layout
 * throughout (or anything about it is unusual): the caller then streams
 * the input through the splitter, which handles every layout and reports
 * every error exactly. Nothing is handed out before the plan is complete,
 * so falling back never repeats a result.
 */
export async function planFile(options: FilePlanOptions): Promise<FilePlan | undefined> {
  const { fd, size, pool, signal } = options;
  const first = await findFirstElement(fd, size);
  if (first === undefined) return undefined;

  // Chunk starts: the first element, then the next element start found after every CHUNK_BYTES.
  const starts = [first];
  const chunkBytes = Math.max(1024, options.chunkBytes ?? CHUNK_BYTES);
  for (let at = first + chunkBytes; at < size; at += chunkBytes) {
    const found = await findElementStart(fd, size, at);
    if (found !== undefined && found > (starts.at(-1) ?? 0)) starts.push(found);
  }
  const scans = await Promise.all(
    starts.map((start, i) => pool.scan({ fd, start, end: starts[i + 1] ?? size, size }, { signal }).catch((error: unknown) => ({ ok: false as const, reason: String(error), error }))),
  );
  signal?.throwIfAborted();

  // The stretches must join up: each ends where the next starts, until one reaches the array's end.
  const chains: Extract<ElementChain, { ok: true }>[] = [];
  let closedAt: number | undefined;
  for (const [i, scan] of scans.entries()) {
    if ('error' in scan && isAbort(scan.error)) throw scan.error;
    if (!scan.ok) return undefined;
    chains.push(scan);
    if (scan.closedAt !== undefined) {
      closedAt = scan.closedAt;
      break;
    }
    if (scan.next !== starts[i + 1]) return undefined;
  }
  if (closedAt === undefined) return undefined;

  const count = chains.reduce((sum, chain) => sum + chain.offsets.length, 0);
  const summary = await summarizeOutside(fd, size, first, closedAt, count, options.maxDepth);
  if (summary === undefined) return undefined;
  return { summary, batches: () => fileBatches(fd, chains, options.batchBytes) };
}

/** Offset of the first element's `{` when the input opens in Terraform's layout and `resources` has an element; else undefined. */
async function findFirstElement(fd: number, size: number): Promise<number | undefined> {
  let length = Math.min(size, BOUNDARY_WINDOW_BYTES);
  for (;;) {
    const head = await readSpan(fd, 0, length);
    if (!matchesAt(head, 0, TOP_LEVEL_OPEN)) return undefined;
    const at = head.indexOf(RESOURCES_WITH_ELEMENT);
    if (at >= 0) return at + RESOURCES_WITH_ELEMENT.length - ELEMENT_FIRST_KEY.length;
    if (length >= size || length >= HEAD_LIMIT_BYTES) return undefined;
    length = Math.min(size, length * 4, HEAD_LIMIT_BYTES);
  }
}

/** Offset of the `{` of the first element line at or after `from`, looked for in a window; undefined when the window holds none. */
async function findElementStart(fd: number, size: number, from: number): Promise<number | undefined> {
  // Start one byte early so a line break right at `from` counts.
  const start = from - 1;
  const window = await readSpan(fd, start, Math.min(size - start, BOUNDARY_WINDOW_BYTES));
  const at = window.indexOf(ELEMENT_START);
  return at < 0 ? undefined : start + at + ELEMENT_OPEN.length - 1;
}

/**
 * The top-level fields, read by the streaming splitter from the input with
 * the elements of `resources` left out: bytes [0, first) then [closedAt,
 * size). Undefined when that does not parse, or when the cut does not sit
 * inside the top-level `resources` (a field spanning it means the key was
 * found nested in another value).
 */
async function summarizeOutside(fd: number, size: number, first: number, closedAt: number, count: number, maxDepth: number | undefined): Promise<SplitSummary | undefined> {
  const shift = closedAt - first;
  async function* outside(): AsyncGenerator<Uint8Array> {
    yield* spans(fd, 0, first);
    yield* spans(fd, closedAt, size);
  }
  const splitter = splitState(outside(), maxDepth === undefined ? {} : { maxDepth });
  try {
    for await (const batch of splitter) if (batch.resources.length > 0) return undefined;
  } catch {
    // The streaming pass over the whole input reports the problem exactly.
    return undefined;
  }
  const { fields, keyOrder } = splitter.summary;
  if (fields.some((field) => field.offset < first && field.offset + field.bytes.byteLength > first)) return undefined;
  const moved: RawField[] = fields.map((field) => (field.offset >= first ? { ...field, offset: field.offset + shift } : field));
  return { fields: moved, keyOrder, resourceCount: count, bytesRead: size, fastResources: count, fallbackOffset: undefined };
}

function* fileBatches(fd: number, chains: readonly Extract<ElementChain, { ok: true }>[], batchBytes: number): Generator<FileBatch & { end: number }, void, undefined> {
  let index = 0;
  let entries: BatchEntry[] = [];
  let position = 0;
  let end = 0;
  for (const chain of chains) {
    for (let i = 0; i < chain.offsets.length; i++) {
      const offset = chain.offsets[i] ?? 0;
      const length = chain.lengths[i] ?? 0;
      if (entries.length > 0 && offset + length - position > batchBytes) {
        yield { file: { fd, position, length: end - position }, entries, end };
        entries = [];
      }
      if (entries.length === 0) position = offset;
      entries.push({ index, offset, start: offset - position, length });
      end = offset + length;
      index++;
    }
  }
  if (entries.length > 0) yield { file: { fd, position, length: end - position }, entries, end };
}

async function* spans(fd: number, from: number, to: number): AsyncGenerator<Uint8Array> {
  for (let at = from; at < to; at += 1024 * 1024) yield await readSpan(fd, at, Math.min(1024 * 1024, to - at));
}

async function readSpan(fd: number, position: number, length: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await readAt(fd, bytes, filled, length - filled, position + filled);
    if (bytesRead === 0) return bytes.subarray(0, filled);
    filled += bytesRead;
  }
  return bytes;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'TEMPEH_E_CANCELLED';
}
