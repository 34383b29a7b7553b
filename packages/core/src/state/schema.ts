import { z } from 'zod';
import { JsonNumber, isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import type { TerraformState } from './types.js';

/*
 * zod schemas for Terraform state format v4, mirroring the Go structs
 * Terraform reads (internal/states/statefile/version4.go). Every object is a
 * looseObject: keys Tempeh does not know are allowed and, since parseState
 * returns the parsed object rather than zod's copy, preserved.
 *
 * Free-form JSON (attributes, output values, cty types) is checked with
 * z.custom guards that look at the outer value only: the parser already
 * guarantees the inside is JSON, and walking it would only cost time.
 */

/** Terraform lineages are UUID-shaped but do not carry RFC 4122 version bits. */
export const LINEAGE_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A deposed object's key: 8 hex digits (Terraform's states.NewDeposedKey). */
export const DEPOSED_KEY_PATTERN = /^[0-9a-f]{8}$/i;

/** What hashicorp/go-version accepts, which Terraform uses to read `terraform_version`. */
export const TERRAFORM_VERSION_PATTERN = /^v?[0-9]+(\.[0-9]+)*(-?[0-9A-Za-z~-]+(\.[0-9A-Za-z~-]+)*)?(\+[0-9A-Za-z~-]+(\.[0-9A-Za-z~-]+)*)?$/;

/** Go's encoding/base64 StdEncoding, which decodes the `private` []byte. */
export const PRIVATE_BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isJsonValueShallow(value: unknown): value is JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      return value === null || Array.isArray(value) || value instanceof JsonNumber || isJsonObject(value);
    default:
      return false;
  }
}

/** Any JSON value (checked one level deep). */
export const JsonValueSchema = z.custom<JsonValue>(isJsonValueShallow, { message: 'expected a JSON value' });

/** A JSON object (not an array, not null), checked one level deep and never copied. */
export const JsonObjectSchema = z.custom<JsonObject>(isJsonObject, { message: 'expected a JSON object' });

export const StateOutputSchema = z.looseObject({
  value: JsonValueSchema,
  type: JsonValueSchema,
  sensitive: z.boolean().optional(),
});

export const ResourceModeSchema = z.enum(['managed', 'data']);

export const InstanceKeySchema = z.union([z.int(), z.string()]);

export const StateInstanceSchema = z.looseObject({
  index_key: InstanceKeySchema.optional(),
  status: z.string().optional(),
  deposed: z.string().regex(DEPOSED_KEY_PATTERN, 'expected 8 hex digits').optional(),
  schema_version: z.int().nonnegative(),
  attributes: JsonObjectSchema.optional(),
  attributes_flat: z.record(z.string(), z.string()).optional(),
  sensitive_attributes: z.array(JsonValueSchema).optional(),
  identity_schema_version: z.int().nonnegative().optional(),
  identity: JsonObjectSchema.optional(),
  private: z.string().regex(PRIVATE_BASE64_PATTERN, 'expected base64 (standard alphabet, padded)').optional(),
  dependencies: z.array(z.string()).optional(),
  create_before_destroy: z.boolean().optional(),
});

export const StateResourceSchema = z.looseObject({
  module: z.string().optional(),
  mode: ResourceModeSchema,
  type: z.string().min(1),
  name: z.string().min(1),
  each: z.enum(['list', 'map']).optional(),
  provider: z.string().min(1),
  instances: z.array(StateInstanceSchema),
});

/**
 * A fast check for the common case, written beside the schema it mirrors:
 * true only when every field has the type the schema wants (so
 * `StateResourceSchema.safeParse` would succeed), false whenever anything
 * is unusual, including shapes the schema accepts. Validating millions of
 * resources, zod's walk costs more than the rules; run zod only where this
 * says false, to get its issues. Test: test/state/quick-check.test.ts.
 */
export function isPlainStateResource(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  const { mode, type, name, provider, module, each, instances } = value;
  if ((mode !== 'managed' && mode !== 'data') || !nonEmptyString(type) || !nonEmptyString(name) || !nonEmptyString(provider)) return false;
  if ((module !== undefined && typeof module !== 'string') || (each !== undefined && each !== 'list' && each !== 'map')) return false;
  if (!Array.isArray(instances)) return false;
  for (const instance of instances) if (!isPlainInstance(instance)) return false;
  return true;
}

function isPlainInstance(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  const { index_key, status, deposed, schema_version, attributes, attributes_flat, sensitive_attributes, identity_schema_version, identity } = value;
  if (!nonNegativeInteger(schema_version)) return false;
  if (index_key !== undefined && typeof index_key !== 'string' && !Number.isSafeInteger(index_key)) return false;
  if (status !== undefined && typeof status !== 'string') return false;
  if (deposed !== undefined && !(typeof deposed === 'string' && DEPOSED_KEY_PATTERN.test(deposed))) return false;
  if (attributes !== undefined && !isJsonObject(attributes)) return false;
  if (attributes_flat !== undefined && !(isJsonObject(attributes_flat) && Object.values(attributes_flat).every((v) => typeof v === 'string'))) return false;
  if (sensitive_attributes !== undefined && !(Array.isArray(sensitive_attributes) && sensitive_attributes.every(isJsonValueShallow))) return false;
  if (identity_schema_version !== undefined && !nonNegativeInteger(identity_schema_version)) return false;
  if (identity !== undefined && !isJsonObject(identity)) return false;
  const { private: privateData, dependencies, create_before_destroy } = value;
  if (privateData !== undefined && !(typeof privateData === 'string' && PRIVATE_BASE64_PATTERN.test(privateData))) return false;
  if (dependencies !== undefined && !(Array.isArray(dependencies) && dependencies.every((d) => typeof d === 'string'))) return false;
  return create_before_destroy === undefined || typeof create_before_destroy === 'boolean';
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function nonNegativeInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export const CheckResultObjectSchema = z.looseObject({
  object_addr: z.string(),
  status: z.string(),
  failure_messages: z.array(z.string()).optional(),
});

export const CheckResultSchema = z.looseObject({
  object_kind: z.string(),
  config_addr: z.string(),
  status: z.string(),
  objects: z.array(CheckResultObjectSchema).nullable(),
});

export const TerraformStateSchema = z.looseObject({
  version: z.literal(4),
  terraform_version: z.string().regex(TERRAFORM_VERSION_PATTERN, 'expected a version such as 1.11.4'),
  serial: z.int().nonnegative(),
  lineage: z.string().regex(LINEAGE_PATTERN, 'expected a UUID-shaped lineage (8-4-4-4-12 hex digits)'),
  outputs: z.record(z.string(), StateOutputSchema),
  resources: z.array(StateResourceSchema),
  // Written by Terraform ≥ 1.5 (null when there are no checks); absent before.
  check_results: z.array(CheckResultSchema).nullable().optional(),
});

// The type guard in parse-state.ts claims that whatever passes the schema is
// a TerraformState; this fails to compile when the two drift apart.
type Assert<T extends true> = T;
type SchemaMatchesTypes = Assert<z.output<typeof TerraformStateSchema> extends TerraformState ? true : false>;
