// Runs inside a piscina worker thread. Piscina imports this file (from
// dist/) and calls the default export once per batch.

import { move, transferableSymbol, valueSymbol } from 'piscina';
import { encodeOutcome, executeBatch, type BatchResource } from './execute-batch.js';
import type { BatchReply, BatchRequest } from './messages.js';

/**
 * Never throws: every failure goes back as data (`{ ok: false }`), so that
 * a rejection seen by the pool can only mean the thread itself died.
 */
export default async function runBatch(request: BatchRequest): Promise<unknown> {
  const outcome = await executeBatch(request.tasks, resourcesOf(request));
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

function* resourcesOf(request: BatchRequest): Generator<BatchResource> {
  for (const entry of request.entries) {
    yield { bytes: new Uint8Array(request.buffer, entry.start, entry.length), index: entry.index, offset: entry.offset };
  }
}
