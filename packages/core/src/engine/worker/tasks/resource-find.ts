import { formatAddress } from '../../../address/format.js';
import { toGoString } from '../../../address/go-string.js';
import { parseModuleAddress } from '../../../address/parse.js';
import { InvalidStateError, UsageError } from '../../../errors.js';
import { isJsonObject, JsonNumber, type JsonValue } from '../../../json/json-value.js';
import type { InstanceKey } from '../../../state/types.js';
import type { ResourceView } from '../resource-view.js';
import type { WorkerTaskDefinition } from '../task-module.js';
import { fastResource } from './fast-resource.js';

/** The options of `resource-find`: instance predicates that need the attributes, so they run in the workers. */
export interface ResourceFindOptions {
  /** `[key, value]`: the instance's `tags` (or, failing that, `tags_all`) has `key` set to exactly `value`. All must hold. */
  tags: [string, string][];
  /** `[path, value]`: the attribute at the dotted path (`a.b.0.c`) prints as `value`. All must hold. */
  attrs: [string, string][];
}

/** One current instance that matched. */
export interface FoundInstanceMatch {
  address: string;
  /** `index_key` exactly as stored, when the instance has one. */
  index_key?: JsonValue;
}

/** What `resource-find` returns for one resource. */
export interface ResourceFindResult {
  type: string;
  provider: string;
  /** Module address; "" for the root module. */
  module: string;
  mode: string;
  matches: FoundInstanceMatch[];
}

interface Compiled {
  tags: [string, string][];
  attrs: [string[], string][];
}

/**
 * The current instances of a resource whose attributes satisfy every tag and
 * attribute predicate, with their addresses. Deposed objects are not
 * instances a user looks for, and are left out.
 */
export const resourceFind: WorkerTaskDefinition<Compiled> = {
  init(options) {
    if (!isJsonObject(options)) throw new UsageError('resource-find needs options { tags, attrs }');
    return { tags: pairs(options.tags, 'tags'), attrs: pairs(options.attrs, 'attrs').map(([p, v]): [string[], string] => [p.split('.'), v]) };
  },
  map(view: ResourceView, compiled: Compiled): ResourceFindResult {
    // Attribute predicates compare numbers as written, which only the lossless parse keeps; tags are strings.
    const resource = (compiled.attrs.length === 0 ? fastResource(view) : undefined) ?? view.resource;
    const moduleText = typeof resource.module === 'string' ? resource.module : '';
    const module = moduleText === '' ? [] : parseModuleAddress(moduleText);
    const mode = resource.mode === 'data' ? 'data' : 'managed';
    const matches: FoundInstanceMatch[] = [];
    for (const instance of resource.instances) {
      if (typeof instance.deposed === 'string' && instance.deposed !== '') continue;
      const attributes: JsonValue = instance.attributes ?? {};
      if (!compiled.tags.every(([key, value]) => tagOf(attributes, key) === value)) continue;
      if (!compiled.attrs.every(([path, value]) => printed(at(attributes, path)) === value)) continue;
      const stored = instance.index_key;
      const key = instanceKey(stored, view.index);
      const address = formatAddress({ module, mode, type: resource.type, name: resource.name, ...(key === undefined ? {} : { key }) });
      matches.push(stored === undefined || stored === null ? { address } : { address, index_key: stored });
    }
    return { type: resource.type, provider: resource.provider, module: moduleText, mode: resource.mode, matches };
  },
};

function pairs(value: JsonValue | undefined, name: string): [string, string][] {
  if (!Array.isArray(value)) throw new UsageError(`resource-find option '${name}' must be an array of [string, string]`);
  return value.map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw new UsageError(`resource-find option '${name}' must be an array of [string, string]`);
    }
    return [pair[0], pair[1]];
  });
}

function tagOf(attributes: JsonValue, key: string): JsonValue | undefined {
  for (const field of ['tags', 'tags_all']) {
    const tags = at(attributes, [field]);
    if (isJsonObject(tags) && key in tags) return tags[key];
  }
  return undefined;
}

function at(value: JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let current = value;
  for (const step of path) {
    if (Array.isArray(current)) current = /^\d+$/.test(step) ? current[Number(step)] : undefined;
    else if (isJsonObject(current)) current = Object.hasOwn(current, step) ? current[step] : undefined;
    else return undefined;
  }
  return current;
}

/** How a value compares with the text of a predicate: strings as they are, numbers as written, other scalars as JSON. */
function printed(value: JsonValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof JsonNumber) return value.raw;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return undefined;
}

/** The key as Terraform reads it; anything but a string or an integer is refused, as `parseState` refuses it. */
function instanceKey(raw: unknown, resourceIndex: number): InstanceKey | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return toGoString(raw);
  // `+ 0` turns -0 into 0.
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw + 0;
  throw new InvalidStateError(`an index_key of resources[${resourceIndex}] is neither a string nor an integer`, {
    location: `$.resources[${resourceIndex}]`,
    hint: 'Terraform writes integer count keys and string for_each keys; fix the key by hand',
  });
}
