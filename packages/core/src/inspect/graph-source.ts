import { InvalidStateError } from '../errors.js';
import { parseModuleAddress } from '../address/parse.js';
import { processState } from '../engine/engine.js';
import { DependencyGraphBuilder, type DependencyGraphOptions } from '../engine/graph/build-graph.js';
import type { DependencyGraph } from '../engine/graph/types.js';
import { builtinTask } from '../engine/pool/builtin-tasks.js';
import type { ResourceGraphEntry } from '../engine/worker/tasks/resource-graph.js';
import { unwrapStateError, type InspectOptions } from './inspect-resources.js';
import { readStateTopLevel } from './state-header.js';

export interface GraphFromSourceOptions extends InspectOptions, DependencyGraphOptions {}

/**
 * The resource dependency graph of the state read from `source`, as
 * `buildDependencyGraph` draws it from parsed resources, computed on the
 * engine: the workers read each resource's config address and the union of
 * its instances' `dependencies`; only those reach this thread. The graph is
 * over config addresses (module instance keys dropped), so its size follows
 * the configuration, not the number of instances: a state of several GB
 * draws in little memory. Render it with `formatDot` or `formatMermaid`.
 *
 * Throws InvalidAddressError for a `module` filter (other than `root`) that does not parse
 * (before reading anything), InvalidStateError or StateVersionError for an
 * input that is not a v4 state.
 */
export async function buildGraphFromSource(source: AsyncIterable<Uint8Array>, options: GraphFromSourceOptions = {}): Promise<DependencyGraph> {
  // Fail on a bad filter now rather than after reading the whole input.
  if (options.module !== undefined && options.module !== '' && options.module !== 'root') parseModuleAddress(options.module);
  const builder = new DependencyGraphBuilder();
  const processing = processState(source, { ...options, tasks: [builtinTask('resource-graph')] });
  try {
    for await (const { index, values } of processing) {
      const value: unknown = values[0];
      if (!isGraphEntry(value)) throw new InvalidStateError(`resources[${index}] gave no graph entry`, { location: `$.resources[${index}]` });
      builder.add(value.address, value.dependencies);
    }
  } catch (error) {
    throw unwrapStateError(error);
  }
  readStateTopLevel(processing.summary, 'the state');
  return builder.build(options.module === undefined ? {} : { module: options.module });
}

function isGraphEntry(value: unknown): value is ResourceGraphEntry {
  if (typeof value !== 'object' || value === null) return false;
  const address: unknown = Reflect.get(value, 'address');
  const dependencies: unknown = Reflect.get(value, 'dependencies');
  return typeof address === 'string' && Array.isArray(dependencies) && dependencies.every((entry) => typeof entry === 'string');
}
