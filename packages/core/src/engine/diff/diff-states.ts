import { compareInstanceAddresses, compareInstanceKeys } from '../../address/compare.js';
import { formatAddress } from '../../address/format.js';
import { compareGoStrings, toGoString } from '../../address/go-string.js';
import { parseModuleAddress } from '../../address/parse.js';
import type { ResourceInstanceAddress } from '../../address/types.js';
import { InvalidStateError } from '../../errors.js';
import { JsonNumber } from '../../json/json-value.js';
import type { InstanceKey, StateInstance, StateOutput, StateResource, TerraformState } from '../../state/types.js';
import { diffInstances, fieldChange } from './diff-instances.js';
import { jsonEqual } from './json-equal.js';
import { SENSITIVE_MASK, type ChangedInstance, type DiffOptions, type OutputChange, type ResourceDiff, type StateDiff } from './types.js';

// Instances are matched by address as Terraform reads the state: module
// fields parsed (so `module.c[01]` and `module.c[1]` are one module),
// `index_key` decoded as Go decodes it, resource entries with the same
// address merged. A deposed object is its own entry, printed as Terraform's
// plan names it: `terraform_data.rotating (deposed object 7a01fb30)`.

interface StateObject {
  key: InstanceKey | undefined;
  deposed: string | undefined;
  address: string;
  resource: StateResource;
  instance: StateInstance;
}

/**
 * The differences between two states: instances (and deposed objects) only
 * in `after` are added, only in `before` removed, in both but different
 * changed, with their attribute-level changes; then the root outputs.
 * Lists are in `terraform state list` order; deposed objects follow their
 * instance. Works resource by resource through `diffResource`, so a caller
 * that knows which resources are unchanged (by hash) can skip them and merge
 * the rest with `mergeResourceDiffs`.
 */
export function diffStates(before: TerraformState, after: TerraformState, options: DiffOptions = {}): StateDiff {
  const groups = new Map<string, { before: StateResource[]; after: StateResource[] }>();
  const add = (resource: StateResource, side: 'before' | 'after'): void => {
    const text = formatAddress(resourceAddressOf(resource));
    let group = groups.get(text);
    if (group === undefined) {
      group = { before: [], after: [] };
      groups.set(text, group);
    }
    group[side].push(resource);
  };
  for (const resource of before.resources) add(resource, 'before');
  for (const resource of after.resources) add(resource, 'after');
  const parts = [...groups.values()].map((group) => diffResourceEntries(group.before, group.after, options));
  return { ...mergeResourceDiffs(parts), outputs: diffOutputs(before.outputs, after.outputs, options) };
}

/**
 * The differences between two versions of one resource (either may be
 * absent): what `diffStates` computes for that resource. Both must have the
 * same address; a state that splits one resource over several entries is
 * merged by `diffStates`, not here.
 */
export function diffResource(before: StateResource | undefined, after: StateResource | undefined, options: DiffOptions = {}): ResourceDiff {
  return diffResourceEntries(before === undefined ? [] : [before], after === undefined ? [] : [after], options);
}

/** True when the diff has an added, removed or changed instance or a changed output; the header (lineage, serial) does not count. */
export function hasDifferences(diff: StateDiff): boolean {
  return diff.added.length > 0 || diff.removed.length > 0 || diff.changed.length > 0 || diff.outputs.length > 0;
}

/** Resource diffs concatenated in `terraform state list` order, whatever order they come in. */
export function mergeResourceDiffs(parts: Iterable<ResourceDiff>): { added: string[]; removed: string[]; changed: ChangedInstance[] } {
  // A part without a resource compared two absent resources and is empty.
  const sorted = [...parts].flatMap((part) => (part.resource === undefined ? [] : [{ resource: part.resource, part }]));
  sorted.sort((a, b) => compareInstanceAddresses(a.resource, b.resource));
  return {
    added: sorted.flatMap(({ part }) => part.added),
    removed: sorted.flatMap(({ part }) => part.removed),
    changed: sorted.flatMap(({ part }) => part.changed),
  };
}

