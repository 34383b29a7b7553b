import { createHash } from 'node:crypto';
import { formatModuleAddress } from '../../address/format.js';
import { parseModuleAddress } from '../../address/parse.js';
import type { StateResource } from '../../state/types.js';

// What the streaming diff matches resources by across two states, read
// from the resource's head (the fields before `instances`) so that the
// workers need not parse the whole resource to learn it.

/** Bytes kept of a sha256: 128 bits, far beyond any accidental collision among a state's resources. */
export const DIGEST_BYTES = 16;

/** The fields of a resource that make its address. */
export type ResourceHead = Pick<StateResource, 'module' | 'mode' | 'type' | 'name'>;

/** Formats module addresses, possibly from a cache (see the worker tasks' ModuleCache). */
export interface ModuleFormatter {
  /** `formatModuleAddress(parseModuleAddress(text))`. */
  format(text: string): string;
}

/**
 * The key a resource is matched by across two states: a digest
 * (DIGEST_BYTES of sha256) of its address as Terraform reads it and
 * `diffStates` groups by (module instance keys parsed, so `module.c[01]`
 * and `module.c[1]` are one module). Entries of one address in one state
 * share the key. Throws InvalidAddressError when the module field does not
 * parse.
 */
export function resourceKey(head: ResourceHead, modules?: ModuleFormatter): Uint8Array {
  const module: unknown = head.module;
  const prefix = typeof module !== 'string' || module === '' ? '' : (modules?.format(module) ?? formatModuleAddress(parseModuleAddress(module)));
  // As formatAddress writes it, without building the steps each time.
  const text = `${prefix === '' ? '' : `${prefix}.`}${head.mode === 'data' ? 'data.' : ''}${head.type}.${head.name}`;
  return createHash('sha256').update(text).digest().subarray(0, DIGEST_BYTES);
}

/** Head bytes looked at for `instances`; Terraform writes the address fields and the provider first, in far less. */
const HEAD_BYTES = 64 * 1024;
const FIRST_LOOK_BYTES = 1024;
const INSTANCES_KEY = /"instances"[ \t\r\n]*:/;
const head = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The address fields of a resource, read from the text before its
 * `"instances"` member alone (Terraform writes that member after them), or
 * undefined when that is not possible: `instances` not within the first
 * 64 KiB, written before an address field, or the text before it not an
 * object head. The head only parses as an object when `instances` is a
 * member of the resource itself, never of something nested in it.
 */
export function readResourceHead(bytes: Uint8Array): ResourceHead | undefined {
  // Most heads fit the first KiB; decoding the whole resource to find out would cost more than the rest of the work.
  let text = head.decode(bytes.subarray(0, FIRST_LOOK_BYTES));
  let match = INSTANCES_KEY.exec(text);
  if (match === null && bytes.byteLength > FIRST_LOOK_BYTES) {
    text = head.decode(bytes.subarray(0, HEAD_BYTES));
    match = INSTANCES_KEY.exec(text);
  }
  if (match === null) return undefined;
  const before = text.slice(0, match.index).trimEnd();
  let value: unknown;
  try {
    value = JSON.parse(`${before.endsWith(',') ? before.slice(0, -1) : before}}`);
  } catch (error) {
    // Not an object head (`instances` inside some value, or odd text): the caller parses the whole resource.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = { module: Reflect.get(value, 'module'), mode: Reflect.get(value, 'mode'), type: Reflect.get(value, 'type'), name: Reflect.get(value, 'name') };
  if (typeof fields.type !== 'string' || typeof fields.name !== 'string') return undefined;
  // Any other mode is left to the whole parse, which keys it the same way.
  if (fields.mode !== 'managed' && fields.mode !== 'data') return undefined;
  return { ...(typeof fields.module === 'string' ? { module: fields.module } : {}), mode: fields.mode, type: fields.type, name: fields.name };
}

// A number token: after `:`, `,` or `[` (and whitespace), before whitespace
// and `,`, `]` or `}`. Every number of a JSON text matches; so may a few
// runs inside strings, which only makes the check below more cautious.
const NUMBER_TOKEN = /[:,[][ \t\r\n]*(-?[0-9][0-9.eE+-]*)(?=[ \t\r\n]*[,\]}])/g;

/**
 * True when every number in `text` is written exactly as JS prints the
 * double `JSON.parse` makes of it, so that the parsed value still holds the
 * number's exact value and prints back the same: no digits beyond a
 * double's precision, no `1.0`, no `1e5`, no `-0`. Numbers Terraform
 * writes almost always pass.
 */
export function numbersSurviveJsonParse(text: string): boolean {
  NUMBER_TOKEN.lastIndex = 0;
  for (let match = NUMBER_TOKEN.exec(text); match !== null; match = NUMBER_TOKEN.exec(text)) {
    const token = match[1] ?? '';
    if (String(Number(token)) !== token) return false;
  }
  return true;
}
