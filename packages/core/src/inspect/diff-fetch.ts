import { CancelledError, ConflictError, InvalidStateError, isTempehError } from '../errors.js';
import { diffResourceEntries } from '../engine/diff/diff-states.js';
import { exactDigest, layoutFreeDigest, sameDigest } from '../engine/diff/digests.js';
import { numbersSurviveJsonParse, readResourceHead, resourceKey, type ResourceHead } from '../engine/diff/resource-key.js';
import type { DiffOptions, ResourceDiff } from '../engine/diff/types.js';
import { isStateResource } from '../engine/worker/resource-view.js';
import { isJsonObject } from '../json/json-value.js';
import { parseJson } from '../json/parse-json.js';
import type { StateResource } from '../state/types.js';
import type { DiffTable, Side } from './diff-table.js';
import { RangeReader } from './range-reader.js';

/** One input as the second pass reads it: opened again from the start. */
export interface FetchInput {
  label: string;
  open(): Promise<AsyncIterable<Uint8Array>>;
}

export interface FetchOptions {
  diff: DiffOptions;
  /** Resource bytes held at once while a group waits for its other side. */
  holdBytes: number;
  signal: AbortSignal | undefined;
}

/** A resource read and checked, not parsed yet: its bytes are all that waits, so `holdBytes` bounds what is held. */
interface Fetched {
  index: number;
  bytes: Uint8Array;
}

interface Held {
  entries: [Fetched[], Fetched[]];
  bytes: number;
}

// The second pass reads both inputs side by side and takes out only the
// resources of the groups the first pass could not call equal, by byte
// range. A group is diffed as soon as all its entries are in, and dropped;
// one resource on each side that differs in layout only is not even parsed.
// Which side to read next is chosen so that a group's entries from one side
// wait as little as possible for the other's: in two states that list their
// resources in the same order (Terraform sorts them), nothing waits longer
// than one step. Inputs in other orders make entries wait; once they hold
// more than `holdBytes`, further waiting groups are put off to another
// round, which reads both inputs again. Each round finishes at least one
// group (the first to wait), so the rounds end.

/** The resource diffs of every group the table does not call clean (the empty ones left out). */
export async function diffChangedGroups(table: DiffTable, inputs: readonly [FetchInput, FetchInput], options: FetchOptions): Promise<ResourceDiff[]> {
  const parts: ResourceDiff[] = [];
  let round: Uint8Array = new Uint8Array(table.groupCount);
  let remaining = 0;
  for (let group = 0; group < table.groupCount; group++) {
    if (!table.isClean(group)) {
      round[group] = 1;
      remaining++;
    }
  }
  while (remaining > 0) {
    const putOff = await runRound(table, inputs, round, options, parts);
    remaining = putOff.reduce((sum, flag) => sum + flag, 0);
    round = putOff;
  }
  return parts;
}

/** Reads both inputs once, diffing every group of `round` it can hold; returns the groups put off (1 each). */
async function runRound(
  table: DiffTable,
  inputs: readonly [FetchInput, FetchInput],
  round: Uint8Array,
  options: FetchOptions,
  parts: ResourceDiff[],
): Promise<Uint8Array> {
  const groups = table.groupCount;
  const pending: [Int32Array, Int32Array] = [new Int32Array(groups), new Int32Array(groups)];
  for (let group = 0; group < groups; group++) {
    if (round[group] === 1) {
      pending[0][group] = table.count(0, group);
      pending[1][group] = table.count(1, group);
    }
  }
  const putOff = new Uint8Array(groups);
  const held = new Map<number, Held>();
  let heldBytes = 0;
  const next: [number, number] = [0, 0];
  const readers: [RangeReader | undefined, RangeReader | undefined] = [undefined, undefined];

  /** The next resource index of `side` that this round still wants, or undefined. */
  const peek = (side: Side): number | undefined => {
    const count = table.entryCount(side);
    for (let index = next[side]; index < count; index++) {
      const g = table.groupOf(side, index);
      if (round[g] === 1 && putOff[g] === 0) {
        next[side] = index;
        return index;
      }
    }
    next[side] = count;
    return undefined;
  };
  const groupAt = (side: Side, index: number): number => table.groupOf(side, index);

  try {
    for (;;) {
      if (options.signal?.aborted === true) throw new CancelledError('comparing the states', { cause: options.signal.reason });
      const a = peek(0);
      const b = peek(1);
      let side: Side;
      if (a === undefined && b === undefined) break;
      // Read the side whose next group waits for nothing from the other; else `before`.
      if (a !== undefined && pending[1][groupAt(0, a)] === 0) side = 0;
      else if (b !== undefined && pending[0][groupAt(1, b)] === 0) side = 1;
      else side = a === undefined ? 1 : 0;
      const index = side === 0 ? a : b;
      if (index === undefined) break;
      next[side] = index + 1;
      const group = groupAt(side, index);
      let reader = readers[side];
      if (reader === undefined) {
        reader = new RangeReader(await inputs[side].open());
        readers[side] = reader;
      }
      const { length } = table.rangeOf(side, index);
      const bytes = await readChecked(reader, table, side, index, inputs[side].label);
      pending[side][group] = (pending[side][group] ?? 0) - 1;
      let entry = held.get(group);
      const complete = pending[0][group] === 0 && pending[1][group] === 0;
      if (!complete) {
        // Another group already waits, and this one would push the held bytes over the limit: try it in a later round.
        const oldest = held.keys().next().value;
        if (heldBytes > 0 && heldBytes + length > options.holdBytes && oldest !== group) {
          if (entry !== undefined) heldBytes -= entry.bytes;
          held.delete(group);
          putOff[group] = 1;
          continue;
        }
      }
      if (entry === undefined) {
        entry = { entries: [[], []], bytes: 0 };
        held.set(group, entry);
      }
      // The bytes are a view into the reader's current chunk: a waiting entry keeps a copy, not the chunk.
      entry.entries[side].push({ index, bytes: complete ? bytes : bytes.slice() });
      entry.bytes += length;
      heldBytes += length;
      if (complete) {
        held.delete(group);
        heldBytes -= entry.bytes;
        if (layoutOnly(entry)) continue;
        const parse = (from: Side) => (fetched: Fetched) => parseChecked(fetched, table, from, inputs[from].label);
        const part = diffResourceEntries(entry.entries[0].map(parse(0)), entry.entries[1].map(parse(1)), options.diff);
        if (part.added.length > 0 || part.removed.length > 0 || part.changed.length > 0) parts.push(part);
      }
    }
  } finally {
    await Promise.all(readers.map((reader) => reader?.close()));
  }
  return putOff;
}

