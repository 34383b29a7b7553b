// Runs inside a piscina worker thread. Piscina imports this file (from
// dist/) and calls the default export once per batch.

import { readSync } from 'node:fs';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { scanElementChain, type ElementChain } from '../splitter/terraform-layout.js';
import { encodeOutcome, executeBatch, type BatchResource } from './execute-batch.js';
import { serializeError, type BatchEntry, type BatchReply, type BatchRequest, type ScanRequest } from './messages.js';

/**
 * Never throws: every failure goes back as data (`{ ok: false }`), so that
 * a rejection seen by the pool can only mean the thread itself died.
 */
export default async function runBatch(request: BatchRequest | ScanRequest): Promise<unknown> {
  if (request.kind === 'scan') return scan(request);
  let buffer: ArrayBufferLike | undefined = request.buffer;
  if (request.file !== undefined) {
    try {
      buffer = readInto(spanBuffer(request.file.length), request.file.fd, request.file.position, request.file.length).buffer;
    } catch (error) {
      const reply: BatchReply = { ok: false, io: serializeError(error) };
      return reply;
    }
  }
  const outcome = await executeBatch(request.tasks, resourcesOf(buffer ?? new ArrayBuffer(0), request.entries));
  const reply: BatchReply = encodeOutcome(request.tasks, outcome, request.entries.map((entry) => entry.index));
  if (!reply.ok) return reply;
  // Hand the result buffer over instead of copying it.
  const results = reply.results;
  return move({
    get [transferableSymbol]() {
      return [results];
    },
    get [valueSymbol]() {
      return reply;
    },
  });
}

function* resourcesOf(buffer: ArrayBufferLike, entries: readonly BatchEntry[]): Generator<BatchResource> {
  for (const entry of entries) {
    yield { bytes: new Uint8Array(buffer, entry.start, entry.length), index: entry.index, offset: entry.offset };
  }
}

function scan(request: ScanRequest): ElementChain {
  try {
    // What follows the last element (`,\n    {` or `\n  ]`) lies just past `end`.
    const length = Math.min(request.size, request.end + 16) - request.start;
    return scanElementChain(readInto(spanBuffer(length), request.fd, request.start, length), request.start, request.start, request.end);
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * One buffer per thread for the spans it reads, grown as needed. A task's
 * bytes are only valid while it runs (see ResourceView.bytes), so the next
 * batch may overwrite them. Reusing it matters: a fresh megabyte per batch
 * is external memory that V8 answers with frequent full collections, which
 * cost more than the reads.
 */
let spans = Buffer.allocUnsafeSlow(0);

function spanBuffer(length: number): Buffer {
  if (spans.byteLength < length) spans = Buffer.allocUnsafeSlow(Math.max(length, 4 * 1024 * 1024));
  return spans;
}

/** `length` bytes at `position` of `fd`, into the start of `into`; returns that part of it. */
function readInto(into: Buffer, fd: number, position: number, length: number): Buffer {
  const bytes = into.subarray(0, length);
  let filled = 0;
  while (filled < length) {
    const got = readSync(fd, bytes, filled, length - filled, position + filled);
    if (got === 0) throw new Error(`the input ended at byte ${position + filled}, before byte ${position + length}`);
    filled += got;
  }
  return bytes;
}
