import { InvalidStateError } from '../../../errors.js';
import type { ResourceView } from '../resource-view.js';
import { addresses } from './addresses.js';
import { fastResource } from './fast-resource.js';
import { resourceSummary, type ResourceSummary } from './resource-summary.js';

/** What the inspector (`list`, `stats`) needs from one resource: its summary and its `terraform state list` lines. */
export interface ResourceInspection extends ResourceSummary {
  /** The resource's instance addresses, in Terraform's order within the resource. */
  addresses: string[];
}

/**
 * The summary and address lines of one resource. Index keys are checked as
 * `parseState` checks them (an integer or a string): Terraform would
 * truncate 1.7 to [1], which silently changes the address, so the inspector
 * refuses such a state the way the rest of Tempeh does.
 *
 * Neither needs exact numbers, so the resource is read with the native
 * `JSON.parse` (several times faster than the lossless parser). Anything the
 * two could read differently (bytes that are not UTF-8, a number key not
 * written as a plain integer, not a resource object) goes through the
 * view's lossless parse, which gives the same result or the same error.
 */
export function resourceInspect(view: ResourceView): ResourceInspection {
  const resource = fastResource(view) ?? view.resource;
  const plain: ResourceView = {
    index: view.index,
    offset: view.offset,
    bytes: view.bytes,
    resource,
    get sha256() {
      return view.sha256;
    },
  };
  resource.instances.forEach((instance, instanceIndex) => {
    const key: unknown = instance.index_key;
    if (key === undefined || key === null || typeof key === 'string') return;
    // A JsonNumber (from the lossless parse) is a number not written as a plain integer; parseState's schema refuses it too.
    if (typeof key === 'number' && Number.isSafeInteger(key)) return;
    throw new InvalidStateError(`index_key ${describe(key)} is neither a string nor an integer`, {
      location: `$.resources[${view.index}].instances[${instanceIndex}].index_key`,
      hint: 'Terraform writes integer count keys and string for_each keys; fix the key by hand',
    });
  });
  return { ...resourceSummary(plain), addresses: addresses(plain) };
}

function describe(key: unknown): string {
  return typeof key === 'object' && key !== null && 'raw' in key && typeof key.raw === 'string' ? key.raw : JSON.stringify(key) ?? String(key);
}
