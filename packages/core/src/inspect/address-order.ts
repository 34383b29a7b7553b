import { compareModuleAddresses } from '../address/compare.js';
import { compareGoStrings } from '../address/go-string.js';
import { parseModuleAddress } from '../address/parse.js';
import type { ModuleStep } from '../address/types.js';
import { detachString } from '../engine/worker/result-codec.js';

/**
 * A growable list of numbers in a typed array: 4 bytes an entry for 32-bit
 * integers, 8 for `wide` lists (byte offsets past 2 GiB), where a JS array
 * of numbers takes 8 or more and boxes what is not a small integer.
 */
export class IntList {
  #values: Int32Array | Float64Array;
  length = 0;

  constructor(wide = false) {
    this.#values = wide ? new Float64Array(1024) : new Int32Array(1024);
  }

  push(value: number): void {
    if (this.length === this.#values.length) {
      const grown = this.#values instanceof Float64Array ? new Float64Array(this.length * 2) : new Int32Array(this.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.length++] = value;
  }

  at(index: number): number {
    if (index < 0 || index >= this.length) throw new RangeError(`no entry ${index} in a list of ${this.length}`);
    return this.#values[index] ?? 0;
  }
}

/** What a resource (an entry of `resources`) sorts by in `terraform state list`: all but the instance key. */
export interface ResourceSortKey {
  module: string;
  mode: string;
  type: string;
  name: string;
}

const DATA = 0;
const MANAGED = 1;

/**
 * The resource part of Terraform's AbsResourceInstance.Less for many
 * resources at little memory: module paths, types and names are interned,
 * and each resource is three integers and a mode. Nested modules make this
 * necessary: Terraform writes a state's resources sorted by the module
 * address as a string, but lists shorter module paths first, so a state with
 * nested modules is never in list order and must be sorted whole.
 */
export class ResourceOrder {
  readonly #moduleIds = new Map<string, number>();
  // Module paths as text: parsed steps take ~350 bytes a module, and a 3 GB
  // state has 144,000 module instances. They are parsed when compared: the
  // last two for the order check while reading, all of them while ranking.
  readonly #modules: string[] = [];
  readonly #parsed = new Map<number, ModuleStep[]>();
  readonly #stringIds = new Map<string, number>();
  readonly #strings: string[] = [];
  readonly #module = new IntList();
  readonly #mode = new IntList();
  readonly #type = new IntList();
  readonly #name = new IntList();

  get count(): number {
    return this.#module.length;
  }

  /** Adds a resource; returns its position. A module address that does not parse throws InvalidAddressError. */
  add(key: ResourceSortKey): number {
    this.#module.push(this.#moduleId(key.module));
    this.#mode.push(key.mode === 'data' ? DATA : MANAGED);
    this.#type.push(this.#stringId(key.type));
    this.#name.push(this.#stringId(key.name));
    return this.count - 1;
  }

  /** Terraform's order of resources `a` and `b` (negative, zero or positive); zero for two entries of one address. */
  compare(a: number, b: number): number {
    const byModule = this.#module.at(a) === this.#module.at(b) ? 0 : compareModuleAddresses(this.#steps(this.#module.at(a)), this.#steps(this.#module.at(b)));
    if (byModule !== 0) return byModule;
    if (this.#mode.at(a) !== this.#mode.at(b)) return this.#mode.at(a) - this.#mode.at(b);
    const byType = this.#type.at(a) === this.#type.at(b) ? 0 : compareGoStrings(this.#string(this.#type.at(a)), this.#string(this.#type.at(b)));
    if (byType !== 0) return byType;
    return this.#name.at(a) === this.#name.at(b) ? 0 : compareGoStrings(this.#string(this.#name.at(a)), this.#string(this.#name.at(b)));
  }

  /**
   * Every resource's position, in Terraform's order; resources of one
   * address stay in input order. Modules, types and names are ranked once,
   * so the sort itself compares integers.
   */
  sorted(): Int32Array {
    const steps = this.#modules.map((text) => parseModule(text));
    const moduleRank = rank(steps.length, (a, b) => compareModuleAddresses(steps[a] ?? [], steps[b] ?? []));
    const stringRank = rank(this.#strings.length, (a, b) => compareGoStrings(this.#string(a), this.#string(b)));
    const order = new Int32Array(this.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const key = (i: number, list: IntList, ranks: Int32Array): number => ranks[list.at(i)] ?? 0;
    order.sort(
      (a, b) =>
        key(a, this.#module, moduleRank) - key(b, this.#module, moduleRank) ||
        this.#mode.at(a) - this.#mode.at(b) ||
        key(a, this.#type, stringRank) - key(b, this.#type, stringRank) ||
        key(a, this.#name, stringRank) - key(b, this.#name, stringRank) ||
        a - b,
    );
    return order;
  }

  #moduleId(text: string): number {
    let id = this.#moduleIds.get(text);
    if (id === undefined) {
      id = this.#modules.length;
      // Kept for the whole run: detached, so it does not pin the decoded batch it came from.
      const own = detachString(text);
      this.#modules.push(own);
      this.#moduleIds.set(own, id);
    }
    return id;
  }

  #stringId(text: string): number {
    let id = this.#stringIds.get(text);
    if (id === undefined) {
      id = this.#strings.length;
      const own = detachString(text);
      this.#strings.push(own);
      this.#stringIds.set(own, id);
    }
    return id;
  }

  /** Module `id` parsed, from a cache of the last two (consecutive resources mostly share a module). */
  #steps(id: number): ModuleStep[] {
    let steps = this.#parsed.get(id);
    if (steps === undefined) {
      const text = this.#modules[id];
      if (text === undefined) throw new RangeError(`no module ${id}`);
      steps = parseModule(text);
      if (this.#parsed.size >= 2) this.#parsed.clear();
      this.#parsed.set(id, steps);
    }
    return steps;
  }

  #string(id: number): string {
    const text = this.#strings[id];
    if (text === undefined) throw new RangeError(`no string ${id}`);
    return text;
  }
}

function parseModule(text: string): ModuleStep[] {
  return text === '' ? [] : parseModuleAddress(text);
}

/** rank[i]: the position of item i when the items are sorted by `compare` (equal items share a rank). */
function rank(count: number, compare: (a: number, b: number) => number): Int32Array {
  const order = Array.from({ length: count }, (_, i) => i).sort(compare);
  const ranks = new Int32Array(count);
  let current = 0;
  order.forEach((item, position) => {
    const before = order[position - 1];
    if (before !== undefined && compare(before, item) !== 0) current = position;
    ranks[item] = current;
  });
  return ranks;
}
