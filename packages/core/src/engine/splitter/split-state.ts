import { InvalidStateError } from '../../errors.js';
import { DEFAULT_MAX_DEPTH } from '../../json/parse-json.js';
import { BatchBuilder } from './batch-builder.js';
import { ByteWindow } from './byte-window.js';
import {
  CLOSE_BRACE,
  CLOSE_BRACKET,
  ContainerScanner,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  SCAN_MISMATCH,
  SCAN_MORE,
  findStringEnd,
} from './container-scanner.js';
import {
  ARRAY_CLOSE,
  BOM,
  ELEMENT_CLOSE,
  ELEMENT_FIRST_KEY,
  ELEMENT_OPEN,
  EMPTY_ARRAY_CLOSE,
  NEXT_ELEMENT,
  RESOURCES_OPEN,
  TOP_LEVEL_KEY,
  TOP_LEVEL_OPEN,
  matchesAt,
} from './terraform-layout.js';
import type { RawField, RawResource, ResourceBatch, ScannerChoice, SplitStateOptions, SplitSummary } from './types.js';

export const DEFAULT_BATCH_BYTES = 1024 * 1024;
const DEFAULT_MIN_WINDOW_BYTES = 64 * 1024;

const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * Splits a Terraform state read as bytes into its top-level fields and the
 * raw bytes of each `resources` element, holding about one batch and one
 * input window in memory whatever the size of the input.
 *
 * Iterate it to get the resources in batches; pulling is what reads input,
 * so a consumer that stops pulling stops the reading. Once iteration has
 * ended, `summary` holds the other top-level fields and the key order.
 *
 * Two scanners sit behind it. Where the input has Terraform's layout, a
 * line-based path jumps from one element to the next with `Buffer.indexOf`.
 * It checks the layout around every element it cuts (the element's first
 * line, the line that closes it, and what follows) and hands over to the
 * general scanner, from the element's first byte, as soon as a check fails.
 * The general scanner reads every byte, tracking strings, escapes and
 * nesting, and accepts any JSON layout.
 *
 * The line-based path does not look inside elements. A file in Terraform's
 * layout except for hand-made lines that fake an element boundary (an inner
 * `}` reindented to four spaces and followed by `,\n    {`) can make it cut
 * in the wrong place. The outcome is then an InvalidStateError or a slice
 * that is not valid JSON, never a wrong answer that parses: cuts fall at line
 * starts, never inside a string, and JSON's grammar admits one parse only,
 * so slices that all parse are the right ones. `scanner: 'general'` reads
 * such files. Neither does it check the nesting limit inside elements; the
 * consumer's parser does.
 *
 * Structural errors (truncated input, unbalanced brackets, a top level that
 * is not an object, no `resources` array) throw InvalidStateError with the
 * byte offset as `location`. Values are not validated beyond their structure.
 */
export function splitState(source: AsyncIterable<Uint8Array>, options: SplitStateOptions = {}): StateSplitter {
  return new StateSplitter(source, options);
}

/** The splitter returned by `splitState`. Iterable once. */
export class StateSplitter implements AsyncIterable<ResourceBatch> {
  private readonly window: ByteWindow;
  private readonly builder: BatchBuilder;
  private readonly maxDepth: number;
  private readonly choice: ScannerChoice;
  private readonly fields: RawField[] = [];
  private readonly keyOrder: string[] = [];
  private resourceCount = 0;
  private fastResources = 0;
  private fallbackOffset: number | undefined = undefined;
  private generator: AsyncGenerator<ResourceBatch, void, undefined> | undefined = undefined;

  constructor(source: AsyncIterable<Uint8Array>, options: SplitStateOptions) {
    this.window = new ByteWindow(source, options.minWindowBytes ?? DEFAULT_MIN_WINDOW_BYTES);
    this.builder = new BatchBuilder(options.batchBytes ?? DEFAULT_BATCH_BYTES);
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.choice = options.scanner ?? 'auto';
  }

  /** The same iterator every time: the input can be read only once. */
  [Symbol.asyncIterator](): AsyncGenerator<ResourceBatch, void, undefined> {
    this.generator ??= this.run();
    return this.generator;
  }

  /** What has been found so far; complete once iteration has ended without an error. */
  get summary(): SplitSummary {
    return {
      fields: this.fields,
      keyOrder: this.keyOrder,
      resourceCount: this.resourceCount,
      bytesRead: this.window.offsetOf(this.window.pos),
      fastResources: this.fastResources,
      fallbackOffset: this.fallbackOffset,
    };
  }