/** Root outputs that differ in value, type or sensitivity, by name in byte order. */
export function diffOutputs(before: Record<string, StateOutput>, after: Record<string, StateOutput>, options: DiffOptions = {}): OutputChange[] {
  const mask = options.showSensitive !== true;
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareGoStrings);
  const changes: OutputChange[] = [];
  for (const name of names) {
    const x = Object.hasOwn(before, name) ? before[name] : undefined;
    const y = Object.hasOwn(after, name) ? after[name] : undefined;
    const sensitive = x?.sensitive === true || y?.sensitive === true;
    if (x !== undefined && y !== undefined && jsonEqual(x.value, y.value) && jsonEqual(x.type, y.type) && x.sensitive === y.sensitive) continue;
    const change: OutputChange = { name, kind: x === undefined ? 'added' : y === undefined ? 'removed' : 'changed', sensitive };
    if (x !== undefined) change.before = sensitive && mask ? SENSITIVE_MASK : x.value;
    if (y !== undefined) change.after = sensitive && mask ? SENSITIVE_MASK : y.value;
    changes.push(change);
  }
  return changes;
}

/**
 * The differences between every entry of one resource address in `before`
 * and in `after` (a state may split one resource over several entries;
 * Terraform merges them, and so does this). All entries must share the
 * address; either list may be empty.
 */
export function diffResourceEntries(before: readonly StateResource[], after: readonly StateResource[], options: DiffOptions = {}): ResourceDiff {
  const first = before[0] ?? after[0];
  const diff: ResourceDiff = { added: [], removed: [], changed: [] };
  if (first === undefined) return diff;
  const resource = resourceAddressOf(first);
  diff.resource = resource;
  const old = objectsOf(before, resource);
  const current = objectsOf(after, resource);
  const ids = [...new Set([...old.keys(), ...current.keys()])];
  const objects = ids.map((id) => ({ x: old.get(id), y: current.get(id) }));
  objects.sort((a, b) => compareObjects(a.x ?? a.y, b.x ?? b.y));
  for (const { x, y } of objects) {
    if (x === undefined && y !== undefined) diff.added.push(y.address);
    else if (y === undefined && x !== undefined) diff.removed.push(x.address);
    else if (x !== undefined && y !== undefined) {
      const changes = diffInstances(x.instance, y.instance, options);
      if (x.resource.provider !== y.resource.provider) changes.push(fieldChange('provider', x.resource.provider, y.resource.provider));
      if (changes.length > 0) diff.changed.push({ address: x.address, changes });
    }
  }
  return diff;
}

function compareObjects(a: StateObject | undefined, b: StateObject | undefined): number {
  if (a === undefined || b === undefined) return 0;
  const byKey = compareInstanceKeys(a.key, b.key);
  if (byKey !== 0) return byKey;
  // The current object first, then deposed objects by key.
  if (a.deposed === undefined || b.deposed === undefined) return a.deposed === b.deposed ? 0 : a.deposed === undefined ? -1 : 1;
  return compareGoStrings(a.deposed, b.deposed);
}

function objectsOf(resources: readonly StateResource[], resource: ResourceInstanceAddress): Map<string, StateObject> {
  const objects = new Map<string, StateObject>();
  for (const entry of resources) {
    for (const instance of entry.instances) {
      const key = instanceKeyOf(instance);
      const address: ResourceInstanceAddress = { ...resource };
      if (key !== undefined) address.key = key;
      const deposed = instance.deposed === undefined || instance.deposed === '' ? undefined : instance.deposed;
      const text = formatAddress(address) + (deposed === undefined ? '' : ` (deposed object ${deposed})`);
      // Terraform refuses a state with an object twice; the last one wins here rather than failing a diff.
      objects.set(text, { key, deposed, address: text, resource: entry, instance });
    }
  }
  return objects;
}

/** The resource's address as Terraform reads it (module fields parsed, so `module.c[01]` is `module.c[1]`); no instance key. */
export function resourceAddressOf(resource: StateResource): ResourceInstanceAddress {
  const module: unknown = resource.module;
  return {
    // Go's encoding/json reads a missing or null module as "", the root module.
    module: typeof module === 'string' ? parseModuleAddress(module) : [],
    mode: resource.mode,
    type: resource.type,
    name: resource.name,
  };
}

/** `index_key` as Terraform reads it: a string as Go decodes it, a number truncated to an integer. */
function instanceKeyOf(instance: StateInstance): InstanceKey | undefined {
  const raw: unknown = instance.index_key;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return toGoString(raw);
  const number = typeof raw === 'number' ? raw : raw instanceof JsonNumber ? Number(raw.raw) : Number.NaN;
  const key = Math.trunc(number) + 0;
  if (Number.isSafeInteger(key)) return key;
  throw new InvalidStateError(`instance key ${String(raw)} is neither a string nor an integer Terraform can read`, {
    hint: 'fix the index_key of this instance; Terraform refuses to load the state as it is',
  });
}
