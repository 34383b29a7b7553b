import { exactDigest } from '../../diff/digests.js';
import { readResourceHead, resourceKey } from '../../diff/resource-key.js';
import type { ResourceView } from '../resource-view.js';
import { fastResource } from './fast-resource.js';
import { asModuleFieldError, ModuleCache } from './module-cache.js';

/** What `resource-digest` returns for one resource: enough to match it across two states and to see that it is unchanged. */
export interface ResourceDigest {
  /** `resourceKey`: a digest of the resource's address, 16 bytes; equal for every entry of one address. */
  key: Uint8Array;
  /** `exactDigest` of the resource's bytes: the first 16 bytes of their sha256. */
  digest: Uint8Array;
  /** Length of the resource's bytes in the input. */
  bytes: number;
}

// One per thread: resources of one module come one after another.
const modules = new ModuleCache();

/**
 * The key and digest of one resource, for `diffStateSources`. The key comes
 * from the resource's head alone (`readResourceHead`) and the digest is a
 * sha256 of the bytes, so the bulk of the resource is never parsed, nor
 * even looked at by JavaScript: a resource with the same bytes on both
 * sides needs nothing more. A resource whose head cannot be read alone is
 * parsed whole.
 */
export function resourceDigest(view: ResourceView): ResourceDigest {
  const head = readResourceHead(view.bytes) ?? fastResource(view) ?? view.resource;
  let key: Uint8Array;
  try {
    key = resourceKey(head, modules);
  } catch (error) {
    throw asModuleFieldError(error, view.index);
  }
  return { key, digest: exactDigest(view.bytes), bytes: view.bytes.byteLength };
}
