import { compareInstanceKeys } from '../address/compare.js';
import { parseModuleAddress } from '../address/parse.js';
import type { ModuleStep } from '../address/types.js';
import type { ResourceSummary } from '../engine/worker/tasks/resource-summary.js';

/** Which resources the inspector keeps. Every given criterion must match; an empty list matches everything. */
export interface ResourceFilter {
  /** Exact resource types; a resource matches any one of them. */
  type?: readonly string[];
  /**
   * A module address: the resource must be in this module or one of its
   * children. A step without a key (`module.app`) matches every instance of
   * that module call (`module.app["x"]`, `module.app[0]`); a step with a key
   * matches only that key. `root` (or "") keeps only the root module's resources.
   */
  module?: string;
  /**
   * Providers; a resource matches any one of them. Each is the whole
   * provider string (`provider["registry.terraform.io/hashicorp/aws"].east`),
   * its source address (`registry.terraform.io/hashicorp/aws`), or a tail of
   * that address (`hashicorp/aws`, `aws`).
   */
  provider?: readonly string[];
}

/** `module` value that selects the root module only. */
export const ROOT_MODULE_FILTER = 'root';

/**
 * Compiles a filter into a predicate over resource summaries. Throws
 * InvalidAddressError (TEMPEH_E_INVALID_ADDRESS) for a module filter that
 * does not parse.
 */
export function compileResourceFilter(filter: ResourceFilter = {}): (resource: Pick<ResourceSummary, 'type' | 'provider' | 'module'>) => boolean {
  const types = filter.type !== undefined && filter.type.length > 0 ? new Set(filter.type) : undefined;
  const providers = filter.provider !== undefined && filter.provider.length > 0 ? filter.provider : undefined;
  const moduleFilter = filter.module === undefined ? undefined : filter.module === ROOT_MODULE_FILTER || filter.module === '' ? 'root' : parseModuleAddress(filter.module);
  const moduleCache = new Map<string, boolean>();
  const inModule = (raw: string): boolean => {
    if (moduleFilter === undefined) return true;
    if (moduleFilter === 'root') return raw === '';
    let verdict = moduleCache.get(raw);
    if (verdict === undefined) {
      verdict = startsWith(raw === '' ? [] : parseModuleAddress(raw), moduleFilter);
      moduleCache.set(raw, verdict);
    }
    return verdict;
  };
  return (resource) =>
    (types === undefined || types.has(resource.type)) &&
    (providers === undefined || providers.some((wanted) => providerMatches(resource.provider, wanted))) &&
    inModule(resource.module);
}

function startsWith(module: readonly ModuleStep[], prefix: readonly ModuleStep[]): boolean {
  if (module.length < prefix.length) return false;
  return prefix.every((step, i) => {
    const actual = module[i];
    return actual !== undefined && actual.name === step.name && (step.key === undefined || compareInstanceKeys(actual.key, step.key) === 0);
  });
}

/** The source address inside `provider["…"]`, or the whole string when it has another shape (legacy states). */
export function providerSource(provider: string): string {
  const match = /provider\["([^"]*)"\]/.exec(provider);
  return match?.[1] ?? provider;
}

function providerMatches(provider: string, wanted: string): boolean {
  if (wanted === provider) return true;
  const source = providerSource(provider);
  return wanted === source || source.endsWith(`/${wanted}`);
}
