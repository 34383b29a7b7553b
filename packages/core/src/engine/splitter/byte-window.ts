/**
 * A sliding window over an async byte source. Positions are indexes into
 * `bytes`; everything from `mark` on is kept when more input is read, so a
 * value that spans chunks stays contiguous. Reads gather at least as many
 * new bytes as are kept, so a value that spans many chunks is copied
 * O(log n) times, not once per chunk, however small the chunks are.
 */
export class ByteWindow {
  /** The current window. Replaced (not mutated) when more input arrives, so views into it stay valid. */
  bytes: Buffer = Buffer.alloc(0);
  /** Read position. */
  pos = 0;
  /** First byte still needed; `more()` drops what lies before it. Never after `pos`. */
  mark = 0;
  /** A second position that `more()` keeps pointing at the same byte (a scanner's resume point). */
  cursor = 0;
  /** Input offset of `bytes[0]`. */
  base = 0;
  private ended = false;
  private readonly iterator: AsyncIterator<Uint8Array>;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly minWindowBytes: number,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** True once the source has no more bytes and the window is consumed. */
  get atEnd(): boolean {
    return this.ended && this.pos >= this.bytes.length;
  }

  /** Input offset of a window index. */
  offsetOf(index: number): number {
    return this.base + index;
  }

  /** Reads more input; false when the source is exhausted (the window is unchanged then). */
  async more(): Promise<boolean> {
    if (this.ended) return false;
    const kept = this.bytes.subarray(this.mark);
    const want = Math.max(this.minWindowBytes, kept.length);
    const parts: Buffer[] = kept.length > 0 ? [kept] : [];
    let got = 0;
    while (got < want) {
      const next = await this.iterator.next();
      if (next.done === true) {
        this.ended = true;
        break;
      }
      const chunk = next.value;
      if (chunk.byteLength === 0) continue;
      parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      got += chunk.byteLength;
    }
    if (got === 0) return false;
    const shift = this.mark;
    this.bytes = parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
    this.base += shift;
    this.pos -= shift;
    this.cursor -= shift;
    this.mark = 0;
    return true;
  }

  /** True when `count` bytes from `pos` are in the window, reading more if needed; false at end of input. */
  async ensure(count: number): Promise<boolean> {
    while (this.bytes.length - this.pos < count) {
      if (!(await this.more())) return false;
    }
    return true;
  }

  /** The byte at `pos`, or -1 at end of input. */
  async peek(): Promise<number> {
    if (this.pos >= this.bytes.length && !(await this.ensure(1))) return -1;
    return this.bytes[this.pos] ?? -1;
  }

  /** True when the input at `pos` starts with `expected` (false when it ends first). Consumes nothing. */
  async startsWith(expected: Uint8Array): Promise<boolean> {
    if (!(await this.ensure(expected.length))) return false;
    const bytes = this.bytes;
    for (let i = 0; i < expected.length; i++) if (bytes[this.pos + i] !== expected[i]) return false;
    return true;
  }

  /** Skips JSON whitespace (space, tab, LF, CR) and returns the next byte, or -1 at end of input. */
  async skipWhitespace(): Promise<number> {
    for (;;) {
      const bytes = this.bytes;
      let i = this.pos;
      while (i < bytes.length) {
        const c = bytes[i];
        if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
          this.pos = i;
          return c ?? -1;
        }
        i++;
      }
      this.pos = i;
      if (!(await this.more())) return -1;
    }
  }

  /** Nothing before `pos` is needed any more. */
  release(): void {
    this.mark = this.pos;
  }

  /** Lets the source clean up when the consumer stops early. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }
}
