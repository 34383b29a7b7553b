import { InvalidStateError } from '../errors.js';
import { JsonNumber, formatJsonPath, getKeyOrder, type JsonValue } from './json-value.js';

export interface FormatJsonOptions {
  /**
   * One level of indentation; default two spaces, as Terraform writes
   * states (Go's `json.MarshalIndent(v, "", "  ")`). An empty string writes
   * compact JSON with no whitespace at all, as Go's `json.Marshal` does
   * (lock info files).
   */
  indent?: string;
  /**
   * Write every object's keys sorted by UTF-16 code units instead of in the
   * object's own order: a canonical form for comparisons.
   */
  sortKeys?: boolean;
}

/**
 * Serialises a JSON value byte for byte as Go's encoding/json writes it
 * (Go ≥ 1.22), so a state read with `parseJson` is written back exactly as
 * Terraform wrote it:
 * - objects keep their own key order, honouring `KEY_ORDER`; `undefined`
 *   members are skipped; empty containers are `{}` and `[]`;
 * - `JsonNumber` is written as its raw text; JS numbers in shortest
 *   round-trip form (JS and Go agree, exponent form below 1e-6 and from
 *   1e21 on), `-0` as `-0` as Go writes it;
 * - strings escape `"` `\` and control characters (`\b \f \n \r \t`, else
 *   `\u00xx`), `<` `>` `&` as `\u003c` `\u003e` `\u0026`, U+2028 and U+2029,
 *   and lone surrogates as `\ufffd`; everything else is literal.
 *
 * Throws InvalidStateError for what JSON cannot hold (NaN, Infinity,
 * functions, cycles, `undefined` array elements).
 */
export function formatJson(value: JsonValue, options: FormatJsonOptions = {}): string {
  return formatJsonUnknown(value, options);
}

/**
 * `formatJson` for values typed loosely, such as a TerraformState with keys
 * Tempeh does not know; anything that is not JSON is refused at run time.
 */
export function formatJsonUnknown(value: unknown, options: FormatJsonOptions = {}): string {
  return new Writer(options).write(value);
}

const NUMBER_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null;
}

/** An array being written: where in it the writer is. */
interface ArrayFrame {
  readonly kind: 'array';
  readonly array: readonly unknown[];
  /** Next element to write. */
  next: number;
}

/** An object being written. */
interface ObjectFrame {
  readonly kind: 'object';
  readonly object: Readonly<Record<string, unknown>>;
  /** The keys in writing order. */
  readonly keys: readonly string[];
  /** Next key to look at. */
  next: number;
  /** Nothing written inside yet (undefined members are skipped, so only writing tells). */
  empty: boolean;
}

type Frame = ArrayFrame | ObjectFrame;

/**
 * Iterative, like the parser: a value nested deeper than the call stack
 * allows is written all the same, and a cycle is reported, not overflowed.
 */
class Writer {
  private readonly indent: string;
  private readonly colon: string;
  private readonly sortKeys: boolean;
  /** `newlines[d]` is a line break plus the indentation of depth d ('' when compact). */
  private readonly newlines: string[] = [];
  private readonly stack: Frame[] = [];
  /** The containers on the stack, to tell a cycle from a value shared at two places. */
  private readonly openContainers = new Set<object>();
  private out = '';

  constructor(options: FormatJsonOptions) {
    this.indent = options.indent ?? '  ';
    this.colon = this.indent === '' ? ':' : ': ';
    this.sortKeys = options.sortKeys ?? false;
  }

  write(root: unknown): string {
    const stack = this.stack;
    let value = root;
    for (;;) {
      this.writeValue(value);
      // Find the next value to write, closing every container that ends here.
      let found = false;
      while (!found) {
        const frame = stack[stack.length - 1];
        if (frame === undefined) return this.out;
        const depth = stack.length;
        if (frame.kind === 'array') {
          const array = frame.array;
          if (frame.next < array.length) {
            const index = frame.next++;
            value = array[index];
            if (value === undefined) this.fail('an array element is undefined (or a hole); JSON has no such value');
            this.out += index === 0 ? this.newline(depth) : `,${this.newline(depth)}`;
            found = true;
          } else {
            this.out += `${this.newline(depth - 1)}]`;
            this.close(array);
          }
        } else {
          const object = frame.object;
          while (frame.next < frame.keys.length) {
            const key = frame.keys[frame.next++] ?? '';
            value = object[key];
            if (value === undefined) continue;
            this.out += `${frame.empty ? '{' : ','}${this.newline(depth)}${quoteJsonString(key)}${this.colon}`;
            frame.empty = false;
            found = true;
            break;
          }
          if (!found) {
            this.out += frame.empty ? '{}' : `${this.newline(depth - 1)}}`;
            this.close(object);
          }
        }
      }
    }
  }

