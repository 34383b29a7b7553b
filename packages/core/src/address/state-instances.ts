import { InvalidStateError, isTempehError } from '../errors.js';
import { JsonNumber } from '../json/json-value.js';
import type { InstanceKey, StateInstance, StateResource, TerraformState } from '../state/types.js';
import { compareInstanceAddresses, compareInstanceKeys, compareModuleAddresses } from './compare.js';
import { formatAddress } from './format.js';
import { toGoString } from './go-string.js';
import { parseAddress, parseModuleAddress } from './parse.js';
import type { InstanceLookup, ModuleStep, ResourceInstanceAddress, ResourceInstanceEntry } from './types.js';

// Terraform's state reader (internal/states/statefile/version4.go) turns the
// resources array into a map of instance addresses: module strings are parsed
// (so `module.w[01]` and `module.w[1]` are one module), resource entries with
// the same address merge, float keys are truncated to Go ints, and an
// instance that has only deposed objects still exists. `terraform state list`
// then prints every instance address in AbsResourceInstance.Less order
// (internal/command/state_meta.go, lookupAllResourceInstanceAddrs).

interface InstanceSlot {
  address: ResourceInstanceAddress;
  text: string;
  current: { resource: StateResource; instance: StateInstance } | undefined;
  deposed: { resource: StateResource; instance: StateInstance }[];
}

/**
 * Exactly the lines `terraform state list` prints for `state`, in its order:
 * one per resource instance that has a current or a deposed object.
 * Throws InvalidStateError where Terraform would refuse to load the state
 * (a bad mode, module address or instance key, an instance twice).
 */
export function listInstanceAddresses(state: TerraformState): string[] {
  return sortedSlots(state).map((slot) => slot.text);
}

/**
 * Every resource instance's current object, in `terraform state list` order.
 * Instances with only deposed objects are left out (see `findInstance`).
 * Throws InvalidStateError as `listInstanceAddresses` does.
 */
export function listResourceInstances(state: TerraformState): ResourceInstanceEntry[] {
  const entries: ResourceInstanceEntry[] = [];
  for (const slot of sortedSlots(state)) {
    if (slot.current === undefined) continue;
    entries.push({ address: slot.address, text: slot.text, resource: slot.current.resource, instance: slot.current.instance });
  }
  return entries;
}

/**
 * The objects stored for one resource instance, or undefined when the state
 * has none. `address` may be written in any spelling Terraform accepts.
 * Throws InvalidAddressError for an address that does not parse, and
 * InvalidStateError for a matching resource Terraform could not load.
 */
export function findInstance(state: TerraformState, address: string | ResourceInstanceAddress): InstanceLookup | undefined {
  const wanted = typeof address === 'string' ? parseAddress(address) : address;
  const modules = new Map<string, ModuleStep[]>();
  const slot: InstanceSlot = { address: wanted, text: formatAddress(wanted), current: undefined, deposed: [] };
  state.resources.forEach((resource, resourceIndex) => {
    if (resource.type !== wanted.type || resource.name !== wanted.name || resource.mode !== wanted.mode) return;
    const module = moduleOf(resource, resourceIndex, modules);
    if (compareModuleAddresses(module, wanted.module) !== 0) return;
    resource.instances.forEach((instance, instanceIndex) => {
      const key = instanceKeyOf(instance, resourceIndex, instanceIndex);
      if (compareInstanceKeys(key, wanted.key) !== 0) return;
      addObject(slot, resource, instance, `$.resources[${resourceIndex}].instances[${instanceIndex}]`);
    });
  });
  const holder = slot.current ?? slot.deposed[0];
  if (holder === undefined) return undefined;
  return { resource: holder.resource, instance: slot.current?.instance, deposed: slot.deposed.map((object) => object.instance) };
}

