import type { z } from 'zod';
import type { ConfigIssue } from '../errors.js';

type ZodIssue = z.core.$ZodIssue;

/**
 * Field names whose values must never appear in a message. Matched against
 * each segment of the path, so `auth.token` and `sslKey` are both covered.
 */
const SECRET_FIELD = /pass(word|wd|phrase)?|secret|token|key|credential|conn_?str|dsn|auth/i;

/** True when a dotted path names a field that may hold a secret. */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some((segment) => typeof segment === 'string' && SECRET_FIELD.test(segment));
}

/**
 * zod issues as ConfigIssues: one per bad field, each with its dotted path
 * (`prefix.field.sub`). An `unrecognized_keys` issue becomes one issue per
 * unknown key. For fields that may hold secrets (see `isSecretPath`) the
 * message is rebuilt from the issue's structure, because a custom zod
 * message could quote the value.
 */
export function zodIssuesToConfigIssues(issues: readonly ZodIssue[], prefix?: string): ConfigIssue[] {
  const result: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        result.push({ path: dottedPath([...issue.path, key], prefix), message: 'unknown field; remove it or check its spelling' });
      }
      continue;
    }
    const message = isSecretPath(issue.path) ? structuralMessage(issue) : issue.message;
    result.push({ path: dottedPath(issue.path, prefix), message });
  }
  return result;
}

/** `['environments', 'prod', 0]` → `environments.prod.0`, under `prefix` when given. */
export function dottedPath(path: readonly PropertyKey[], prefix?: string): string {
  const parts = path.map((segment) => (typeof segment === 'symbol' ? (segment.description ?? 'symbol') : String(segment)));
  if (prefix) parts.unshift(prefix);
  return parts.join('.');
}

/** A message that says what was expected without touching the value or zod's free-text message. */
function structuralMessage(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return `too short or too small (minimum ${String(issue.minimum)})`;
    case 'too_big':
      return `too long or too large (maximum ${String(issue.maximum)})`;
    case 'invalid_format':
      return `not a valid ${issue.format}`;
    default:
      return 'invalid value (not shown: the field may hold a secret)';
  }
}
