import { compareInstanceAddresses } from '../../address/compare.js';
import { formatAddress } from '../../address/format.js';
import { compareGoStrings } from '../../address/go-string.js';
import { parseAddress, parseModuleAddress } from '../../address/parse.js';
import type { ModuleStep, ResourceInstanceAddress } from '../../address/types.js';
import { isTempehError } from '../../errors.js';
import type { StateResource } from '../../state/types.js';
import type { DependencyGraph, GraphEdge, GraphNode } from './types.js';

// Terraform records, on each instance, the *config* addresses of the
// resources it depends on (`module.app_blue.terraform_data.config`: module
// names without instance keys, since dependencies are resolved from the
// configuration). The graph therefore has one node per resource of the
// configuration: every instance of `module.w[0]` and `module.w[1]` is drawn
// as `module.w.…`.

export interface DependencyGraphOptions {
  /**
   * Keep only resources in this module and its submodules (a module address
   * such as `module.app_blue`; instance keys are ignored), plus the other
   * ends of their edges, marked external. `root`: only the root module's
   * resources. The empty string or absent: all.
   */
  module?: string;
}

/** The `module` filter value that keeps the root module's resources only (as `list --module root`). */
const ROOT_MODULE = 'root';

/** Collects resources one at a time (so a streaming caller never holds the state), then builds the graph. */
export class DependencyGraphBuilder {
  private readonly present = new Set<string>();
  private readonly dependencies = new Map<string, Set<string>>();

  /** Adds a state resource: a node, and an edge to every entry of its instances' `dependencies`. */
  addResource(resource: StateResource): void {
    const dependencies: string[] = [];
    for (const instance of resource.instances) {
      if (Array.isArray(instance.dependencies)) for (const entry of instance.dependencies) if (typeof entry === 'string') dependencies.push(entry);
    }
    this.add(configAddressOf(resource), dependencies);
  }

  /** Adds a node by config address (as `configAddressOf` gives it) with edges to `dependencies`. */
  add(address: string, dependencies: Iterable<string>): void {
    this.present.add(address);
    let targets = this.dependencies.get(address);
    if (targets === undefined) {
      targets = new Set();
      this.dependencies.set(address, targets);
    }
    for (const dependency of dependencies) targets.add(dependency);
  }

  build(options: DependencyGraphOptions = {}): DependencyGraph {
    const inside = moduleFilter(options.module);
    const nodes = new Map<string, GraphNode>();
    const node = (address: string, isInside: boolean): void => {
      if (!nodes.has(address)) nodes.set(address, { address, missing: !this.present.has(address), external: !isInside });
    };
    const edges: GraphEdge[] = [];
    for (const address of this.present) if (inside(address)) node(address, true);
    for (const [from, targets] of this.dependencies) {
      for (const to of targets) {
        const fromInside = inside(from);
        const toInside = inside(to);
        if (!fromInside && !toInside) continue;
        node(from, fromInside);
        node(to, toInside);
        edges.push({ from, to });
      }
    }
    const order = new AddressOrder();
    const sortedNodes = [...nodes.values()].sort((a, b) => order.compare(a.address, b.address));
    edges.sort((a, b) => order.compare(a.from, b.from) || order.compare(a.to, b.to));
    return { nodes: sortedNodes, edges };
  }
}

/**
 * The resource dependency graph of `resources`: one node per resource
 * (config address), an edge from a resource to every resource named in the
 * `dependencies` of any of its instances; dependencies that are not
 * resources of the state are kept as nodes marked missing.
 */
export function buildDependencyGraph(resources: Iterable<StateResource>, options: DependencyGraphOptions = {}): DependencyGraph {
  const builder = new DependencyGraphBuilder();
  for (const resource of resources) builder.addResource(resource);
  return builder.build(options);
}

/**
 * A resource's config address: its module path without instance keys, then
 * `data.`, type and name. `modules` may parse the module from a cache.
 */
export function configAddressOf(resource: StateResource, modules?: { steps(text: string): ModuleStep[] }): string {
  const module: unknown = resource.module;
  const steps = typeof module === 'string' ? (modules?.steps(module) ?? parseModuleAddress(module)) : [];
  return formatAddress({ module: steps.map((step) => ({ name: step.name })), mode: resource.mode, type: resource.type, name: resource.name });
}

function moduleFilter(module: string | undefined): (address: string) => boolean {
  if (module === undefined || module === '') return () => true;
  if (module === ROOT_MODULE) return (address) => !address.startsWith('module.');
  const names = parseModuleAddress(module).map((step) => step.name);
  return (address) => {
    const parsed = tryParse(address);
    if (parsed === undefined) return address.startsWith(`${names.map((name) => `module.${name}`).join('.')}.`);
    return names.length <= parsed.module.length && names.every((name, index) => parsed.module[index]?.name === name);
  };
}

function tryParse(address: string): ResourceInstanceAddress | undefined {
  try {
    return parseAddress(address);
  } catch (error) {
    // A dependency entry Tempeh cannot parse (a hand-edited state) is still drawn; it just sorts last.
    if (isTempehError(error) && error.code === 'TEMPEH_E_INVALID_ADDRESS') return undefined;
    throw error;
  }
}

/** Config address order, with each address parsed once; unparsable addresses last, by bytes. */
class AddressOrder {
  private readonly parsed = new Map<string, ResourceInstanceAddress | undefined>();

  compare(a: string, b: string): number {
    if (a === b) return 0;
    const x = this.parse(a);
    const y = this.parse(b);
    if (x !== undefined && y !== undefined) return compareInstanceAddresses(x, y) || compareGoStrings(a, b);
    if (x === undefined && y === undefined) return compareGoStrings(a, b);
    return x === undefined ? 1 : -1;
  }

  private parse(address: string): ResourceInstanceAddress | undefined {
    if (!this.parsed.has(address)) this.parsed.set(address, tryParse(address));
    return this.parsed.get(address);
  }
}
