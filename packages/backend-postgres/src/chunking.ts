import { IoError, isTempehError } from '@tempeh/core';

/**
 * Re-cuts a byte stream into pieces of exactly `size` bytes (the last one
 * shorter), copied out of the producer's buffers (which it may reuse once
 * they are yielded). A chunk that is not bytes, or a producer that throws,
 * is an IoError (TempehErrors pass through), so the caller's transaction
 * rolls back and nothing is stored.
 *
 * The pieces share one buffer: a piece is valid only until the consumer
 * asks for the next one. A consumer that awaits the insert of each piece
 * meets that naturally, and a 1 GB state then allocates one piece, not 250
 * (garbage the GC would let pile up, since V8 collects external memory late).
 */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size: number, what: string): AsyncGenerator<Buffer> {
  const piece = Buffer.allocUnsafe(size);
  let filled = 0;
  try {
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array)) {
        throw new IoError(`${what} yielded a ${typeof chunk} chunk instead of bytes; nothing was stored`, { hint: 'write Uint8Array or Buffer chunks' });
      }
      let offset = 0;
      while (offset < chunk.byteLength) {
        const take = Math.min(size - filled, chunk.byteLength - offset);
        piece.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === size) {
          yield piece;
          filled = 0;
        }
      }
    }
  } catch (error) {
    if (isTempehError(error)) throw error;
    throw new IoError(`reading ${what} failed; nothing was stored: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      hint: 'fix what produces the stream (see the cause), then write again; the stored state is unchanged',
    });
  }
  if (filled > 0) yield piece.subarray(0, filled);
}
