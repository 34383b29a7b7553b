import type { InstanceSpec, ResourceSpec } from './large-state-resources.js';
import { SeededRandom } from './random.js';

/** How `generateLargeState` turns a state into a modified copy of it. */
export interface LargeStateMutation {
  /**
   * Every Nth resource of the state (in file order) is modified, in turn:
   * the first gets one attribute changed, the second one instance more, the
   * third is removed, and so on. A resource without instance keys cannot
   * take one more instance: it is left as it is, and the next resource with
   * count or for_each keys gets the instance instead.
   */
  everyNth: number;
  /** Chooses which of the first N resources is the first one modified, and the new values. Default 1. */
  seed?: number;
}

/**
 * What a modified copy holds that the state it copies does not, as
 * `diffStates(base, copy)` reports it: instance addresses as
 * `terraform state list` prints them, deposed objects followed by
 * ` (deposed object KEY)`, in file order. Each changed instance differs in
 * exactly one attribute, `id`.
 */
export interface LargeStateChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

const KINDS = ['changed', 'added', 'removed'] as const;

/** Throws a RangeError for a mutation that cannot be applied. */
export function checkMutation(mutation: LargeStateMutation): void {
  if (!Number.isSafeInteger(mutation.everyNth) || mutation.everyNth < 1)
    throw new RangeError(`mutate.everyNth must be a positive integer, got ${mutation.everyNth}`);
  if (mutation.seed !== undefined && !Number.isSafeInteger(mutation.seed)) throw new RangeError(`mutate.seed must be an integer, got ${mutation.seed}`);
}

/** Applies a `LargeStateMutation` to the resources as they are generated, and records what it did. */
export class LargeStateMutator {
  private readonly everyNth: number;
  private readonly random: SeededRandom;
  private readonly phase: number;
  private resources = 0;
  private mutations = 0;
  /** An instance to add is waiting for a resource with instance keys. */
  private addPending = false;
  private readonly changes: LargeStateChanges = { added: [], removed: [], changed: [] };

  constructor(mutation: LargeStateMutation) {
    checkMutation(mutation);
    this.everyNth = mutation.everyNth;
    // Its own sequence: the copy's resources draw exactly what the base's drew.
    this.random = new SeededRandom((mutation.seed ?? 1) ^ 0x6d757461);
    this.phase = this.random.int(0, this.everyNth - 1);
  }

  /** The resource as the copy holds it: `resource` itself, a modified copy, or undefined when removed. */
  apply(resource: ResourceSpec): ResourceSpec | undefined {
    const position = this.resources++;
    if (position < this.phase || (position - this.phase) % this.everyNth !== 0) return this.addIfPending(resource);
    const kind = KINDS[this.mutations++ % KINDS.length];
    if (kind === 'removed') {
      // An instance still waiting to be added goes to a later resource.
      for (const instance of resource.instances) this.changes.removed.push(objectAddress(resource, instance));
      return undefined;
    }
    if (kind === 'added') this.addPending = true;
    const kept = this.addIfPending(resource);
    return kind === 'changed' ? this.changeAttribute(kept) : kept;
  }

  /** What the copy differs in so far; complete once the whole state has been generated. */
  report(): LargeStateChanges {
    return { added: [...this.changes.added], removed: [...this.changes.removed], changed: [...this.changes.changed] };
  }

  private changeAttribute(resource: ResourceSpec): ResourceSpec {
    const [first, ...rest] = resource.instances;
    if (first === undefined) return resource;
    const id = first.attributes['id'];
    // Every generated object has a string id; a new key would land out of sorted order.
    if (typeof id !== 'string') throw new TypeError(`${objectAddress(resource, first)} has no string id to change`);
    // Spreading keeps the key where it was, so the attributes stay sorted.
    const changed: InstanceSpec = { ...first, attributes: { ...first.attributes, id: `${id}-${this.random.hex(6)}` } };
    this.changes.changed.push(objectAddress(resource, changed));
    return { ...resource, instances: [changed, ...rest] };
  }

  /** With an instance to add pending, the resource with one more instance after the last, if it has keys. */
  private addIfPending(resource: ResourceSpec): ResourceSpec {
    if (!this.addPending) return resource;
    const last = resource.instances.findLast((instance) => instance.deposed === undefined);
    const key = last?.indexKey;
    // Instances are sorted by key, so the last current one has the greatest;
    // a string that extends it sorts after it.
    const indexKey = typeof key === 'number' ? key + 1 : typeof key === 'string' ? `${key}-added` : undefined;
    if (last === undefined || indexKey === undefined) return resource;
    this.addPending = false;
    const added: InstanceSpec = { ...last, indexKey, tainted: false, attributes: { ...last.attributes, id: `added-${this.random.hex(12)}` } };
    this.changes.added.push(objectAddress(resource, added));
    return { ...resource, instances: [...resource.instances, added] };
  }
}

/** The address `diffStates` gives the object: `module.m["k"].data.t.n[0]`, then ` (deposed object KEY)` for a deposed one. */
function objectAddress(resource: ResourceSpec, instance: InstanceSpec): string {
  const module = resource.module === undefined ? '' : `${resource.module}.`;
  const mode = resource.mode === 'data' ? 'data.' : '';
  const key = instance.indexKey === undefined ? '' : `[${typeof instance.indexKey === 'number' ? instance.indexKey : JSON.stringify(instance.indexKey)}]`;
  const deposed = instance.deposed === undefined ? '' : ` (deposed object ${instance.deposed})`;
  return `${module}${mode}${resource.type}.${resource.name}${key}${deposed}`;
}
