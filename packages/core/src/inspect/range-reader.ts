/**
 * Cuts byte ranges out of a stream, in increasing order, without scanning
 * what lies between them: the second pass of a diff knows from the first
 * where each resource it wants starts and how long it is. Reading stops
 * (and the stream is closed) when the caller closes the reader.
 */
export class RangeReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  /** Offset in the stream of `#chunk[0]`. */
  #chunkStart = 0;
  #done = false;

  constructor(stream: AsyncIterable<Uint8Array>) {
    this.#iterator = stream[Symbol.asyncIterator]();
  }

  /**
   * The `length` bytes at `offset`, or undefined when the stream ends before
   * them. Offsets must not go backwards. The result may be a view into a
   * chunk of the stream: use it before the next read.
   */
  async read(offset: number, length: number): Promise<Uint8Array | undefined> {
    if (offset < this.#chunkStart) throw new RangeError(`offset ${offset} is behind the reader (at ${this.#chunkStart})`);
    // Skip whole chunks before the range.
    while (this.#chunkStart + this.#chunk.byteLength <= offset) {
      if (!(await this.#advance())) return undefined;
    }
    const start = offset - this.#chunkStart;
    if (start + length <= this.#chunk.byteLength) return this.#chunk.subarray(start, start + length);
    // The range runs over the end of this chunk: gather it.
    const out = new Uint8Array(length);
    let filled = 0;
    let from = start;
    for (;;) {
      const piece = this.#chunk.subarray(from, Math.min(this.#chunk.byteLength, from + length - filled));
      out.set(piece, filled);
      filled += piece.byteLength;
      if (filled === length) return out;
      if (!(await this.#advance())) return undefined;
      from = 0;
    }
  }

  /** Stops reading: the stream is closed (a file handle released) without being read to its end. */
  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#iterator.return?.();
  }

  async #advance(): Promise<boolean> {
    if (this.#done) return false;
    const next = await this.#iterator.next();
    this.#chunkStart += this.#chunk.byteLength;
    if (next.done === true) {
      this.#done = true;
      this.#chunk = new Uint8Array(0);
      return false;
    }
    this.#chunk = next.value;
    return true;
  }
}