  /** Writes a scalar, or opens a container (its contents follow from `write`). */
  private writeValue(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.out += quoteJsonString(value);
        return;
      case 'number':
        this.out += this.formatNumber(value);
        return;
      case 'boolean':
        this.out += value ? 'true' : 'false';
        return;
      case 'object':
        if (value === null) {
          this.out += 'null';
          return;
        }
        if (value instanceof JsonNumber) {
          if (!NUMBER_TEXT.test(value.raw)) this.fail(`JsonNumber ${JSON.stringify(value.raw)} is not JSON number text`);
          this.out += value.raw;
          return;
        }
        if (Array.isArray(value)) {
          if (value.length === 0) {
            this.out += '[]';
            return;
          }
          this.enter(value);
          this.out += '[';
          this.stack.push({ kind: 'array', array: value, next: 0 });
          return;
        }
        if (isRecord(value)) {
          this.enter(value);
          this.stack.push({ kind: 'object', object: value, keys: this.keysOf(value), next: 0, empty: true });
          return;
        }
        break;
      default:
        break;
    }
    this.fail(`a ${typeof value} is not a JSON value`);
  }

  private enter(container: object): void {
    if (this.openContainers.has(container)) this.fail('the value contains a cycle');
    this.openContainers.add(container);
  }

  private close(container: object): void {
    this.openContainers.delete(container);
    this.stack.pop();
  }

  private formatNumber(n: number): string {
    if (!Number.isFinite(n)) this.fail(`${n} is not a JSON number`);
    // Go's encoder writes negative zero as "-0"; String(-0) is "0".
    if (n === 0 && Object.is(n, -0)) return '-0';
    return String(n);
  }

  private newline(depth: number): string {
    let text = this.newlines[depth];
    if (text === undefined) {
      text = this.indent === '' ? '' : `\n${this.indent.repeat(depth)}`;
      this.newlines[depth] = text;
    }
    return text;
  }

  private keysOf(object: object): readonly string[] {
    const own = Object.keys(object);
    if (this.sortKeys) return own.sort();
    const order = getKeyOrder(object);
    if (order === undefined) return own;
    // The recorded order first (only keys the object still has), then keys
    // added since, in enumeration order.
    const keys: string[] = [];
    const seen = new Set<string>();
    for (const key of order) {
      if (!seen.has(key) && Object.hasOwn(object, key)) {
        seen.add(key);
        keys.push(key);
      }
    }
    for (const key of own) if (!seen.has(key)) keys.push(key);
    return keys;
  }

  /** The path of the value being written: each frame's current element or key. */
  private path(): string {
    return formatJsonPath(
      this.stack.map((frame) => (frame.kind === 'array' ? frame.next - 1 : (frame.keys[frame.next - 1] ?? ''))),
    );
  }

  private fail(message: string): never {
    const location = this.path();
    throw new InvalidStateError(`cannot write JSON at ${location}: ${message}`, {
      location,
      hint: 'only null, booleans, finite numbers, strings, JsonNumber, arrays and plain objects can be written',
    });
  }
}

// Anything that Go escapes and JSON.stringify might not, or vice versa.
// Surrogates are included because lone ones must become \ufffd; valid pairs
// take the slow path and come out literal.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPING = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
  0x3c: '\\u003c',
  0x3e: '\\u003e',
  0x26: '\\u0026',
  0x2028: '\\u2028',
  0x2029: '\\u2029',
};

/** A JSON string literal escaped exactly as Go's encoding/json (with HTML escaping, Go ≥ 1.22) writes it. */
export function quoteJsonString(text: string): string {
  if (!NEEDS_ESCAPING.test(text)) return `"${text}"`;
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let escape: string | undefined;
    if (c < 0x20) {
      escape = SHORT_ESCAPES[c] ?? `\\u00${c < 0x10 ? '0' : ''}${c.toString(16)}`;
    } else if (c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      escape = SHORT_ESCAPES[c];
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair: literal, as Go writes valid UTF-8
        continue;
      }
      escape = '\\ufffd';
    }
    if (escape !== undefined) {
      out += text.slice(runStart, i) + escape;
      runStart = i + 1;
    }
  }
  return `${out}${text.slice(runStart)}"`;
}
