// `@tempeh/core/worker`: what a worker task needs from core (JSON values and
// the lossless parser, addresses, the state schema, sensitive paths), without
// what only the main thread uses (the kernel, the pool, the stream parser).
// Every worker thread imports its tasks' modules; a task that imports this
// instead of `@tempeh/core` keeps each thread ~8 MB smaller.
export { JsonNumber, isJsonObject, type JsonObject, type JsonValue } from './json/json-value.js';
export { parseJson, type ParseJsonOptions } from './json/parse-json.js';
export { formatAddress, formatInstanceKey, formatModuleAddress, parseAddress, parseModuleAddress } from './address/index.js';
export * from './state/schema.js';
export type * from './state/types.js';
export { SensitivePaths } from './engine/diff/sensitive-paths.js';
export type { ResourceView } from './engine/worker/resource-view.js';
export type { WorkerTaskFunction, WorkerTaskDefinition } from './engine/worker/task-module.js';
