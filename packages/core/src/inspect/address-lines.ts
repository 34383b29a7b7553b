import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntList } from './address-order.js';

/** Each resource's `terraform state list` lines, kept per resource so they can be put in another order. */
export interface AddressLines<Output> {
  /** Adds the next resource's lines (at least one). */
  add(lines: readonly string[]): void;
  /** Resource `group`'s lines as strings. */
  linesOf(group: number): string[];
  /** Starts the output. */
  output(): OutputBuilder<Output>;
}

export interface OutputBuilder<Output> {
  /** Appends resource `group`'s lines as stored. */
  appendGroup(group: number): void;
  /** Appends lines given as strings. */
  appendLines(lines: readonly string[]): void;
  finish(): Output;
}

/** Lines as JS strings: exact for every string, lone surrogates included. */
export class StringLines implements AddressLines<string[]> {
  readonly #lines: string[] = [];
  readonly #starts = new IntList();

  add(lines: readonly string[]): void {
    this.#starts.push(this.#lines.length);
    for (const line of lines) this.#lines.push(line);
  }

  linesOf(group: number): string[] {
    const end = group + 1 < this.#starts.length ? this.#starts.at(group + 1) : this.#lines.length;
    return this.#lines.slice(this.#starts.at(group), end);
  }

  /** Every line, in input order. */
  all(): string[] {
    return this.#lines;
  }

  output(): OutputBuilder<string[]> {
    const out: string[] = [];
    return {
      appendGroup: (group) => {
        for (const line of this.linesOf(group)) out.push(line);
      },
      appendLines: (lines) => {
        for (const line of lines) out.push(line);
      },
      finish: () => out,
    };
  }
}

const CHUNK_BYTES = 64 * 1024;
/** Text kept in memory up to this much; beyond it, in a temporary file. */
export const DEFAULT_SPILL_ABOVE_BYTES = 16 * 1024 * 1024;

export interface TextLinesOptions {
  /** Bytes of text kept in memory before the rest goes to a temporary file (default 16 MiB; 0 spills at once). */
  spillAboveBytes?: number;
  /** Where the temporary file goes (default: the OS temp directory). */
  tempDir?: string;
}

/**
 * Lines as newline-terminated UTF-8, for writing out (where they become
 * UTF-8 anyway). Up to `spillAboveBytes` of text stays in memory; the rest
 * goes to a temporary file, so a listing of any length costs 20 bytes per
 * resource to put in order. Addresses never hold a raw newline: Terraform
 * escapes it as `\n`. Call `close()` when done: it removes the file.
 */
export class TextLines implements AddressLines<AsyncIterable<Uint8Array>> {
  readonly #spillAbove: number;
  readonly #tempDir: string;
  readonly #memory: Buffer[] = [];
  /** Where each chunk in `#memory` starts in the text. */
  readonly #memoryStarts: number[] = [];
  #memoryBytes = 0;
  #file: { dir: string; path: string; fd: number } | undefined;
  #pending: string[] = [];
  #pendingBytes = 0;
  /** Bytes of text flushed so far (memory and file). */
  #flushed = 0;
  // Per resource: where its text starts, and its length.
  readonly #start = new IntList(true);
  readonly #length = new IntList();

  constructor(options: TextLinesOptions = {}) {
    this.#spillAbove = options.spillAboveBytes ?? DEFAULT_SPILL_ABOVE_BYTES;
    this.#tempDir = options.tempDir ?? tmpdir();
  }

  /** True once the text has gone to a temporary file. */
  get spilled(): boolean {
    return this.#file !== undefined;
  }

