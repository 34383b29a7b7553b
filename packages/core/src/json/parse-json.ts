import { InvalidStateError } from '../errors.js';
import { decodeUtf8, describeLocation } from './source-text.js';
import { JsonNumber, formatJsonPath, setKeyOrder, type JsonObject, type JsonValue } from './json-value.js';

export interface ParseJsonOptions {
  /** Deepest nesting of arrays and objects accepted (default 512; a state nests about 15 deep). */
  maxDepth?: number;
  /**
   * Called for each key that appears twice in one object, with the path of
   * that object. The last value wins either way, as in Go and JSON.parse.
   */
  onDuplicateKey?: (path: string, key: string) => void;
}

export const DEFAULT_MAX_DEPTH = 512;

/**
 * Parses strict RFC 8259 JSON without losing anything Terraform wrote:
 * numbers whose text a double cannot reproduce become `JsonNumber`, source
 * key order is kept under `KEY_ORDER` where JS would reorder it, and a
 * `__proto__` key is an ordinary own property. Every failure is an
 * `InvalidStateError` whose `location` is "line L, column C".
 *
 * Bytes are decoded as UTF-8 and must be valid; a byte order mark is
 * refused, as Go's decoder (and so Terraform) refuses it.
 */
export function parseJson(input: string | Uint8Array, options: ParseJsonOptions = {}): JsonValue {
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  return new Parser(text, options).parseDocument();
}

// Character codes the parser dispatches on.
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BOM = 0xfeff;

/**
 * One open array or object. Frames form a linked list that is reused from
 * one container to the next at the same depth, so a document allocates only
 * as many frames as it is deep. Both `array` and `object` always hold a
 * value; `isArray` says which one is live.
 */
class Frame {
  readonly parent: Frame | undefined;
  child: Frame | undefined = undefined;
  isArray = false;
  array: JsonValue[] = [];
  object: JsonObject = {};
  /** The key whose value is being parsed (objects only). */
  key = '';
  /**
   * Source key order, kept only once a key that JS would enumerate out of
   * insertion order (one starting with a digit) has been seen.
   */
  order: string[] | undefined = undefined;

  constructor(parent: Frame | undefined) {
    this.parent = parent;
  }
}

class Parser {
  private readonly text: string;
  private readonly maxDepth: number;
  private readonly onDuplicateKey: ((path: string, key: string) => void) | undefined;
  private pos = 0;
  private root: Frame | undefined = undefined;

  constructor(text: string, options: ParseJsonOptions) {
    this.text = text;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.onDuplicateKey = options.onDuplicateKey;
  }

