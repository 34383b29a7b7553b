import { randomUUID } from 'node:crypto';
import { assertTerraformState } from './parse-state.js';
import type { TerraformState } from './types.js';

/**
 * The `terraform_version` Tempeh writes into states it creates: the
 * Terraform release whose formats Tempeh is checked against.
 */
export const DEFAULT_TERRAFORM_VERSION = '1.11.4';

export interface CreateStateOptions {
  /** Default: a fresh random UUID, as Terraform makes one. */
  lineage?: string;
  /** Default: DEFAULT_TERRAFORM_VERSION. */
  terraformVersion?: string;
  /** Default 0: never written. Terraform's first write of a new state stores serial 1. */
  serial?: number;
}

/**
 * An empty v4 state with Terraform's keys in Terraform's order, as
 * `terraform workspace new` writes it (`outputs: {}`, `resources: []`,
 * `check_results: null`). Throws InvalidStateError for an option that would
 * make it invalid (a lineage that is not UUID-shaped, a negative serial).
 */
export function createState(options: CreateStateOptions = {}): TerraformState {
  const state = {
    version: 4,
    terraform_version: options.terraformVersion ?? DEFAULT_TERRAFORM_VERSION,
    serial: options.serial ?? 0,
    lineage: options.lineage ?? randomUUID(),
    outputs: {},
    resources: [],
    check_results: null,
  };
  assertTerraformState(state);
  return state;
}
