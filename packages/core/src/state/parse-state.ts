import type { z } from 'zod';
import { InvalidStateError, StateVersionError } from '../errors.js';
import { JsonNumber, formatJsonPath, isJsonObject } from '../json/json-value.js';
import { parseJson } from '../json/parse-json.js';
import { TerraformStateSchema } from './schema.js';
import type { TerraformState } from './types.js';

/** The only state format version Tempeh reads and writes. */
export const STATE_FORMAT_VERSION = 4;

/** Issues listed in one error message; the rest are counted. */
const MAX_LISTED_ISSUES = 20;

/**
 * Reads a Terraform v4 state from its JSON text or bytes, keeping
 * everything needed to write it back byte for byte (see `parseJson`).
 *
 * Throws InvalidStateError when the input is not JSON, not an object, has
 * no integer `version`, or does not match the v4 format (every problem is
 * listed with its path), and StateVersionError for any version but 4.
 */
export function parseState(input: string | Uint8Array): TerraformState {
  const document = parseJson(input);
  assertTerraformState(document);
  return document;
}

/**
 * Checks an already parsed value against the v4 format, with the same
 * errors as `parseState`. The value itself is not copied or changed.
 */
export function assertTerraformState(value: unknown): asserts value is TerraformState {
  if (!isJsonObject(value)) {
    throw new InvalidStateError(`a state is a JSON object, but this is ${describeKind(value)}`, { location: '$' });
  }
  // The version decides how the rest is read, so it is checked on its own
  // and first: a v3 state should say "migrate", not list v4 schema errors.
  const version = value['version'];
  if (version === undefined) {
    throw new InvalidStateError("the state has no 'version' key", { location: '$.version' });
  }
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new InvalidStateError(`the state's 'version' is ${describeKind(version)}, not an integer`, {
      location: '$.version',
    });
  }
  if (version !== STATE_FORMAT_VERSION) throw new StateVersionError(version);

  const issues: z.core.$ZodIssue[] = [];
  if (!matchesSchema(value, issues)) throw schemaError(issues);
}

/** True when `value` is a valid v4 state (the checks of `assertTerraformState`, without the error). */
export function isTerraformState(value: unknown): value is TerraformState {
  return TerraformStateSchema.safeParse(value).success;
}

/**
 * zod validates only: its output is a copy with keys in schema order, so
 * the original object is what the caller keeps.
 */
function matchesSchema(value: unknown, issues: z.core.$ZodIssue[]): value is TerraformState {
  const result = TerraformStateSchema.safeParse(value);
  if (result.success) return true;
  issues.push(...result.error.issues);
  return false;
}

function schemaError(issues: readonly z.core.$ZodIssue[]): InvalidStateError {
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => `  - ${formatJsonPath(issue.path)}: ${issue.message}`);
  if (issues.length > MAX_LISTED_ISSUES) listed.push(`  … and ${issues.length - MAX_LISTED_ISSUES} more`);
  const first = issues[0];
  return new InvalidStateError(`the state does not match Terraform's v4 state format:\n${listed.join('\n')}`, {
    location: first === undefined ? undefined : formatJsonPath(first.path),
  });
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof JsonNumber) return `the number ${value.raw}`;
  switch (typeof value) {
    case 'string':
      return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    default:
      return `a ${typeof value}`;
  }
}
