import type { InstanceKey } from '../state/types.js';
import { compareGoStrings } from './go-string.js';
import type { ModuleStep, ResourceInstanceAddress } from './types.js';

// The order of Terraform's `terraform state list`: a sort by
// AbsResourceInstance.Less (internal/addrs/resource.go, module_instance.go,
// instance_key.go in Terraform v1.11). Each function returns a negative
// number, zero or a positive number, for Array.prototype.sort.

/**
 * Terraform's InstanceKeyLess: no key first, then integer keys in numeric
 * order, then string keys in byte order.
 */
export function compareInstanceKeys(a: InstanceKey | undefined, b: InstanceKey | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  // Integer keys sort before string keys (Terraform orders key types 'I' < 'S').
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return compareGoStrings(a, b);
}

/** Terraform's ModuleInstance.Less: shorter path first, then step by step, name before key. */
export function compareModuleAddresses(a: readonly ModuleStep[], b: readonly ModuleStep[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) break;
    const byName = compareGoStrings(x.name, y.name);
    if (byName !== 0) return byName;
    const byKey = compareInstanceKeys(x.key, y.key);
    if (byKey !== 0) return byKey;
  }
  return 0;
}

/**
 * Terraform's AbsResourceInstance.Less: module path, then mode (data sources
 * before managed resources), type, name, and instance key.
 */
export function compareInstanceAddresses(a: ResourceInstanceAddress, b: ResourceInstanceAddress): number {
  const byModule = compareModuleAddresses(a.module, b.module);
  if (byModule !== 0) return byModule;
  if (a.mode !== b.mode) return a.mode === 'data' ? -1 : 1;
  const byType = compareGoStrings(a.type, b.type);
  if (byType !== 0) return byType;
  const byName = compareGoStrings(a.name, b.name);
  if (byName !== 0) return byName;
  return compareInstanceKeys(a.key, b.key);
}
