import { JsonNumber, type JsonValue } from '../json/json-value.js';

// Go's encoder escapes these on top of what JSON.stringify escapes
// (json.Marshal has SetEscapeHTML on, and Terraform uses json.Marshal).
const GO_EXTRA_ESCAPES = /[<>&\u2028\u2029]/g;
// Anything either encoder would escape, plus surrogates (left to JSON.stringify).
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPING = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;

/**
 * A JSON string literal as Go's `json.Marshal` writes it: JSON.stringify's
 * escaping plus `<` `>` `&` U+2028 U+2029 as `\u00XX`. Only for well-formed
 * strings without \b or \f (where Go versions differ); the generator never
 * produces those.
 */
export function goJsonString(value: string): string {
  // Most strings in a state need no escaping; skipping JSON.stringify for
  // them halves the generator's time.
  if (!NEEDS_ESCAPING.test(value)) return `"${value}"`;
  return JSON.stringify(value).replace(GO_EXTRA_ESCAPES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// Object keys repeat across a state (every instance has the same attribute
// names), so their quoted form is worth remembering; bounded for callers
// with unbounded key sets.
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 10_000;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = goJsonString(key);
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/**
 * Serialise a JSON value as Go's `json.MarshalIndent(v, "", "  ")` does,
 * as if it sat at nesting depth `indent` (the first line is not indented,
 * the closing bracket is). Keys are written in insertion order: callers
 * build objects in the order Terraform writes them.
 */
export function goJsonIndent(value: JsonValue, indent = ''): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof JsonNumber) return value.raw;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item === undefined) throw new TypeError(`sparse array at index ${i}`);
      out += `${i === 0 ? '' : ','}\n${inner}${goJsonIndent(item, inner)}`;
    }
    return `${out}\n${indent}]`;
  }
  let out = '{';
  let first = true;
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === undefined) continue;
    out += `${first ? '' : ','}\n${inner}${quoteKey(key)}: ${goJsonIndent(item, inner)}`;
    first = false;
  }
  return first ? '{}' : `${out}\n${indent}}`;
}

function formatNumber(value: number): string {
  // NaN and Infinity have no JSON form; Go refuses them too.
  if (!Number.isFinite(value)) throw new RangeError(`${value} cannot be written as JSON`);
  return String(value);
}