  add(lines: readonly string[]): void {
    const text = `${lines.join('\n')}\n`;
    const bytes = Buffer.byteLength(text, 'utf8');
    this.#start.push(this.#flushed + this.#pendingBytes);
    this.#length.push(bytes);
    this.#pending.push(text);
    this.#pendingBytes += bytes;
    if (this.#pendingBytes >= CHUNK_BYTES) this.#flush();
  }

  linesOf(group: number): string[] {
    const lines = this.#read(this.#start.at(group), this.#length.at(group)).toString('utf8').split('\n');
    lines.pop(); // the text ends with a newline
    return lines;
  }

  /** Ends adding: writes out what is pending, so `spilled` is final. */
  seal(): void {
    this.#flush();
  }

  /** Every line, in input order, as written. */
  async *all(): AsyncGenerator<Uint8Array, void, undefined> {
    this.#flush();
    for (let at = 0; at < this.#flushed; at += CHUNK_BYTES) yield this.#read(at, Math.min(CHUNK_BYTES, this.#flushed - at));
  }

  output(): OutputBuilder<AsyncIterable<Uint8Array>> {
    this.#flush();
    // The output is a list of ranges of the stored text (and a few merged
    // lines); neighbouring ranges are joined, so reading back a spilled
    // file takes one read per run of resources that stayed in order.
    const parts: ({ start: number; length: number } | Uint8Array)[] = [];
    const read = (start: number, length: number): Buffer => this.#read(start, length);
    return {
      appendGroup: (group) => {
        const start = this.#start.at(group);
        const length = this.#length.at(group);
        const last = parts[parts.length - 1];
        if (last !== undefined && !(last instanceof Uint8Array) && last.start + last.length === start && last.length < CHUNK_BYTES) last.length += length;
        else parts.push({ start, length });
      },
      appendLines: (lines) => {
        if (lines.length > 0) parts.push(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
      },
      finish: () => ({
        async *[Symbol.asyncIterator]() {
          for (const part of parts) yield part instanceof Uint8Array ? part : read(part.start, part.length);
        },
      }),
    };
  }

  /** Removes the temporary file, if any. */
  close(): void {
    const file = this.#file;
    if (file === undefined) return;
    this.#file = undefined;
    closeSync(file.fd);
    rmSync(file.dir, { recursive: true, force: true });
  }

  #read(start: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    if (this.#file !== undefined) {
      let done = 0;
      while (done < length) {
        const got = readSync(this.#file.fd, out, done, length - done, start + done);
        if (got === 0) throw new RangeError(`the listing's temporary file ends before byte ${start + length}`);
        done += got;
      }
      return out;
    }
    // In memory: binary search for the last chunk starting at or before `start`, then copy across chunks.
    let low = 0;
    let high = this.#memoryStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.#memoryStarts[middle] ?? 0) <= start) low = middle;
      else high = middle - 1;
    }
    let done = 0;
    for (let index = low; index < this.#memory.length && done < length; index++) {
      const chunk = this.#memory[index];
      if (chunk === undefined) break;
      const from = start + done - (this.#memoryStarts[index] ?? 0);
      const take = Math.min(chunk.byteLength - from, length - done);
      chunk.copy(out, done, from, from + take);
      done += take;
    }
    if (done !== length) throw new RangeError(`no text at bytes ${start}..${start + length}`);
    return out;
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const chunk = Buffer.from(this.#pending.join(''), 'utf8');
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#flushed += chunk.byteLength;
    if (this.#file === undefined && this.#memoryBytes + chunk.byteLength > this.#spillAbove) this.#spill();
    if (this.#file === undefined) {
      this.#memoryStarts.push(this.#memoryBytes);
      this.#memory.push(chunk);
      this.#memoryBytes += chunk.byteLength;
    } else writeFully(this.#file.fd, chunk);
  }

  /** Moves the text kept so far into a new temporary file; from now on all text goes there. */
  #spill(): void {
    const dir = mkdtempSync(join(this.#tempDir, 'tempeh-list-'));
    const path = join(dir, 'addresses.txt');
    const fd = openSync(path, 'w+', 0o600);
    this.#file = { dir, path, fd };
    for (const chunk of this.#memory) writeFully(fd, chunk);
    this.#memory.length = 0;
    this.#memoryStarts.length = 0;
    this.#memoryBytes = 0;
  }
}

function writeFully(fd: number, bytes: Buffer): void {
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}
