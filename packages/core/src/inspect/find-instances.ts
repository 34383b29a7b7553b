import { InvalidStateError, UsageError } from '../errors.js';
import { processState } from '../engine/engine.js';
import { builtinTask } from '../engine/pool/builtin-tasks.js';
import type { FoundInstanceMatch, ResourceFindOptions, ResourceFindResult } from '../engine/worker/tasks/resource-find.js';
import type { JsonValue } from '../json/json-value.js';
import { unwrapStateError, type InspectOptions } from './inspect-resources.js';
import { compileResourceFilter, type ResourceFilter } from './resource-filter.js';

export interface FindInstancesOptions extends InspectOptions, ResourceFilter {
  /** `KEY=VALUE` or `[key, value]`: the instance's `tags` (else `tags_all`) has exactly this value. All must hold. */
  tags?: readonly (string | readonly [string, string])[];
  /**
   * `PATH=VALUE` or `[path, value]`: the attribute at the dotted path
   * (`root_block_device.0.volume_size`) equals VALUE: a string as it is, a
   * number as written in the state, `true`/`false`/`null` as JSON. All must hold.
   */
  attrs?: readonly (string | readonly [string, string])[];
}

/** One matching resource instance, as `tempeh find` prints it. */
export interface FoundInstance {
  address: string;
  type: string;
  provider: string;
  /** Present for resources in a module. */
  module?: string;
  /** Present for instances of `count` or `for_each`, exactly as stored. */
  index_key?: JsonValue;
}

/**
 * The current resource instances (deposed objects left out) that match the
 * filter and every tag and attribute predicate, in the state's resource order
 * and, within a resource, instance order: results stream out as the state is
 * read, so memory stays bounded (unlike `listAddresses`, nothing is sorted).
 * The predicates run in the workers, next to the attributes.
 *
 * Throws UsageError for a predicate without `=`, InvalidAddressError for a
 * `module` filter that does not parse, InvalidStateError for an index key
 * that is neither a string nor an integer.
 */
export async function* findInstances(source: AsyncIterable<Uint8Array>, options: FindInstancesOptions = {}): AsyncGenerator<FoundInstance, void, undefined> {
  const keep = compileResourceFilter(options);
  const findOptions: ResourceFindOptions = { tags: (options.tags ?? []).map((p) => pair(p, 'tag')), attrs: (options.attrs ?? []).map((p) => pair(p, 'attr')) };
  const task = { ...builtinTask('resource-find'), options: { tags: findOptions.tags, attrs: findOptions.attrs } };
  try {
    for await (const { index, values } of processState(source, { ...options, tasks: [task] })) {
      const result: unknown = values[0];
      if (!isFindResult(result)) throw new InvalidStateError(`resources[${index}] gave no find result`, { location: `$.resources[${index}]` });
      if (result.matches.length === 0 || !keep(result)) continue;
      for (const match of result.matches) {
        const found: FoundInstance = { address: match.address, type: result.type, provider: result.provider };
        if (result.module !== '') found.module = result.module;
        if (match.index_key !== undefined) found.index_key = match.index_key;
        yield found;
      }
    }
  } catch (error) {
    throw unwrapStateError(error);
  }
}

function pair(predicate: string | readonly [string, string], kind: 'tag' | 'attr'): [string, string] {
  if (typeof predicate !== 'string') return [predicate[0], predicate[1]];
  const at = predicate.indexOf('=');
  if (at <= 0) {
    throw new UsageError(`${kind} predicate '${predicate}' has no ${kind === 'tag' ? 'KEY' : 'PATH'}=VALUE form`, {
      hint: kind === 'tag' ? 'write it as KEY=VALUE, e.g. --tag team=payments' : 'write it as PATH=VALUE, e.g. --attr instance_type=t3.micro',
    });
  }
  return [predicate.slice(0, at), predicate.slice(at + 1)];
}

function isFindResult(value: unknown): value is ResourceFindResult {
  if (typeof value !== 'object' || value === null) return false;
  return (
    ['type', 'provider', 'module', 'mode'].every((key) => typeof Reflect.get(value, key) === 'string') &&
    'matches' in value &&
    Array.isArray(value.matches) &&
    value.matches.every(isMatch)
  );
}

function isMatch(value: unknown): value is FoundInstanceMatch {
  return typeof value === 'object' && value !== null && 'address' in value && typeof value.address === 'string';
}
