import type { ResourceInstanceAddress } from '../../address/types.js';
import type { JsonNumber, JsonValue } from '../../json/json-value.js';

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

/**
 * The identity of one state, from its top-level fields. A field the state
 * lacks, or holds with another JSON type, is absent.
 */
export interface StateHeader {
  lineage?: string;
  /** A JsonNumber when it does not fit a double exactly (Terraform's serial is a uint64). */
  serial?: number | JsonNumber;
  terraformVersion?: string;
}

/** Both states' identities: a diff of two serials of one lineage is the usual case; other lineages are other states. */
export interface DiffHeader {
  before: StateHeader;
  after: StateHeader;
}

/** How a diff is computed. */
export interface DiffOptions {
  /**
   * Show the values at sensitive paths and of sensitive outputs instead of
   * `"(sensitive)"`. Default false: a diff is printed, piped and pasted,
   * and secrets must not travel with it unless asked for.
   */
  showSensitive?: boolean;
}

/** The differences between two states, instance by instance, in `terraform state list` order. */
export interface StateDiff {
  /** Both states' lineage, serial and Terraform version, when the diff was computed from their bytes (`diffStateSources`). */
  header?: DiffHeader;
  added: string[];
  removed: string[];
  changed: ChangedInstance[];
  /** Root outputs that differ, by name (byte order). */
  outputs: OutputChange[];
}

/** The text put in place of a sensitive value. */
export const SENSITIVE_MASK = '(sensitive)';
