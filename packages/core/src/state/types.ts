import type { JsonObject, JsonValue } from '../json/json-value.js';

/**
 * Terraform state format v4, as written by Terraform ≥ 0.12 and OpenTofu.
 * Key order in these interfaces is Terraform's own serialisation order.
 * Every object may carry keys Tempeh does not know; they are preserved.
 */
export interface TerraformState {
  version: 4;
  terraform_version: string;
  serial: number;
  lineage: string;
  outputs: Record<string, StateOutput>;
  resources: StateResource[];
  check_results?: CheckResult[] | null;
  [unknown: string]: unknown;
}

export interface StateOutput {
  value: JsonValue;
  /** cty type JSON: "string", ["tuple", [...]], ["object", {...}] */
  type: JsonValue;
  sensitive?: boolean;
  [unknown: string]: unknown;
}

export type ResourceMode = 'managed' | 'data';

export interface StateResource {
  /** Module instance address, e.g. `module.app["blue"].module.db`; absent for the root module. */
  module?: string;
  mode: ResourceMode;
  type: string;
  name: string;
  /** Legacy (pre-1.0) expansion marker: "list" | "map". */
  each?: string;
  provider: string;
  instances: StateInstance[];
  [unknown: string]: unknown;
}

/** An instance key: a number for `count`, a string for `for_each`. */
export type InstanceKey = number | string;

export interface StateInstance {
  index_key?: InstanceKey;
  status?: string;
  deposed?: string;
  schema_version: number;
  attributes?: JsonObject;
  attributes_flat?: Record<string, string>;
  sensitive_attributes?: JsonValue[];
  identity_schema_version?: number;
  identity?: JsonObject;
  private?: string;
  dependencies?: string[];
  create_before_destroy?: boolean;
  [unknown: string]: unknown;
}

export interface CheckResult {
  object_kind: string;
  config_addr: string;
  status: string;
  objects: CheckResultObject[] | null;
  [unknown: string]: unknown;
}

export interface CheckResultObject {
  object_addr: string;
  status: string;
  failure_messages?: string[];
  [unknown: string]: unknown;
}
