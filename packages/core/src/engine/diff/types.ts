import type { ResourceInstanceAddress } from '../../address/types.js';
import type { JsonValue } from '../../json/json-value.js';

/**
 * One step of a path into an instance's attributes, in the shape Terraform
 * writes `sensitive_attributes` steps: an object member is `get_attr` (the
 * state has no schema, so a map key is a `get_attr` too), an array element is
 * `index` with its position.
 */
export type AttributePathStep = { type: 'get_attr'; value: string } | { type: 'index'; value: number };

export type ChangeKind = 'added' | 'removed' | 'changed';

/**
 * One difference between two objects of the same resource instance.
 * `before` is absent for `added`, `after` for `removed`, and both for a
 * change of `private` (opaque provider data, never shown). Values at or
 * under a sensitive path are the string `"(sensitive)"`.
 */
export interface AttributeChange {
  /**
   * The instance field that differs: `attributes` for provider attributes,
   * else the field's own name (`status`, `schema_version`, `dependencies`,
   * `private`, `create_before_destroy`, `sensitive_attributes`, `provider`, …).
   */
  field: string;
  /** Steps inside the field; empty when the field differs as a whole. */
  path: AttributePathStep[];
  /** The path printed: `input.value.tags.Name`, `subnets[0].cidr`, `["odd key"]`; the field name for other fields. */
  text: string;
  kind: ChangeKind;
  before?: JsonValue;
  after?: JsonValue;
}

/** The attribute-level changes of one resource instance present in both states. */
export interface ChangedInstance {
  /** The instance address, with ` (deposed object KEY)` after it for a deposed object. */
  address: string;
  changes: AttributeChange[];
}

/** One root output that differs; values of an output marked sensitive on either side are `"(sensitive)"`. */
export interface OutputChange {
  name: string;
  kind: ChangeKind;
  sensitive: boolean;
  before?: JsonValue;
  after?: JsonValue;
}

/**
 * The differences of one resource (all its instances and deposed objects),
 * as `diffResource` computes them. Lists are in `terraform state list` order.
 */
export interface ResourceDiff {
  /** The resource's address (no instance key), for ordering parts; absent when both sides were absent. */
  resource?: ResourceInstanceAddress;
  added: string[];
  removed: string[];
  changed: ChangedInstance[];
}

/** The differences between two states, instance by instance, in `terraform state list` order. */
export interface StateDiff {
  added: string[];
  removed: string[];
  changed: ChangedInstance[];
  /** Root outputs that differ, by name (byte order). */
  outputs: OutputChange[];
}

/** The text put in place of a sensitive value. */
export const SENSITIVE_MASK = '(sensitive)';
