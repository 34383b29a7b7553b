import type { ValidationFinding } from '@tempeh/core';
import { SEVERITY_RANK, type RuleMeta, type Severity } from './rules/catalog.js';

/**
 * One thing a rule found: `{ rule, severity, address, path, message }`
 * (core's ValidationFinding, which ValidationError carries). Plain data:
 * findings cross from the worker threads and go out as JSON and SARIF. A
 * finding never holds a secret: security rules put a masked prefix in
 * `message` and say where it is. `address` is a resource instance address,
 * `output.NAME`, or null for the state as a whole; `path` is where inside
 * it (`attributes.password`, `lineage`), or null.
 */
export type Finding = ValidationFinding;

/** Counts per severity, and the verdict against a threshold. */
export interface FindingSummary {
  error: number;
  warning: number;
  info: number;
  total: number;
}

export function summarize(findings: readonly Finding[]): FindingSummary {
  const summary: FindingSummary = { error: 0, warning: 0, info: 0, total: findings.length };
  for (const finding of findings) summary[finding.severity]++;
  return summary;
}

/** True when some finding is at `threshold` or worse. */
export function reaches(findings: readonly Finding[], threshold: Severity): boolean {
  return findings.some((finding) => SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[threshold]);
}

/** Makes findings for one rule; the rule's severity is filled in. */
export function findingOf(meta: RuleMeta, address: string | null, path: string | null, message: string): Finding {
  return { rule: meta.id, severity: meta.severity, address, path, message };
}

/**
 * What may be shown of a secret: its first four characters when it is long
 * enough that four do not give it away, and its length.
 */
export function maskSecret(value: string): string {
  const shown = value.length >= 20 ? value.slice(0, 4) : '';
  return `${shown}${'*'.repeat(4)} (${value.length} characters)`;
}

/** Orders findings by severity (worst first), then address, path and rule. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    (a.address ?? '').localeCompare(b.address ?? '') ||
    (a.path ?? '').localeCompare(b.path ?? '') ||
    a.rule.localeCompare(b.rule)
  );
}
