import { InvalidAddressError } from '../errors.js';
import type { InstanceKey } from '../state/types.js';
import { toCtyNormalForm } from './go-string.js';

/**
 * An absolute HCL traversal, as hclsyntax.ParseTraversalAbs reads Terraform
 * addresses: a root name, then `.name` attribute steps and `[key]` index
 * steps. `offset` is the step's UTF-16 index in the source, for messages.
 */
export type TraversalStep =
  | { kind: 'name'; name: string; offset: number }
  | { kind: 'index'; key: InstanceKey; offset: number };

// HCL's identifier: (ID_Start | '_') (ID_Continue | '-')*.
const IDENTIFIER = /[\p{ID_Start}_][\p{ID_Continue}-]*/uy;
const DIGIT = /[0-9]/;
const HEX_DIGITS = /^[0-9a-fA-F]*/;
// What Go's big.ParseFloat accepts of an HCL number literal.
const NUMBER_VALUE = /^([0-9]+)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * Parses `text` as HCL's traversal parser does, including what it tolerates:
 * spaces, tabs, newlines and comments between tokens, numeric keys spelled
 * `01`, `1e1` or `2.0`, and string keys with HCL escapes (`\n \r \t \" \\`,
 * `\uXXXX`, `\UXXXXXXXX`, `$${`, `%%{`), normalised to NFC as Terraform's
 * cty strings are. Throws InvalidAddressError, naming the character where
 * parsing stopped.
 */
export function parseTraversal(text: string): TraversalStep[] {
  return new TraversalParser(text).parse();
}

/** Throws InvalidAddressError for `text`, pointing at the character at UTF-16 index `offset`. */
export function failAt(text: string, offset: number, reason: string): never {
  const column = [...text.slice(0, offset)].length + 1;
  const where = offset >= text.length ? 'at the end' : `at character ${column}`;
  throw new InvalidAddressError(text, `${reason} (${where})`);
}

class TraversalParser {
  private readonly text: string;
  private position = 0;

  constructor(text: string) {
    this.text = text;
    // HCL strips a UTF-8 byte order mark before scanning.
    if (text.startsWith('\ufeff')) this.position = 1;
  }

  parse(): TraversalStep[] {
    this.skipTrivia();
    const rootOffset = this.position;
    const root = this.readIdentifier();
    if (root === undefined) {
      this.fail(rootOffset, 'an address must begin with a name, such as "module", "data" or a resource type');
    }
    const steps: TraversalStep[] = [{ kind: 'name', name: root, offset: rootOffset }];
    for (;;) {
      this.skipTrivia();
      const offset = this.position;
      const char = this.text[offset];
      if (char === undefined) return steps;
      if (char === '.') {
        this.position++;
        this.skipTrivia();
        const name = this.readIdentifier();
        if (name === undefined) {
          this.fail(
            this.position,
            this.text[this.position] === '*' ? 'splat expressions (.*) are not allowed in an address' : '"." must be followed by a name',
          );
        }
        steps.push({ kind: 'name', name, offset });
      } else if (char === '[') {
        this.position++;
        this.skipTrivia();
        const key = this.readIndexKey();
        this.skipTrivia();
        if (this.text[this.position] !== ']') this.fail(this.position, 'expected "]" to close the index');
        this.position++;
        steps.push({ kind: 'index', key, offset });
      } else {
        this.fail(offset, `unexpected ${describe(this.text, offset)}; expected "." or "["`);
      }
    }
  }

  private fail(offset: number, reason: string): never {
    return failAt(this.text, offset, reason);
  }

  /** Spaces, tabs, newlines and comments, which HCL's lexer drops between tokens. */
  private skipTrivia(): void {
    const { text } = this;
    for (;;) {
      const char = text[this.position];
      if (char === ' ' || char === '\t' || char === '\n') {
        this.position++;
      } else if (char === '\r' && text[this.position + 1] === '\n') {
        this.position += 2;
      } else if (char === '#' || (char === '/' && text[this.position + 1] === '/')) {
        const end = text.indexOf('\n', this.position);
        this.position = end === -1 ? text.length : end + 1;
      } else if (char === '/' && text[this.position + 1] === '*') {
        const end = text.indexOf('*/', this.position + 2);
        if (end === -1) this.fail(this.position, 'unterminated /* comment');
        this.position = end + 2;
      } else {
        return;
      }
    }
  }

  private readIdentifier(): string | undefined {
    IDENTIFIER.lastIndex = this.position;
    const match = IDENTIFIER.exec(this.text);
    if (match === null) return undefined;
    this.position += match[0].length;
    return match[0];
  }

  private readIndexKey(): InstanceKey {
    const offset = this.position;
    const char = this.text[offset];
    if (char === '"') return this.readQuotedString();
    if (char !== undefined && DIGIT.test(char)) return this.readNumber();
    if (char === '*') this.fail(offset, 'splat expressions ([*]) are not allowed in an address');
    return this.fail(offset, 'index brackets must hold a whole number or a quoted string');
  }