  private async *run(): AsyncGenerator<ResourceBatch, void, undefined> {
    const w = this.window;
    try {
      if (await w.startsWith(BOM)) this.fail('the input starts with a byte order mark, which JSON does not allow', 0);
      const fastAllowed = this.choice !== 'general' && (await w.startsWith(TOP_LEVEL_OPEN));
      let c = await w.skipWhitespace();
      if (c === -1) this.fail('the input is empty or holds only whitespace', w.offsetOf(w.pos));
      if (c !== OPEN_BRACE) this.fail('the top level of the input is not a JSON object', w.offsetOf(w.pos));
      w.pos++;
      let keyInLayout = fastAllowed;
      let sawResources = false;
      c = await w.skipWhitespace();
      if (c === CLOSE_BRACE) w.pos++;
      else {
        for (;;) {
          if (c !== QUOTE) this.failExpected('a key (a JSON string) in the top-level object', c);
          const key = await this.readKey();
          this.keyOrder.push(key);
          if ((await w.skipWhitespace()) !== COLON) this.failExpected(`':' after the top-level key ${JSON.stringify(key)}`, await w.peek());
          w.pos++;
          if (key === 'resources') {
            if (sawResources) this.fail('the top-level key "resources" appears twice', w.offsetOf(w.pos));
            sawResources = true;
            const fast = keyInLayout && (await w.startsWith(RESOURCES_OPEN));
            if (fast) w.pos += RESOURCES_OPEN.length;
            else {
              if ((await w.skipWhitespace()) !== OPEN_BRACKET) this.failExpected('an array as the value of "resources"', await w.peek());
              w.pos++;
            }
            yield* this.splitResources(fast);
          } else {
            this.fields.push(await this.captureValue(key));
          }
          w.release();
          c = await w.skipWhitespace();
          if (c === CLOSE_BRACE) {
            w.pos++;
            break;
          }
          if (c !== COMMA) this.failExpected(`',' or '}' after the value of the top-level key ${JSON.stringify(key)}`, c);
          w.pos++;
          keyInLayout = fastAllowed && (await w.startsWith(TOP_LEVEL_KEY));
          c = await w.skipWhitespace();
        }
      }
      w.release();
      c = await w.skipWhitespace();
      if (c !== -1) this.fail('unexpected bytes after the end of the top-level object', w.offsetOf(w.pos));
      if (!sawResources) {
        this.fail('the top-level object has no "resources" array', w.offsetOf(w.pos), 'Terraform always writes "resources" (an empty state has "resources": []); add it, or pull the state again with terraform state pull');
      }
      const last = this.builder.flush();
      if (last !== undefined) yield last;
    } finally {
      await w.close();
    }
  }

  /** Yields the elements of `resources`; `pos` is just after its `[`. */
  private async *splitResources(fastAtStart: boolean): AsyncGenerator<ResourceBatch, void, undefined> {
    const w = this.window;
    const scanner = new ContainerScanner(2, this.maxDepth);
    let fast = fastAtStart;
    if (fast && (await w.startsWith(EMPTY_ARRAY_CLOSE))) {
      w.pos++;
      return;
    }
    for (let index = 0; ; index++) {
      let elementFast = false;
      if (fast) {
        if (await w.startsWith(ELEMENT_OPEN)) {
          w.pos += ELEMENT_OPEN.length - 1;
          elementFast = true;
        } else {
          fast = false;
          this.fallbackOffset = w.offsetOf(w.pos);
        }
      }
      const c = elementFast ? OPEN_BRACE : await w.skipWhitespace();
      if (c === CLOSE_BRACKET && index === 0) {
        w.pos++;
        return;
      }
      if (c !== OPEN_BRACE) this.failExpected(`an object as element ${index} of "resources"`, c);
      w.mark = w.pos;
      let end = elementFast ? await this.fastElementEnd() : -1;
      if (elementFast) {
        if (end < 0) {
          fast = false;
          this.fallbackOffset = w.offsetOf(w.mark);
        } else this.fastResources++;
      }
      if (end < 0) end = await this.containerEnd(scanner, `element ${index} of "resources"`);
      const resource: RawResource = { index, offset: w.offsetOf(w.mark), bytes: w.bytes.subarray(w.mark, end) };
      w.pos = end;
      w.release();
      this.resourceCount++;
      const full = this.builder.add(resource);
      if (full !== undefined) yield full;
      if (fast) {
        // fastElementEnd has checked that one of these two follows, and it is still in the window.
        if (w.bytes[w.pos] === COMMA) w.pos++;
        else {
          w.pos += ARRAY_CLOSE.length;
          return;
        }
        continue;
      }
      const next = await w.skipWhitespace();
      if (next === CLOSE_BRACKET) {
        w.pos++;
        return;
      }
      if (next !== COMMA) this.failExpected(`',' or ']' after element ${index} of "resources"`, next);
      w.pos++;
    }
  }

  /**
   * The line-based path: index just past the `}` that closes the element
   * starting at `pos`, or -1 when the layout around it is not Terraform's.
   */
  private async fastElementEnd(): Promise<number> {
    const w = this.window;
    if (!(await w.startsWith(ELEMENT_FIRST_KEY))) return -1;
    w.cursor = w.pos + 1;
    for (;;) {
      const at = w.bytes.indexOf(ELEMENT_CLOSE, w.cursor);
      if (at >= 0) {
        w.cursor = at + ELEMENT_CLOSE.length;
        while (w.bytes.length - w.cursor < NEXT_ELEMENT.length && (await w.more()));
        const follows = matchesAt(w.bytes, w.cursor, NEXT_ELEMENT) || matchesAt(w.bytes, w.cursor, ARRAY_CLOSE);
        return follows ? w.cursor : -1;
      }
      // The closing line may straddle the window's end: search again from its last bytes.
      w.cursor = Math.max(w.pos + 1, w.bytes.length - (ELEMENT_CLOSE.length - 1));
      if (!(await w.more())) return -1;
    }
  }