  parseDocument(): JsonValue {
    const text = this.text;
    if (text.charCodeAt(0) === BOM) {
      this.fail('the input starts with a byte order mark, which JSON does not allow', 0, 'save the file as UTF-8 without BOM');
    }
    this.skipWhitespace();
    if (this.pos >= text.length) this.fail(text.length === 0 ? 'the input is empty' : 'the input holds only whitespace', this.pos);
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < text.length) this.fail(`unexpected ${this.describeAt(this.pos)} after the end of the JSON value`, this.pos);
    return value;
  }

  /**
   * Iterative on purpose: nesting is tracked in frames, not on the call
   * stack, so hostile depth ends in InvalidStateError, never RangeError.
   */
  private parseValue(): JsonValue {
    const text = this.text;
    let top: Frame | undefined = undefined;
    let depth = 0;
    let value: JsonValue;
    for (;;) {
      // Read one value starting at this.pos (whitespace already skipped).
      const c = text.charCodeAt(this.pos);
      if (c === QUOTE) {
        value = this.parseString();
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (depth >= this.maxDepth) this.fail(`arrays and objects are nested deeper than ${this.maxDepth} levels`, this.pos);
        this.pos++;
        this.skipWhitespace();
        const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        if (text.charCodeAt(this.pos) === close) {
          this.pos++;
          value = c === OPEN_BRACE ? {} : [];
        } else {
          const frame: Frame = top === undefined ? (this.root ??= new Frame(undefined)) : (top.child ??= new Frame(top));
          frame.order = undefined;
          if (c === OPEN_BRACE) {
            frame.isArray = false;
            frame.object = {};
            frame.key = this.parseKey();
          } else {
            frame.isArray = true;
            frame.array = [];
          }
          top = frame;
          depth++;
          continue;
        }
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
        value = this.parseNumber();
      } else if (c === LOWER_T) {
        this.expectLiteral('true');
        value = true;
      } else if (c === LOWER_F) {
        this.expectLiteral('false');
        value = false;
      } else if (c === LOWER_N) {
        this.expectLiteral('null');
        value = null;
      } else {
        this.fail(`unexpected ${this.describeAt(this.pos)} where a value was expected`, this.pos);
      }

      // Store the value in the enclosing containers, closing as many as end here.
      for (;;) {
        if (top === undefined) return value;
        this.skipWhitespace();
        const next = text.charCodeAt(this.pos);
        if (top.isArray) {
          top.array.push(value);
          if (next === COMMA) {
            this.pos++;
            this.skipWhitespace();
            break;
          }
          if (next !== CLOSE_BRACKET) this.fail(`expected ',' or ']' but found ${this.describeAt(this.pos)}`, this.pos);
          this.pos++;
          value = top.array;
        } else {
          this.setMember(top, value);
          if (next === COMMA) {
            this.pos++;
            this.skipWhitespace();
            top.key = this.parseKey();
            break;
          }
          if (next !== CLOSE_BRACE) this.fail(`expected ',' or '}' but found ${this.describeAt(this.pos)}`, this.pos);
          this.pos++;
          value = this.finishObject(top);
        }
        top = top.parent;
        depth--;
      }
    }
  }

  /** Reads `"key"` and the colon after it, leaving this.pos at the value. */
  private parseKey(): string {
    if (this.text.charCodeAt(this.pos) !== QUOTE) {
      this.fail(`expected a string key but found ${this.describeAt(this.pos)}`, this.pos);
    }
    const key = this.parseString();
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) !== COLON) this.fail(`expected ':' but found ${this.describeAt(this.pos)}`, this.pos);
    this.pos++;
    this.skipWhitespace();
    return key;
  }

  private setMember(frame: Frame, value: JsonValue): void {
    const object = frame.object;
    const key = frame.key;
    if (Object.hasOwn(object, key)) {
      // Last one wins, in its first position, as JSON.parse does; Terraform's
      // Go decoder also keeps the last value.
      this.onDuplicateKey?.(this.pathOf(frame), key);
    } else if (frame.order !== undefined) {
      frame.order.push(key);
    } else {
      const first = key.charCodeAt(0);
      if (first >= ZERO && first <= NINE) {
        // Every key so far starts with a non-digit, so JS enumerates them in
        // insertion order: their current listing is the source order.
        frame.order = Object.keys(object);
        frame.order.push(key);
      }
    }
    if (key === '__proto__') {
      // Assignment would replace the prototype; this makes an ordinary key.
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      object[key] = value;
    }
  }

  private finishObject(frame: Frame): JsonObject {
    const object = frame.object;
    const order = frame.order;
    if (order !== undefined) {
      const actual = Object.keys(object);
      for (let i = 0; i < order.length; i++) {
        if (order[i] !== actual[i]) {
          setKeyOrder(object, order);
          break;
        }
      }
    }
    return object;
  }

  /** The path of the container `frame` is building, for messages. */
  private pathOf(frame: Frame): string {
    const chain: Frame[] = [];
    for (let f = frame.parent; f !== undefined; f = f.parent) chain.unshift(f);
    return formatJsonPath(chain.map((f) => (f.isArray ? f.array.length : f.key)));
  }

  private parseString(): string {
    const text = this.text;
    const start = this.pos + 1;
    // Fast path: find the closing quote natively, then check the run between
    // for escapes and raw control characters.
    const end = text.indexOf('"', start);
    if (end < 0) this.fail('a string is not terminated', this.pos);
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH) return this.parseEscapedString(start, i);
      if (c < SPACE) this.failControl(i);
    }
    this.pos = end + 1;
    return text.slice(start, end);
  }

  /** The slow path, from the first backslash at `i` of the string starting at `start`. */
  private parseEscapedString(start: number, i: number): string {
    const text = this.text;
    let out = text.slice(start, i);
    let runStart = i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.pos = i + 1;
        return out + text.slice(runStart, i);
      }
      if (c === BACKSLASH) {
        out += text.slice(runStart, i);
        const e = text.charCodeAt(i + 1);
        switch (e) {
          case QUOTE: out += '"'; break;
          case BACKSLASH: out += '\\'; break;
          case 0x2f: out += '/'; break;
          case 0x62: out += '\b'; break;
          case LOWER_F: out += '\f'; break;
          case LOWER_N: out += '\n'; break;
          case 0x72: out += '\r'; break;
          case LOWER_T: out += '\t'; break;
          case 0x75: {
            const code = this.hex4(i + 2);
            // Escapes of lone surrogates are kept as JSON.parse keeps them;
            // formatJson writes them as U+FFFD, as Go does.
            out += String.fromCharCode(code);
            i += 4;
            break;
          }
          default:
            if (i + 1 >= text.length) this.fail('a string is not terminated', i);
            this.fail(`invalid escape sequence '\\${text.charAt(i + 1)}' in a string`, i);
        }
        i += 2;
        runStart = i;
        continue;
      }
      if (c < SPACE) this.failControl(i);
      if (i >= text.length) this.fail('a string is not terminated', start - 1);
      i++;
    }
  }

  private hex4(at: number): number {
    let code = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.text.charCodeAt(at + k);
      let digit: number;
      if (c >= ZERO && c <= NINE) digit = c - ZERO;
      else if (c >= 0x61 && c <= LOWER_F) digit = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) digit = c - 0x41 + 10;
      else this.fail('a \\u escape needs four hex digits', at - 2);
      code = code * 16 + digit;
    }
    return code;
  }

  private failControl(i: number): never {
    const code = this.text.charCodeAt(i);
    const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    this.fail(`control character ${name} inside a string; it must be escaped`, i);
  }

  private parseNumber(): JsonValue {
    const text = this.text;
    const start = this.pos;
    let i = start;
    let c = text.charCodeAt(i);
    if (c === MINUS) c = text.charCodeAt(++i);
    if (c === ZERO) {
      c = text.charCodeAt(++i);
      if (c >= ZERO && c <= NINE) this.fail('a number has a leading zero', start);
    } else if (c >= ONE && c <= NINE) {
      do c = text.charCodeAt(++i);
      while (c >= ZERO && c <= NINE);
    } else {
      this.fail(`expected a digit but found ${this.describeAt(i)}`, i);
    }
    let integer = true;
    if (c === DOT) {
      integer = false;
      c = text.charCodeAt(++i);
      if (!(c >= ZERO && c <= NINE)) this.fail(`expected a digit after '.' but found ${this.describeAt(i)}`, i);
      do c = text.charCodeAt(++i);
      while (c >= ZERO && c <= NINE);
    }
    if (c === LOWER_E || c === UPPER_E) {
      integer = false;
      c = text.charCodeAt(++i);
      if (c === PLUS || c === MINUS) c = text.charCodeAt(++i);
      if (!(c >= ZERO && c <= NINE)) this.fail(`expected a digit in the exponent but found ${this.describeAt(i)}`, i);
      do c = text.charCodeAt(++i);
      while (c >= ZERO && c <= NINE);
    }
    this.pos = i;
    const raw = text.slice(start, i);
    // Up to 15 digits an integer is exact in a double and prints back as
    // written (the grammar rules out leading zeros); only "-0" does not.
    if (integer && i - start <= 15 && raw !== '-0') return +raw;
    const n = +raw;
    if (Number.isFinite(n) && String(n) === raw) return n;
    return new JsonNumber(raw);
  }

  private expectLiteral(word: string): void {
    if (!this.text.startsWith(word, this.pos)) {
      this.fail(`unexpected ${this.describeAt(this.pos)} where a value was expected`, this.pos);
    }
    this.pos += word.length;
  }

  private skipWhitespace(): void {
    const text = this.text;
    let i = this.pos;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === SPACE || c === LF || c === CR || c === TAB) i++;
      else break;
    }
    this.pos = i;
  }

  private describeAt(i: number): string {
    if (i >= this.text.length) return 'end of input';
    const code = this.text.codePointAt(i) ?? 0;
    if (code < SPACE || code === 0x7f) return `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    return `'${String.fromCodePoint(code)}'`;
  }

  private fail(message: string, offset: number, hint?: string): never {
    const location = describeLocation(this.text, offset);
    throw new InvalidStateError(`invalid JSON at ${location}: ${message}`, hint === undefined ? { location } : { location, hint });
  }
}
