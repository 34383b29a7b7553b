import { listInstanceAddresses } from '../../../address/state-instances.js';
import type { ResourceView } from '../resource-view.js';

/**
 * The `terraform state list` lines of one resource's instances, in
 * Terraform's order within the resource. The engine merges and sorts across
 * resources (entries of one address may be split over several resources).
 */
export function addresses(view: ResourceView): string[] {
  return listInstanceAddresses({
    version: 4,
    terraform_version: '',
    serial: 0,
    lineage: '',
    outputs: {},
    resources: [view.resource],
  });
}
