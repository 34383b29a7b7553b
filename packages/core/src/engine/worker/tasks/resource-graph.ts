import { configAddressOf } from '../../graph/build-graph.js';
import type { ResourceView } from '../resource-view.js';
import { fastResource } from './fast-resource.js';
import { asModuleFieldError, ModuleCache } from './module-cache.js';

/** What `resource-graph` returns for one resource: its node and the nodes it depends on. */
export interface ResourceGraphEntry {
  /** The config address (`configAddressOf`): module names without instance keys. */
  address: string;
  /** Every entry of its instances' `dependencies`, once each, in first-seen order. */
  dependencies: string[];
}

// One per thread: resources of one module come one after another.
const modules = new ModuleCache();

/**
 * One resource's node in the dependency graph. Neither needs exact numbers,
 * so the resource is read with the native `JSON.parse` where that is safe
 * (`fastResource`), else with the view's lossless parse.
 */
export function resourceGraph(view: ResourceView): ResourceGraphEntry {
  const resource = fastResource(view) ?? view.resource;
  const dependencies = new Set<string>();
  for (const instance of resource.instances) {
    const listed: unknown = instance.dependencies;
    if (!Array.isArray(listed)) continue;
    for (const entry of listed) if (typeof entry === 'string') dependencies.add(entry);
  }
  let address: string;
  try {
    address = configAddressOf(resource, modules);
  } catch (error) {
    throw asModuleFieldError(error, view.index);
  }
  return { address, dependencies: [...dependencies] };
}
