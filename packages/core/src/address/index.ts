// Terraform resource instance addresses: format, parse, order, and the
// instance list of a state as `terraform state list` prints it.
export type { InstanceLookup, ModuleStep, ResourceInstanceAddress, ResourceInstanceEntry } from './types.js';
export { formatAddress, formatInstanceKey, formatModuleAddress } from './format.js';
export { parseAddress, parseModuleAddress } from './parse.js';
export { compareInstanceAddresses, compareInstanceKeys, compareModuleAddresses } from './compare.js';
export { findInstance, listInstanceAddresses, listResourceInstances } from './state-instances.js';
