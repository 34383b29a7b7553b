import { Packr, Unpackr, addExtension } from 'msgpackr';
import { JsonNumber } from '../../json/json-value.js';

// Results cross the thread boundary msgpack-encoded in one transferable
// buffer: far cheaper than structured clone for many small objects. The
// same codec also runs on the in-process path, so both paths return exactly
// the same values.

/** msgpack extension type for JsonNumber (its exact source text). */
const JSON_NUMBER_EXTENSION = 0x54;

addExtension({
  Class: JsonNumber,
  type: JSON_NUMBER_EXTENSION,
  write: (value: JsonNumber) => value.raw,
  read: (raw: string) => new JsonNumber(raw),
});

// Records would need shared structures on both sides; plain maps keep each
// message self-describing.
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/**
 * Encodes per-resource results into a buffer the caller owns. msgpackr packs
 * into a reused internal buffer, so the bytes are copied out before they can
 * be transferred.
 */
export function encodeResults(values: unknown[][]): ArrayBuffer {
  const packed = packr.pack(values);
  const owned = new Uint8Array(packed.byteLength);
  owned.set(packed);
  return owned.buffer;
}

export function decodeResults(buffer: ArrayBuffer | Uint8Array): unknown {
  const decoded: unknown = unpackr.unpack(buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer));
  return decoded;
}

/**
 * A copy of `text` that shares no memory with the decoded message. msgpackr
 * decodes a run of strings into one string and hands out slices of it, and
 * V8 keeps a slice's whole parent alive: a map that keeps one short string
 * per batch (a module address, say) would pin every batch's strings. Keys
 * kept for the life of a large run go through this. Lossless for any string,
 * lone surrogates included (JSON escapes and restores them).
 */
export function detachString(text: string): string {
  const copy: unknown = JSON.parse(JSON.stringify(text));
  return typeof copy === 'string' ? copy : text;
}
