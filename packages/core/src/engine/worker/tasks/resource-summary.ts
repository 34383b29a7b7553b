import type { ResourceView } from '../resource-view.js';

/** What `stats` needs from one resource, without keeping its attributes. */
export interface ResourceSummary {
  type: string;
  name: string;
  provider: string;
  /** Module address; "" for the root module. */
  module: string;
  mode: string;
  /** Instances with a current object (not deposed). */
  instances: number;
  /** Current objects with `status: "tainted"`. */
  tainted: number;
  /** Deposed objects. */
  deposed: number;
  /** Entries in `sensitive_attributes` over all objects. */
  sensitiveAttributes: number;
  /** Size of the resource's bytes in the state file. */
  bytes: number;
}

export function resourceSummary(view: ResourceView): ResourceSummary {
  const resource = view.resource;
  let instances = 0;
  let tainted = 0;
  let deposed = 0;
  let sensitiveAttributes = 0;
  for (const instance of resource.instances) {
    if (typeof instance.deposed === 'string' && instance.deposed !== '') deposed++;
    else {
      instances++;
      if (instance.status === 'tainted') tainted++;
    }
    if (Array.isArray(instance.sensitive_attributes)) sensitiveAttributes += instance.sensitive_attributes.length;
  }
  return {
    type: resource.type,
    name: resource.name,
    provider: resource.provider,
    module: typeof resource.module === 'string' ? resource.module : '',
    mode: resource.mode,
    instances,
    tainted,
    deposed,
    sensitiveAttributes,
    bytes: view.bytes.byteLength,
  };
}
