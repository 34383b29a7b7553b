import { JsonNumber, isJsonObject, type JsonValue } from '../../json/json-value.js';

// Numbers compare by exact decimal value, worked out on their text, never
// through a double: 12345678901234567890 and 12345678901234567891 differ,
// while `1.0`, `1` and `1e0` are one value (cty's big.Float, which Terraform
// decodes them to, holds them as equal; Terraform itself always writes a
// number the same way, so only a hand-edited state can tell them apart).

/** A number's value in a canonical text form: `-` sign, digits without leading or trailing zeros, `e` exponent. */
export function canonicalNumber(value: number | JsonNumber): string {
  const text = typeof value === 'number' ? numberText(value) : value.raw;
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  // Not a decimal literal (cannot come from a parsed state): compare as text.
  if (match === null) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  let scale = BigInt(exponent) - BigInt(fraction.length);
  const trailing = /0+$/.exec(digits);
  if (trailing !== null) {
    digits = digits.slice(0, -trailing[0].length);
    scale += BigInt(trailing[0].length);
  }
  return `${sign}${digits}e${scale}`;
}

function numberText(value: number): string {
  // JS prints doubles in shortest round-trip form, which is exact for what a double holds.
  return Object.is(value, -0) ? '0' : String(value);
}

function isNumber(value: JsonValue): value is number | JsonNumber {
  return typeof value === 'number' || value instanceof JsonNumber;
}

/** Deep equality of two JSON values, numbers by exact decimal value, object members in any order. */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (isNumber(a) || isNumber(b)) return isNumber(a) && isNumber(b) && canonicalNumber(a) === canonicalNumber(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((element, index) => {
      const other = b[index];
      return other !== undefined && jsonEqual(element, other);
    });
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => {
      const x = a[key];
      const y = b[key];
      return x !== undefined && y !== undefined && Object.hasOwn(b, key) && jsonEqual(x, y);
    });
  }
  return false;
}