  /** The general path: index just past the bracket closing the array or object at `pos`. */
  private async containerEnd(scanner: ContainerScanner, what: string): Promise<number> {
    const w = this.window;
    scanner.reset();
    w.cursor = w.pos;
    for (;;) {
      const end = scanner.scan(w.bytes, w.cursor, w.bytes.length);
      if (end >= 0) return end;
      if (end === SCAN_MORE) {
        w.cursor = scanner.resumeAt;
        if (!(await w.more())) this.failTruncated(what);
        continue;
      }
      const at = w.offsetOf(scanner.problemAt);
      if (end === SCAN_MISMATCH) this.fail(`a closing bracket in ${what} does not match the open one`, at);
      this.fail(`${what} is nested deeper than ${this.maxDepth} levels`, at);
    }
  }

  /** Reads the key whose opening quote is at `pos`. */
  private async readKey(): Promise<string> {
    const w = this.window;
    w.mark = w.pos;
    let end = findStringEnd(w.bytes, w.pos + 1, w.bytes.length);
    while (end < 0) {
      if (!(await w.more())) this.failTruncated('a top-level key');
      end = findStringEnd(w.bytes, w.pos + 1, w.bytes.length);
    }
    const text = w.bytes.toString('utf8', w.pos, end);
    const offset = w.offsetOf(w.pos);
    w.pos = end;
    w.release();
    try {
      const key: unknown = JSON.parse(text);
      if (typeof key === 'string') return key;
    } catch (error) {
      // A bad escape in a key: the only way JSON.parse fails on a quoted string.
      this.fail(`the top-level key at byte ${offset} is not a valid JSON string`, offset, undefined, error);
    }
    this.fail(`the top-level key at byte ${offset} is not a valid JSON string`, offset);
  }

  /** Copies out the value of a top-level key other than `resources`. */
  private async captureValue(key: string): Promise<RawField> {
    const w = this.window;
    const c = await w.skipWhitespace();
    w.mark = w.pos;
    let end: number;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      end = await this.containerEnd(new ContainerScanner(1, this.maxDepth), `the value of ${JSON.stringify(key)}`);
    } else if (c === QUOTE) {
      end = findStringEnd(w.bytes, w.pos + 1, w.bytes.length);
      while (end < 0) {
        if (!(await w.more())) this.failTruncated(`the value of ${JSON.stringify(key)}`);
        end = findStringEnd(w.bytes, w.pos + 1, w.bytes.length);
      }
    } else if (isScalarStart(c)) {
      end = w.pos + 1;
      for (;;) {
        while (end < w.bytes.length && !isDelimiter(w.bytes[end])) end++;
        if (end < w.bytes.length) break;
        w.cursor = end;
        if (!(await w.more())) this.failTruncated(`the value of ${JSON.stringify(key)}`);
        end = w.cursor;
      }
    } else {
      this.failExpected(`a value for the top-level key ${JSON.stringify(key)}`, c);
    }
    const field: RawField = { key, offset: w.offsetOf(w.mark), bytes: new Uint8Array(w.bytes.subarray(w.mark, end)) };
    w.pos = end;
    return field;
  }

  private failExpected(what: string, found: number): never {
    const w = this.window;
    if (found === -1) this.failTruncated(what);
    this.fail(`expected ${what}, found ${describeByte(found)}`, w.offsetOf(w.pos));
  }

  private failTruncated(what: string): never {
    const w = this.window;
    this.fail(
      `the input ends early, inside or before ${what} (after ${w.offsetOf(w.bytes.length)} bytes)`,
      w.offsetOf(w.bytes.length),
      'the state is truncated: fetch it again or restore it from a backup',
    );
  }

  private fail(message: string, offset: number, hint?: string, cause?: unknown): never {
    // A hand edit that fakes an element boundary can mislead the line-based
    // path into an error on valid JSON; say how to rule that out.
    const fastHint =
      this.fastResources > 0
        ? 'the input is not a Terraform v4 state, or was reindented by hand in a way that misleads the line-based scanner: retry with the general scanner (scanner: "general")'
        : undefined;
    const finalHint = hint ?? fastHint;
    throw new InvalidStateError(message, { location: `byte ${offset}`, ...(finalHint === undefined ? {} : { hint: finalHint }), cause });
  }
}

function isScalarStart(c: number): boolean {
  // Numbers, true, false, null.
  return c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
}

function isDelimiter(c: number | undefined): boolean {
  return c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function describeByte(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}
