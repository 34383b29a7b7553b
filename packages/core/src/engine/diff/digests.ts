import { createHash } from 'node:crypto';
import { DIGEST_BYTES } from './resource-key.js';

// Digests the streaming diff compares resources by before it looks closer.
//
// `exactDigest` hashes the bytes as they are: what the workers take of
// every resource, at the speed of sha256. Two resources with equal bytes
// are equal, which settles nearly every unchanged resource of two states
// written by the same tool.
//
// `layoutFreeDigest` hashes the JSON text with every whitespace byte
// outside strings left out. Whitespace there is layout, never content, so
// equal digests still mean equal JSON values, and an indented resource and
// its compacted copy digest alike. Everything else counts as written:
// numbers by their exact text (`1.0` and `1` differ here; `diffResource`
// then finds them equal), string escapes, key order. A difference there
// costs a closer look, never a wrong answer. Its byte loop runs at about a
// third of sha256's speed, so the diff spends it only on resources whose
// bytes differ.

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Reused across calls (each worker thread has its own): a resource is copied into it without its layout. */
let scratch = new Uint8Array(64 * 1024);

/** The layout-free digest of one JSON value's bytes: `DIGEST_BYTES` bytes of sha256. */
export function layoutFreeDigest(bytes: Uint8Array): Uint8Array {
  if (scratch.byteLength < bytes.byteLength) scratch = new Uint8Array(Math.max(bytes.byteLength, scratch.byteLength * 2));
  const out = scratch;
  const length = bytes.byteLength;
  let kept = 0;
  let i = 0;
  while (i < length) {
    const byte = bytes[i++] ?? 0;
    if (byte === QUOTE) {
      // A string, copied whole: most bytes are in strings, and this loop has the least to test.
      out[kept++] = byte;
      while (i < length) {
        const inner = bytes[i++] ?? 0;
        out[kept++] = inner;
        if (inner === QUOTE) break;
        if (inner === BACKSLASH && i < length) out[kept++] = bytes[i++] ?? 0;
      }
    } else if (byte !== SPACE && byte !== LF && byte !== CR && byte !== TAB) {
      out[kept++] = byte;
    }
  }
  return createHash('sha256').update(out.subarray(0, kept)).digest().subarray(0, DIGEST_BYTES);
}

/** The first `DIGEST_BYTES` of the sha256 of the bytes as they are. */
export function exactDigest(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest().subarray(0, DIGEST_BYTES);
}

/** True when two digests are equal. */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
