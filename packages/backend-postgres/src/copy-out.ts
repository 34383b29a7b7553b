import { IoError } from '@tempeh/core';
import type pg from 'pg';

/**
 * Reads bytea values as raw bytes, through `COPY (…) TO STDOUT (FORMAT
 * binary)`.
 *
 * Why not a plain SELECT: in text format a 4 MiB chunk arrives as an 8 MiB
 * hex string, and a streamed read of a large state then leaves hundreds of
 * MiB of large strings for the GC; in binary format node-postgres decodes
 * every column as UTF-8 before handing it over, which would alter bytes
 * that are not valid UTF-8. COPY data reaches the query object as the
 * wire's own bytes.
 *
 * node-postgres dispatches a query's protocol messages to any object with
 * `submit` and the `handle…` methods below (this is how pg-cursor and
 * pg-copy-streams work); the client serialises it with other queries.
 */
class CopyOutValue implements pg.Submittable {
  readonly #text: string;
  readonly #pieces: Buffer[] = [];
  readonly #resolve: (value: Buffer[] | undefined) => void;
  readonly #reject: (error: unknown) => void;
  #settled = false;
  readonly done: Promise<Buffer[] | undefined>;

  constructor(text: string) {
    this.#text = text;
    let resolve: (value: Buffer[] | undefined) => void = () => undefined;
    let reject: (error: unknown) => void = () => undefined;
    this.done = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#resolve = resolve;
    this.#reject = reject;
  }

  submit(connection: pg.Connection): void {
    connection.query(this.#text);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    // A copy: the chunk is a view into the driver's receive buffer, which it reuses for the next messages.
    this.#pieces.push(Buffer.from(message.chunk));
  }

  handleCommandComplete(): void {
    // Nothing to do: the value is complete at ReadyForQuery.
  }

  handleReadyForQuery(): void {
    if (this.#settled) return;
    this.#settled = true;
    try {
      this.#resolve(parseColumn(this.#pieces));
    } catch (error) {
      this.#reject(error);
    }
  }

  /** A server error, or the connection failing; the client does not send ReadyForQuery to this query afterwards. */
  handleError(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  handleRowDescription(): void {
    this.handleError(new Error('COPY answered with a row description'));
  }

  handleDataRow(): void {
    this.handleError(new Error('COPY answered with data rows'));
  }

  handleEmptyQuery(): void {
    this.handleError(new Error('COPY answered as an empty query'));
  }

  handlePortalSuspended(): void {
    this.handleError(new Error('COPY answered with a suspended portal'));
  }

  handleCopyInResponse(): void {
    this.handleError(new Error('COPY TO answered as COPY FROM'));
  }
}

/**
 * The bytes of the single column of every row `select` returns, in row
 * order, as views of the received messages (no further copy); undefined
 * when it returns no row. `select` has its values inlined as validated
 * literals: COPY takes no bind parameters.
 */
export async function copyOutColumn(client: Pick<pg.ClientBase, 'query'>, select: string): Promise<Buffer[] | undefined> {
  const query = client.query(new CopyOutValue(`COPY (${select}) TO STDOUT (FORMAT binary)`));
  return query.done;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** PostgreSQL's binary COPY format: signature, flags, header extension, tuples (field count, then length + bytes per field), trailer -1. */
function parseColumn(pieces: readonly Buffer[]): Buffer[] | undefined {
  const reader = new PieceReader(pieces);
  if (!reader.take(SIGNATURE.byteLength).equals(SIGNATURE)) throw malformed('no binary COPY signature');
  reader.take(4); // flags: bit 16 (OIDs) is never set for a SELECT
  reader.views(reader.take(4).readUInt32BE(0)); // header extension, skipped as the format says
  let values: Buffer[] | undefined;
  for (;;) {
    const fields = reader.take(2).readInt16BE(0);
    if (fields === -1) break;
    if (fields !== 1) throw malformed(`a row with ${fields} columns, expected 1`);
    const length = reader.take(4).readInt32BE(0);
    if (length < 0) throw malformed('a NULL value');
    values ??= [];
    values.push(...reader.views(length));
  }
  return values;
}

/** Reads across the pieces without joining them. */
class PieceReader {
  readonly #pieces: readonly Buffer[];
  #index = 0;
  #offset = 0;

  constructor(pieces: readonly Buffer[]) {
    this.#pieces = pieces;
  }

  /** The next `length` bytes as views of the pieces they lie in (no copy). */
  views(length: number): Buffer[] {
    const out: Buffer[] = [];
    let left = length;
    while (left > 0) {
      this.#skipExhausted();
      const current = this.#pieces[this.#index];
      if (!current) throw malformed('the data ends early');
      const n = Math.min(left, current.byteLength - this.#offset);
      out.push(current.subarray(this.#offset, this.#offset + n));
      this.#offset += n;
      left -= n;
    }
    return out;
  }

  /** The next `length` bytes as one buffer: for the small header and length fields. */
  take(length: number): Buffer {
    this.#skipExhausted();
    const piece = this.#pieces[this.#index];
    if (piece && this.#offset + length <= piece.byteLength) {
      const view = piece.subarray(this.#offset, this.#offset + length);
      this.#offset += length;
      return view;
    }
    const out = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      this.#skipExhausted();
      const current = this.#pieces[this.#index];
      if (!current) throw malformed('the data ends early');
      const n = Math.min(length - filled, current.byteLength - this.#offset);
      current.copy(out, filled, this.#offset, this.#offset + n);
      filled += n;
      this.#offset += n;
    }
    return out;
  }

  #skipExhausted(): void {
    while (this.#index < this.#pieces.length && this.#offset >= (this.#pieces[this.#index]?.byteLength ?? 0)) {
      this.#index++;
      this.#offset = 0;
    }
  }
}

function malformed(what: string): IoError {
  return new IoError(`PostgreSQL sent a COPY stream Tempeh cannot read: ${what}`, { hint: 'this is a bug in the backend or a proxy in between; report it' });
}
