import { isGoPrintable } from './go-printable.js';

// Terraform's strings are Go strings: UTF-8 bytes. JS strings are UTF-16
// code units. These helpers make the JS side behave like the Go side where
// the difference shows in an address.

const REPLACEMENT = '\ufffd';

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * `text` as Go sees it after decoding: an unpaired surrogate (which JSON.parse
 * keeps from `"\ud800"`) becomes U+FFFD, as Go's encoding/json makes it.
 */
export function toGoString(text: string): string {
  // Fast path: almost every key is free of surrogates.
  if (!/[\ud800-\udfff]/.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += text.slice(i, i + 2);
      i++;
    } else if (isHighSurrogate(unit) || isLowSurrogate(unit)) {
      out += REPLACEMENT;
    } else {
      out += text[i];
    }
  }
  return out;
}

/** The code point that the UTF-16 unit at `index` belongs to; U+FFFD for an unpaired surrogate. */
function codePointAround(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  if (isLowSurrogate(unit) && isHighSurrogate(text.charCodeAt(index - 1))) {
    return text.codePointAt(index - 1) ?? 0xfffd;
  }
  if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(index + 1))) {
    return text.codePointAt(index) ?? 0xfffd;
  }
  if (isHighSurrogate(unit) || isLowSurrogate(unit)) return 0xfffd;
  return unit;
}

/**
 * Go's `a < b` on strings: byte order of the UTF-8 encodings, which is code
 * point order. JS's `<` compares UTF-16 units instead, and puts astral
 * characters (surrogates, 0xD800–0xDFFF) before U+E000–U+FFFF.
 * Returns a negative number, zero or a positive number.
 */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Two units below the surrogate range, or two above it, order like their code points.
    if ((x < 0xd800 || x > 0xdfff) && (y < 0xd800 || y > 0xdfff)) return x - y;
    const difference = codePointAround(a, i) - codePointAround(b, i);
    if (difference !== 0) return difference;
    // Both are unpaired surrogates, equal as U+FFFD in Go: compare the rest.
  }
  return a.length - b.length;
}

const GRAPHIC = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/**
 * NFC, as cty.StringVal applies it to every string it wraps: Terraform's
 * address parser puts string keys into cty values, so `["e\u0301"]` names
 * the key "é" (U+00E9). Terraform's NFC tables are Unicode 15.0's, to which
 * a character assigned later is unknown: a starter that neither combines nor
 * reorders. Such characters (the graphic ones the engine knows and Go does
 * not print) split the text, and each piece between them is normalised on
 * its own with the engine's NFC, which agrees with 15.0 on older characters.
 *
 * Not reproduced: two quirks of golang.org/x/text v0.22's NFC. Its `combine`
 * looks composition pairs up by the low 16 bits of each rune, so a
 * supplementary character followed by a combining mark can compose as if it
 * were the BMP character with the same low bits (U+20041 U+0301 becomes
 * "Á"); and it inserts U+034F after 30 combining marks in a row. Keys that
 * Terraform wrote have been through the same code, so this matters only for
 * hand-typed addresses and hand-written module fields with such sequences.
 */
export function toCtyNormalForm(text: string): string {
  // Fast path: ASCII text is always in NFC.
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  let out = '';
  let piece = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint > 0x7f && !isGoPrintable(codePoint) && GRAPHIC.test(char)) {
      out += piece.normalize('NFC') + char;
      piece = '';
    } else {
      piece += char;
    }
  }
  return out + piece.normalize('NFC');
}
