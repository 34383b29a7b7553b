import type { InstanceKey, ResourceMode, StateInstance, StateResource } from '../state/types.js';

/** One `module.NAME[KEY]` step of a module instance address. */
export interface ModuleStep {
  name: string;
  /** Absent for a module called without `count` or `for_each`. */
  key?: InstanceKey;
}

/**
 * The address of one resource instance, as Terraform's `AbsResourceInstance`:
 * `module.a["k"].module.b[0].data.x.y["z"]` is
 * `{ module: [{ name: 'a', key: 'k' }, { name: 'b', key: 0 }], mode: 'data', type: 'x', name: 'y', key: 'z' }`.
 */
export interface ResourceInstanceAddress {
  /** Module instance path from the root; empty for the root module. */
  module: ModuleStep[];
  mode: ResourceMode;
  type: string;
  name: string;
  /** Absent for a resource without `count` or `for_each`. */
  key?: InstanceKey;
}

/** A resource instance's current object, as listed by `listResourceInstances`. */
export interface ResourceInstanceEntry {
  address: ResourceInstanceAddress;
  /** `address` formatted as Terraform prints it. */
  text: string;
  /** The state resource holding the object. */
  resource: StateResource;
  instance: StateInstance;
}

/** Every object stored for one resource instance address, as found by `findInstance`. */
export interface InstanceLookup {
  /** The state resource holding the current object, or else the first deposed one. */
  resource: StateResource;
  /** The current object; absent when only deposed objects remain. */
  instance: StateInstance | undefined;
  /** Objects kept by a `create_before_destroy` replacement, in state order. */
  deposed: StateInstance[];
}
