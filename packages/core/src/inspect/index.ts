// The inspector on the streaming engine: list, stats and find.
export { inspectResources, type InspectOptions, type InspectedResource } from './inspect-resources.js';
export { compileResourceFilter, providerSource, ROOT_MODULE_FILTER, type ResourceFilter } from './resource-filter.js';
export { listAddresses, listAddressesText, type AddressText, type ListAddressesOptions, type ListAddressesTextOptions } from './list-addresses.js';
export { resourceAddress, stateStats, type LargeResource, type StateStats, type StateStatsOptions, type StatsGroup } from './state-stats.js';
export type { ResourceInspection } from '../engine/worker/tasks/resource-inspect.js';
export { findInstances, type FindInstancesOptions, type FoundInstance } from './find-instances.js';
export type { ResourceFindOptions, ResourceFindResult, FoundInstanceMatch } from '../engine/worker/tasks/resource-find.js';
export { diffStateSources, type DiffSource, type DiffSourcesOptions, type OpenStateBytes } from './diff-sources.js';
export type { ResourceDigest } from '../engine/worker/tasks/resource-digest.js';
export { buildGraphFromSource, type GraphFromSourceOptions } from './graph-source.js';
export type { ResourceGraphEntry } from '../engine/worker/tasks/resource-graph.js';
