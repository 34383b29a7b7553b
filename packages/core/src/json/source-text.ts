import { InvalidStateError, StateTooLargeError } from '../errors.js';

// ignoreBOM keeps a leading U+FEFF in the text, so the parser can refuse it
// instead of silently accepting what Terraform rejects.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8, refusing malformed bytes with an InvalidStateError that says
 * where, and text longer than a V8 string with StateTooLargeError.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch (err) {
    // The fatal decoder throws a TypeError for malformed input and says
    // neither where nor why; find the first bad byte ourselves.
    const offset = firstInvalidUtf8(bytes);
    // Every byte is valid UTF-8: the text is longer than a V8 string can be.
    if (offset >= bytes.length) throw new StateTooLargeError(bytes.length, 'reading the whole state as text', { cause: err });
    const location = describeByteLocation(bytes, offset);
    const byte = bytes[offset] ?? 0;
    throw new InvalidStateError(
      `invalid UTF-8 at ${location} (byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset}); a state is UTF-8 JSON text`,
      { location, cause: err },
    );
  }
}

/** "line L, column C" (1-based, columns counted in UTF-16 code units) of a character offset. */
export function describeLocation(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

function describeByteLocation(bytes: Uint8Array, offset: number): string {
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < lineStart; i = bytes.indexOf(0x0a, i + 1)) line++;
  // Everything before `offset` is valid UTF-8, so it decodes to the column.
  const column = strictDecoder.decode(bytes.subarray(lineStart, offset)).length + 1;
  return `line ${line}, column ${column}`;
}

/** Offset of the first byte that starts or continues an ill-formed UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) min = 0xa0; // overlong
      if (b === 0xed) max = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) min = 0x90; // overlong
      if (b === 0xf4) max = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? min : 0x80) || next > (k === 1 ? max : 0xbf)) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