  /**
   * HCL's NumberLit token: a digit, then digits, dots and exponents, never
   * ending in a dot. Its value must be a whole number (Terraform's
   * ParseInstanceKey converts it to a Go int).
   */
  private readNumber(): number {
    const { text } = this;
    const start = this.position;
    let end = start + 1;
    for (;;) {
      const char = text[end];
      if (char === undefined) break;
      if (DIGIT.test(char) || char === '.') {
        end++;
      } else if ((char === 'e' || char === 'E') && DIGIT.test(text[end + 1] ?? '')) {
        end += 2;
      } else if ((char === 'e' || char === 'E') && (text[end + 1] === '+' || text[end + 1] === '-') && DIGIT.test(text[end + 2] ?? '')) {
        end += 3;
      } else {
        break;
      }
    }
    while (text[end - 1] === '.') end--;
    this.position = end;
    return wholeNumber(text, start, text.slice(start, end));
  }

  private readQuotedString(): string {
    const { text } = this;
    const start = this.position;
    this.position++;
    let value = '';
    for (;;) {
      const offset = this.position;
      const char = text[offset];
      if (char === undefined) this.fail(start, 'unterminated string: add the closing "');
      if (char === '"') {
        this.position++;
        // HCL wraps the key in cty.StringVal, which normalises it to NFC.
        return toCtyNormalForm(value);
      }
      if (char === '\n' || char === '\r') this.fail(offset, 'a quoted key cannot span lines; write a newline as \\n');
      if (char === '\\') {
        value += this.readEscape();
      } else if (char === '$' || char === '%') {
        const next = text[offset + 1];
        if (next === '{') {
          this.fail(offset, `"${char}{" starts a template sequence, which an address cannot hold; write "${char}${char}{" for a literal "${char}{"`);
        }
        if (next === char && text[offset + 2] === '{') {
          value += `${char}{`;
          this.position += 3;
        } else {
          value += char;
          this.position++;
        }
      } else {
        const codePoint = text.codePointAt(offset) ?? 0;
        if (codePoint >= 0xd800 && codePoint <= 0xdfff) this.fail(offset, 'an unpaired surrogate is not valid UTF-8 text');
        const whole = String.fromCodePoint(codePoint);
        value += whole;
        this.position += whole.length;
      }
    }
  }

  private readEscape(): string {
    const { text } = this;
    const offset = this.position;
    const selector = text[offset + 1];
    const simple = selector === undefined ? undefined : SIMPLE_ESCAPES[selector];
    if (simple !== undefined) {
      this.position += 2;
      return simple;
    }
    if (selector === 'u' || selector === 'U') {
      const width = selector === 'u' ? 4 : 8;
      const digits = (HEX_DIGITS.exec(text.slice(offset + 2, offset + 2 + width)) ?? [''])[0];
      if (digits.length !== width) {
        this.fail(offset, `\\${selector} must be followed by ${width === 4 ? 'four' : 'eight'} hexadecimal digits`);
      }
      const codePoint = parseInt(digits, 16);
      if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
        this.fail(offset, `cannot encode character U+${digits.toUpperCase()} in UTF-8`);
      }
      this.position += 2 + width;
      return String.fromCodePoint(codePoint);
    }
    if (selector === undefined) this.fail(offset, 'unterminated string: add the closing "');
    return this.fail(offset, `"\\${selector}" is not an escape sequence; use \\n \\r \\t \\" \\\\ \\uXXXX or \\UXXXXXXXX`);
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/**
 * The integer an HCL number literal denotes, or an error unless it is whole.
 * Terraform accepts any Go int (64 bits); JS numbers are exact only up to
 * 2^53 - 1, so larger keys are refused rather than silently rounded.
 */
function wholeNumber(text: string, offset: number, literal: string): number {
  const match = NUMBER_VALUE.exec(literal);
  if (match === null) return failAt(text, offset, `"${literal}" is not a valid number`);
  const [, integerPart = '', fractionPart = '', exponentText = '0'] = match;
  let digits = (integerPart + fractionPart).replace(/^0+/, '');
  if (digits === '') return 0;
  let exponent = Number(exponentText) - fractionPart.length;
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  if (exponent < 0) return failAt(text, offset, `instance key ${literal} is not a whole number`);
  const value = digits.length + exponent <= 16 ? Number(digits + '0'.repeat(exponent)) : Infinity;
  if (!Number.isSafeInteger(value)) {
    return failAt(text, offset, `instance key ${literal} is too large (the largest is ${Number.MAX_SAFE_INTEGER})`);
  }
  return value;
}

function describe(text: string, offset: number): string {
  const codePoint = text.codePointAt(offset) ?? 0;
  return codePoint > 0x20 && codePoint < 0x7f ? `"${String.fromCodePoint(codePoint)}"` : `character U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}