/**
 * True when the group is one resource on each side whose bytes differ in
 * layout only (a compacted or re-indented copy): nothing to parse or diff.
 */
function layoutOnly(entry: Held): boolean {
  const [[before, ...moreBefore], [after, ...moreAfter]] = entry.entries;
  if (before === undefined || after === undefined || moreBefore.length > 0 || moreAfter.length > 0) return false;
  return sameDigest(layoutFreeDigest(before.bytes), layoutFreeDigest(after.bytes));
}

/**
 * The bytes of resource `index` of `side`, where the first pass found it.
 * A ConflictError when they are no longer those the first pass read (its
 * digest, kept for an address's first entry, or its address differs).
 */
async function readChecked(reader: RangeReader, table: DiffTable, side: Side, index: number, label: string): Promise<Uint8Array> {
  const group = table.groupOf(side, index);
  const { offset, length } = table.rangeOf(side, index);
  const bytes = await reader.read(offset, length);
  if (bytes === undefined) throw changedError(label, `it ended before resources[${index}]`);
  if (table.count(side, group) === 1 && !table.hasDigest(side, group, exactDigest(bytes))) {
    throw changedError(label, `resources[${index}] is no longer what it was`);
  }
  const head = readResourceHead(bytes);
  if (head !== undefined && !table.hasKey(group, keyOf(head, label, index))) throw changedError(label, `resources[${index}] is no longer the resource it was`);
  return bytes;
}

/**
 * A fetched resource parsed: with the native JSON.parse when its numbers
 * survive that, else losslessly. An InvalidStateError when it is no
 * resource, or names its address twice.
 */
function parseChecked(fetched: Fetched, table: DiffTable, side: Side, label: string): StateResource {
  const { index, bytes } = fetched;
  const what = `${label}: resources[${index}]`;
  const location = `$.resources[${index}]`;
  let resource: StateResource;
  try {
    resource = parseResource(bytes, what, location);
  } catch (error) {
    throw asStateError(error, what, location);
  }
  const group = table.groupOf(side, index);
  const key = keyOf(resource, label, index);
  // The first pass keyed the resource by its head, or (when that could not be read alone) by the whole.
  if (readResourceHead(bytes) === undefined && !table.hasKey(group, key)) throw changedError(label, `resources[${index}] is no longer the resource it was`);
  // Terraform reads the last of a field given twice; the head read alone misses one given again after `instances`.
  if (!table.hasKey(group, key)) throw new InvalidStateError(`${what} gives an address field twice, before and after its instances`, { location });
  return resource;
}

function keyOf(head: ResourceHead, label: string, index: number): Uint8Array {
  try {
    return resourceKey(head);
  } catch (error) {
    throw asStateError(error, `${label}: resources[${index}]`, `$.resources[${index}].module`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseResource(bytes: Uint8Array, what: string, location: string): StateResource {
  const text = decodeUtf8(bytes);
  const native = text !== undefined && numbersSurviveJsonParse(text) ? parseNative(text) : undefined;
  const value: unknown = native === undefined ? parseJson(bytes) : native.value;
  if (!isStateResource(value)) throw new InvalidStateError(`${what} is not a resource object with type, name, mode, provider and instances`, { location });
  value.instances.forEach((instance: unknown, position) => {
    if (!isJsonObject(instance)) throw new InvalidStateError(`${what}.instances[${position}] is not an object`, { location: `${location}.instances[${position}]` });
  });
  return value;
}

/** The text, or undefined when the bytes are not UTF-8 (the lossless parser then says where). */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

/** JSON.parse's value, or undefined when the text is not JSON (the lossless parser then says why, and where). */
function parseNative(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** A parse or address error about a resource, labelled with the input it is in. */
function asStateError(error: unknown, what: string, location: string): unknown {
  if (!isTempehError(error)) return error;
  if (error instanceof InvalidStateError && error.message.startsWith(what)) return error;
  return new InvalidStateError(`${what}: ${error.message}`, { cause: error, location });
}

function changedError(label: string, detail: string): ConflictError {
  return new ConflictError('revision', `${label} changed while it was being compared: ${detail}`, {
    hint: 'run the diff again once nothing is writing the state',
  });
}