function sortedSlots(state: TerraformState): InstanceSlot[] {
  const slots = new Map<string, InstanceSlot>();
  const modules = new Map<string, ModuleStep[]>();
  state.resources.forEach((resource, resourceIndex) => {
    if (resource.mode !== 'managed' && resource.mode !== 'data') {
      throw new InvalidStateError(`resource ${resource.type}.${resource.name} has mode ${JSON.stringify(resource.mode)}, which is neither "managed" nor "data"`, {
        location: `$.resources[${resourceIndex}].mode`,
      });
    }
    const module = moduleOf(resource, resourceIndex, modules);
    resource.instances.forEach((instance, instanceIndex) => {
      const address: ResourceInstanceAddress = { module, mode: resource.mode, type: resource.type, name: resource.name };
      const key = instanceKeyOf(instance, resourceIndex, instanceIndex);
      if (key !== undefined) address.key = key;
      const text = formatAddress(address);
      let slot = slots.get(text);
      if (slot === undefined) {
        slot = { address, text, current: undefined, deposed: [] };
        slots.set(text, slot);
      }
      addObject(slot, resource, instance, `$.resources[${resourceIndex}].instances[${instanceIndex}]`);
    });
  });
  return [...slots.values()].sort((a, b) => compareInstanceAddresses(a.address, b.address));
}

function addObject(slot: InstanceSlot, resource: StateResource, instance: StateInstance, location: string): void {
  const deposedKey = instance.deposed;
  if (deposedKey === undefined || deposedKey === '') {
    if (slot.current !== undefined) {
      throw new InvalidStateError(`instance ${slot.text} appears more than once in the state`, {
        location,
        hint: 'remove the duplicate entry; Terraform refuses to load this state',
      });
    }
    slot.current = { resource, instance };
    return;
  }
  if (slot.deposed.some((object) => object.instance.deposed === deposedKey)) {
    throw new InvalidStateError(`deposed object ${deposedKey} of ${slot.text} appears more than once in the state`, {
      location,
      hint: 'remove the duplicate entry; Terraform refuses to load this state',
    });
  }
  slot.deposed.push({ resource, instance });
}

/** The resource's module path, parsed once per distinct module string. */
function moduleOf(resource: StateResource, resourceIndex: number, cache: Map<string, ModuleStep[]>): ModuleStep[] {
  const raw: unknown = resource.module;
  // Go's encoding/json leaves a missing or null field as "", the root module.
  if (raw === undefined || raw === null || raw === '') return [];
  const location = `$.resources[${resourceIndex}].module`;
  if (typeof raw !== 'string') throw new InvalidStateError('a resource\'s "module" must be a string', { location });
  const cached = cache.get(raw);
  if (cached !== undefined) return cached;
  let module: ModuleStep[];
  try {
    module = parseModuleAddress(raw);
  } catch (error) {
    // Only a parse failure is expected here; it means the state is invalid.
    if (!isTempehError(error) || error.code !== 'TEMPEH_E_INVALID_ADDRESS') throw error;
    throw new InvalidStateError(`resource ${resource.type}.${resource.name} has an invalid module address: ${error.message}`, { location, cause: error });
  }
  cache.set(raw, module);
  return module;
}

/**
 * The instance key as Terraform reads `index_key`: absent or null is no key,
 * a number is truncated to an integer (Go's int(float64)), a string is
 * decoded as Go decodes it.
 */
function instanceKeyOf(instance: StateInstance, resourceIndex: number, instanceIndex: number): InstanceKey | undefined {
  const raw: unknown = instance.index_key;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return toGoString(raw);
  const number = typeof raw === 'number' ? raw : raw instanceof JsonNumber ? Number(raw.raw) : undefined;
  if (number !== undefined) {
    // `+ 0` turns -0 (from -0.5) into 0.
    const key = Math.trunc(number) + 0;
    if (Number.isSafeInteger(key)) return key;
  }
  throw new InvalidStateError(`index_key ${describeValue(raw)} is neither a string nor an integer within ±(2^53-1)`, {
    location: `$.resources[${resourceIndex}].instances[${instanceIndex}].index_key`,
  });
}

function describeValue(value: unknown): string {
  if (value instanceof JsonNumber) return value.raw;
  return JSON.stringify(value) ?? String(value);
}
