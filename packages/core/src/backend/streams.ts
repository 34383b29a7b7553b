import { Readable } from 'node:stream';
import { IoError, isTempehError } from '../errors.js';

/**
 * Byte-stream helpers shared by backends and StateManager. Every stream of
 * state bytes in Tempeh is an `AsyncIterable<Uint8Array>`; Node's Readable
 * is one, and so is an async generator.
 */

/**
 * Reads `source` to the end and returns its bytes as one Buffer.
 * A chunk that is not bytes (an object-mode stream, a string) is an
 * IoError, because silently encoding it would write something else than
 * the producer meant. Errors raised by the source keep their class when
 * they are TempehErrors and become IoError otherwise.
 */
export async function collectBytes(source: AsyncIterable<Uint8Array>, what = 'stream'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array)) {
        throw new IoError(`${what} yielded a ${typeof chunk} chunk instead of bytes`, {
          hint: 'a stream transform must yield Uint8Array or Buffer chunks',
        });
      }
      // Adopted without a copy: Node's streams never reuse a buffer after
      // yielding it, and Buffer.concat below copies once anyway.
      const owned = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      chunks.push(owned);
      size += owned.byteLength;
    }
  } catch (error) {
    if (isTempehError(error)) throw error;
    throw new IoError(`reading the ${what} failed: ${messageOf(error)}`, { cause: error });
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
}

/**
 * A byte-mode Readable over `data`: one buffer, or chunks (an array, a
 * generator, an async iterable) yielded as they are, without concatenating.
 */
export function bytesToReadable(data: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Readable {
  return Readable.from(data instanceof Uint8Array ? [data] : data, { objectMode: false });
}

/** An async iterable over `data`, for APIs that take `AsyncIterable<Uint8Array>`. */
export async function* bytesToIterable(data: Uint8Array | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) {
    yield data;
    return;
  }
  yield* data;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
