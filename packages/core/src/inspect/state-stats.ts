import { detachString } from '../engine/worker/result-codec.js';
import { inspectResources, type InspectOptions } from './inspect-resources.js';
import { compileResourceFilter, type ResourceFilter } from './resource-filter.js';

export interface StateStatsOptions extends InspectOptions, ResourceFilter {
  /** How many of the largest resources to list. Default 10; 0 lists none. */
  top?: number;
}

/** Counts for one type, provider or module. */
export interface StatsGroup {
  /** The type, the provider string, or the module address ("" for the root module). */
  key: string;
  /** Resource entries in `resources`. */
  resources: number;
  /** Instances with a current object. */
  instances: number;
  /** Bytes of those resources in the state file. */
  bytes: number;
}

/** One of the largest resources. */
export interface LargeResource {
  /** The resource address (`module.m.aws_instance.web`, `data.x.y`), without instance keys. */
  address: string;
  bytes: number;
}

/** What `stats` reports about a state (over the resources the filter keeps). */
export interface StateStats {
  /** Resource entries. */
  resources: number;
  /** Managed resources and data sources among them. */
  managed: number;
  data: number;
  /** Instances with a current object. */
  instances: number;
  /** Current objects with `status: "tainted"`. */
  tainted: number;
  /** Deposed objects. */
  deposed: number;
  /** Entries of `sensitive_attributes`, over all objects. */
  sensitiveAttributes: number;
  /** Bytes of the kept resources in the state file. */
  resourceBytes: number;
  /** Bytes of the whole input. */
  totalBytes: number;
  /** Sorted by key. */
  byType: StatsGroup[];
  byProvider: StatsGroup[];
  byModule: StatsGroup[];
  /** The largest resources, largest first (ties in resource order). */
  largest: LargeResource[];
}

/**
 * Statistics over the state read from `source`, computed on the engine from
 * each resource's `resource-inspect` summary; no attributes are kept on the
 * main thread, so memory stays bounded apart from the per-key counters.
 * Errors as `listAddresses`.
 */
export async function stateStats(source: AsyncIterable<Uint8Array>, options: StateStatsOptions = {}): Promise<StateStats> {
  const keep = compileResourceFilter(options);
  const top = Math.max(0, Math.trunc(options.top ?? 10));
  let totalBytes = 0;
  const stats: StateStats = {
    resources: 0, managed: 0, data: 0, instances: 0, tainted: 0, deposed: 0, sensitiveAttributes: 0,
    resourceBytes: 0, totalBytes: 0, byType: [], byProvider: [], byModule: [], largest: [],
  };
  const byType = new Map<string, StatsGroup>();
  const byProvider = new Map<string, StatsGroup>();
  const byModule = new Map<string, StatsGroup>();
  const largest: (LargeResource & { index: number })[] = [];
  const inspect = inspectResources(source, options, (summary) => {
    totalBytes = summary.bytesRead;
  });
  for await (const resource of inspect) {
    if (!keep(resource)) continue;
    stats.resources++;
    if (resource.mode === 'data') stats.data++;
    else stats.managed++;
    stats.instances += resource.instances;
    stats.tainted += resource.tainted;
    stats.deposed += resource.deposed;
    stats.sensitiveAttributes += resource.sensitiveAttributes;
    stats.resourceBytes += resource.bytes;
    for (const [groups, key] of [[byType, resource.type], [byProvider, resource.provider], [byModule, resource.module]] as const) {
      let group = groups.get(key);
      if (group === undefined) {
        // Kept to the end: detached, so it does not pin the decoded batch it came from.
        const own = detachString(key);
        group = { key: own, resources: 0, instances: 0, bytes: 0 };
        groups.set(own, group);
      }
      group.resources++;
      group.instances += resource.instances;
      group.bytes += resource.bytes;
    }
    if (top > 0) keepLargest(largest, { address: resourceAddress(resource), bytes: resource.bytes, index: resource.index }, top);
  }
  stats.totalBytes = totalBytes;
  stats.byType = sortedGroups(byType);
  stats.byProvider = sortedGroups(byProvider);
  stats.byModule = sortedGroups(byModule);
  stats.largest = largest.map(({ address, bytes }) => ({ address, bytes }));
  return stats;
}

/** The resource address as Terraform prints it in messages, without instance keys. */
export function resourceAddress(resource: { module: string; mode: string; type: string; name: string }): string {
  const prefix = resource.module === '' ? '' : `${resource.module}.`;
  return `${prefix}${resource.mode === 'data' ? 'data.' : ''}${resource.type}.${resource.name}`;
}

/** Keeps `list` as the `top` largest, largest first, earlier resources first among equals; O(top) per insert. */
function keepLargest(list: (LargeResource & { index: number })[], entry: LargeResource & { index: number }, top: number): void {
  const last = list[list.length - 1];
  if (list.length >= top && last !== undefined && last.bytes >= entry.bytes) return;
  let at = list.length;
  while (at > 0) {
    const before = list[at - 1];
    if (before === undefined || before.bytes >= entry.bytes) break;
    at--;
  }
  list.splice(at, 0, entry);
  if (list.length > top) list.pop();
}

function sortedGroups(groups: Map<string, StatsGroup>): StatsGroup[] {
  return [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
