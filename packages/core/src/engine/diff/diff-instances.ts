import { JsonNumber, isJsonObject, type JsonValue } from '../../json/json-value.js';
import type { StateInstance } from '../../state/types.js';
import { jsonEqual } from './json-equal.js';
import { SensitivePaths } from './sensitive-paths.js';
import type { AttributeChange, AttributePathStep, ChangeKind, DiffOptions } from './types.js';

// Fields that identify the object rather than describe it, or that are
// handled on their own below.
const SKIPPED_FIELDS = new Set(['index_key', 'deposed', 'attributes', 'private']);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * The differences between two objects of one resource instance: attributes
 * member by member (objects by key, arrays by position), then every other
 * field that matters (`status`, `schema_version`, `dependencies`,
 * `sensitive_attributes`, `create_before_destroy`, `identity`, …) as a whole,
 * and `private` without its opaque value. Values at or under a path listed in
 * either side's `sensitive_attributes` are `"(sensitive)"`. Attribute changes
 * come first, in key order, then the other fields by name.
 */
export function diffInstances(before: StateInstance, after: StateInstance, options: DiffOptions = {}): AttributeChange[] {
  const sensitive = options.showSensitive === true ? new SensitivePaths([]) : SensitivePaths.from(before.sensitive_attributes, after.sensitive_attributes);
  const changes: AttributeChange[] = [];
  diffValues(before.attributes ?? {}, after.attributes ?? {}, [], changes, sensitive);

  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((field) => !SKIPPED_FIELDS.has(field)).sort();
  for (const field of fields) {
    const x = toJsonValue(before[field]);
    const y = toJsonValue(after[field]);
    if (x === undefined && y === undefined) continue;
    if (x !== undefined && y !== undefined && jsonEqual(x, y)) continue;
    changes.push(fieldChange(field, x, y));
  }
  if (!samePrivate(before.private, after.private)) {
    // The provider's private data is opaque bytes (often secrets): only say that it changed.
    changes.push({ field: 'private', path: [], text: 'private', kind: kindOf(before.private, after.private) });
  }
  return changes;
}

/** `private` is a base64 string as Terraform writes it; anything else a hand-edited state holds there compares as JSON. */
function samePrivate(before: unknown, after: unknown): boolean {
  if (before === after) return true;
  const x = toJsonValue(before);
  const y = toJsonValue(after);
  return x !== undefined && y !== undefined && typeof x !== 'string' && typeof y !== 'string' && jsonEqual(x, y);
}

/** A whole-field change (also used for resource-level fields such as `provider`). */
export function fieldChange(field: string, before: JsonValue | undefined, after: JsonValue | undefined): AttributeChange {
  const change: AttributeChange = { field, path: [], text: field, kind: kindOf(before, after) };
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  return change;
}

function kindOf(before: unknown, after: unknown): ChangeKind {
  if (before === undefined) return 'added';
  if (after === undefined) return 'removed';
  return 'changed';
}

/** Instance fields are typed `unknown` for keys Tempeh does not know; a parsed state holds only JSON there. */
function toJsonValue(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  return isJsonValue(value) ? value : String(value);
}

function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (value instanceof JsonNumber) return true;
  if (Array.isArray(value)) return value.every(isJsonValue);
  return isJsonObject(value) && Object.values(value).every(isJsonValue);
}

function diffValues(before: JsonValue, after: JsonValue, path: (string | number)[], out: AttributeChange[], sensitive: SensitivePaths): void {
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    for (let index = 0; index < length; index++) diffMember(before[index], after[index], [...path, index], out, sensitive);
    return;
  }
  if (isJsonObject(before) && isJsonObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      diffMember(Object.hasOwn(before, key) ? before[key] : undefined, Object.hasOwn(after, key) ? after[key] : undefined, [...path, key], out, sensitive);
    }
    return;
  }
  if (jsonEqual(before, after)) return;
  out.push(attributeChange(path, before, after, sensitive));
}

function diffMember(before: JsonValue | undefined, after: JsonValue | undefined, path: (string | number)[], out: AttributeChange[], sensitive: SensitivePaths): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined || after === undefined) {
    out.push(attributeChange(path, before, after, sensitive));
    return;
  }
  diffValues(before, after, path, out, sensitive);
}

function attributeChange(path: (string | number)[], before: JsonValue | undefined, after: JsonValue | undefined, sensitive: SensitivePaths): AttributeChange {
  const change: AttributeChange = { field: 'attributes', path: path.map(toStep), text: formatAttributePath(path), kind: kindOf(before, after) };
  if (before !== undefined) change.before = sensitive.mask(before, path);
  if (after !== undefined) change.after = sensitive.mask(after, path);
  return change;
}

function toStep(key: string | number): AttributePathStep {
  return typeof key === 'number' ? { type: 'index', value: key } : { type: 'get_attr', value: key };
}

/** `input.value.tags.Name`, `subnets[0]`, `tags["a b"]`: members as `.name` when they are identifiers, else quoted in brackets. */
export function formatAttributePath(path: readonly (string | number)[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (IDENTIFIER.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}
