import { compareInstanceAddresses } from '../address/compare.js';
import { parseAddress, parseModuleAddress } from '../address/parse.js';
import type { ModuleStep, ResourceInstanceAddress } from '../address/types.js';
import { inspectResources, type InspectOptions } from './inspect-resources.js';
import { compileResourceFilter, type ResourceFilter } from './resource-filter.js';

export interface ListAddressesOptions extends InspectOptions, ResourceFilter {}

interface AddressGroup {
  /** The resource's address without an instance key: what groups are sorted by. */
  resource: ResourceInstanceAddress;
  lines: string[];
}

/**
 * The lines `terraform state list` prints for the state read from `source`,
 * in its order, computed on the engine: each resource's lines come from the
 * workers, then the resources are sorted into Terraform's global order.
 * Without filters the result equals `listInstanceAddresses(parseState(bytes))`.
 *
 * Entries that share a resource address (Terraform merges them) are merged
 * the same way. Throws InvalidStateError (TEMPEH_E_INVALID_STATE) for a
 * state Tempeh's state model refuses, StateVersionError for a version other
 * than 4, and InvalidAddressError for a `module` filter that does not parse.
 */
export async function listAddresses(source: AsyncIterable<Uint8Array>, options: ListAddressesOptions = {}): Promise<string[]> {
  const keep = compileResourceFilter(options);
  const modules = new Map<string, ModuleStep[]>();
  const groups: AddressGroup[] = [];
  for await (const inspected of inspectResources(source, options)) {
    if (inspected.addresses.length === 0 || !keep(inspected)) continue;
    let module = modules.get(inspected.module);
    if (module === undefined) {
      module = inspected.module === '' ? [] : parseModuleAddress(inspected.module);
      modules.set(inspected.module, module);
    }
    const mode = inspected.mode === 'data' ? 'data' : 'managed';
    groups.push({ resource: { module, mode, type: inspected.type, name: inspected.name }, lines: inspected.addresses });
  }
  // A stable sort keeps each resource's lines together; Terraform-written
  // files are already in this order, which the sort checks in linear time.
  groups.sort((a, b) => compareInstanceAddresses(a.resource, b.resource));
  const lines: string[] = [];
  for (let start = 0; start < groups.length; ) {
    let end = start + 1;
    while (end < groups.length && compareInstanceAddresses(at(groups, start).resource, at(groups, end).resource) === 0) end++;
    if (end - start === 1) lines.push(...at(groups, start).lines);
    else lines.push(...mergeGroups(groups.slice(start, end)));
    start = end;
  }
  return lines;
}

/** Entries of one resource address spread over several resources: one line per instance, in key order. */
function mergeGroups(groups: readonly AddressGroup[]): string[] {
  const byText = new Map<string, ResourceInstanceAddress>();
  for (const group of groups) for (const line of group.lines) if (!byText.has(line)) byText.set(line, parseAddress(line));
  return [...byText.entries()].sort(([, a], [, b]) => compareInstanceAddresses(a, b)).map(([text]) => text);
}

function at(groups: readonly AddressGroup[], index: number): AddressGroup {
  const group = groups[index];
  if (group === undefined) throw new RangeError(`no address group at ${index}`);
  return group;
}
