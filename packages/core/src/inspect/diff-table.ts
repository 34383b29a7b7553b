import { DIGEST_BYTES } from '../engine/diff/resource-key.js';
import type { ResourceDigest } from '../engine/worker/tasks/resource-digest.js';
import { KeyIndex } from './key-index.js';

/** The two inputs of a diff: 0 is `before`, 1 is `after`. */
export type Side = 0 | 1;

/** One side's resources, by resource index: the group (address) and where its bytes are in the input. */
class SideEntries {
  count = 0;
  group = new Uint32Array(1024);
  offset = new Float64Array(1024);
  length = new Uint32Array(1024);

  push(group: number, offset: number, length: number): void {
    if (this.count === this.group.length) {
      const capacity = Math.ceil(this.count * 1.5);
      this.group = grown(this.group, new Uint32Array(capacity));
      this.offset = grown(this.offset, new Float64Array(capacity));
      this.length = grown(this.length, new Uint32Array(capacity));
    }
    this.group[this.count] = group;
    this.offset[this.count] = offset;
    this.length[this.count] = length;
    this.count++;
  }
}

/**
 * What the first pass of `diffStateSources` keeps of both states, all in
 * typed arrays: per resource, its address group and byte range (16 bytes);
 * per address group, its key, how many entries each side has, and each
 * side's first entry's digest (`exactDigest`; some 80 bytes). No resource
 * bytes are kept: two 3 GB states of 550 000 resources each take some 60 MB.
 */
export class DiffTable {
  readonly #keys = new KeyIndex();
  #counts: [Uint32Array, Uint32Array] = [new Uint32Array(1024), new Uint32Array(1024)];
  #digests: [Uint8Array, Uint8Array] = [new Uint8Array(1024 * DIGEST_BYTES), new Uint8Array(1024 * DIGEST_BYTES)];
  readonly #entries: readonly [SideEntries, SideEntries] = [new SideEntries(), new SideEntries()];

  get groupCount(): number {
    return this.#keys.size;
  }

  /** Resources recorded for `side`. */
  entryCount(side: Side): number {
    return this.#entries[side].count;
  }

  /** The group of resource `index` of `side`. */
  groupOf(side: Side, index: number): number {
    return this.#entries[side].group[index] ?? 0;
  }

  /** Where resource `index` of `side` is in its input. */
  rangeOf(side: Side, index: number): { offset: number; length: number } {
    const entries = this.#entries[side];
    return { offset: entries.offset[index] ?? 0, length: entries.length[index] ?? 0 };
  }

  /** Records resource `index` of `side` (resources of a side arrive in order, from 0). */
  add(side: Side, index: number, offset: number, resource: ResourceDigest): void {
    const entries = this.#entries[side];
    // The engine hands out results in resource order; anything else is a bug here, not a bad input.
    if (index !== entries.count) throw new Error(`resource ${index} of side ${side} arrived out of order`);
    const group = this.#keys.intern(resource.key);
    this.#reserve(group + 1);
    const counts = this.#counts[side];
    const count = counts[group] ?? 0;
    if (count === 0) this.#digests[side].set(resource.digest.subarray(0, DIGEST_BYTES), group * DIGEST_BYTES);
    counts[group] = count + 1;
    entries.push(group, offset, resource.bytes);
  }

  /** Entries of `group` on `side`. */
  count(side: Side, group: number): number {
    return this.#counts[side][group] ?? 0;
  }

  /** True when `key` (a `resourceKey`) is the key of `group`. */
  hasKey(group: number, key: Uint8Array): boolean {
    return this.#keys.matches(group, key);
  }

  /**
   * True when the group needs no closer look: exactly one entry on each
   * side, with equal digests. Everything else (added, removed, changed, or
   * split over several entries, which Terraform merges) is looked at again.
   */
  isClean(group: number): boolean {
    if (this.count(0, group) !== 1 || this.count(1, group) !== 1) return false;
    const start = group * DIGEST_BYTES;
    const [a, b] = this.#digests;
    for (let i = start; i < start + DIGEST_BYTES; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** True when the first entry of `group` on `side` has this digest. */
  hasDigest(side: Side, group: number, digest: Uint8Array): boolean {
    if (this.count(side, group) === 0) return false;
    const store = this.#digests[side];
    const start = group * DIGEST_BYTES;
    for (let i = 0; i < DIGEST_BYTES; i++) if (store[start + i] !== digest[i]) return false;
    return true;
  }

  /** Room for `groups` groups in the per-group arrays of both sides. */
  #reserve(groups: number): void {
    if (groups <= this.#counts[0].length) return;
    const capacity = Math.max(groups, Math.ceil(this.#counts[0].length * 1.5));
    this.#counts = [grown(this.#counts[0], new Uint32Array(capacity)), grown(this.#counts[1], new Uint32Array(capacity))];
    this.#digests = [
      grown(this.#digests[0], new Uint8Array(capacity * DIGEST_BYTES)),
      grown(this.#digests[1], new Uint8Array(capacity * DIGEST_BYTES)),
    ];
  }
}

/** `larger` holding `array`'s elements first. */
function grown<T extends Uint32Array | Float64Array | Uint8Array>(array: T, larger: T): T {
  larger.set(array);
  return larger;
}
