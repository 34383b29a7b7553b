import {
  isTempehError,
  processState,
  type EngineMode,
  type EnginePool,
  type EngineProgress,
  type JsonValue,
  type WorkerTask,
} from '@tempeh/core';
import { compareFindings, findingOf, type Finding, type FindingSummary } from './findings.js';
import { BUILTIN_RULES, builtinRule, type RuleMeta, type Severity } from './rules/catalog.js';
import type { ResourceCheck } from './rules/resource-rules.js';
import { CrossResourceIndex, checkTopLevel } from './rules/state-rules.js';

/**
 * The built-in rules' worker task (export `validateResource` of
 * `@tempeh/plugin-validate/worker`), named by an absolute file URL so every
 * worker resolves it alike. It points into dist/ from src/ as well (tests
 * run the sources, workers need the compiled module): both sit one level
 * below the package root.
 */
export const VALIDATE_TASK: WorkerTask = { module: new URL('../dist/worker/validate-task.js', import.meta.url).href, export: 'validateResource' };

/**
 * A rule a plugin adds. Its `task` runs in the workers on every resource
 * (see docs/pipelines.md, "Writing a worker task") and returns an array of
 * `{ path?, message, address?, severity? }`; the rule's ID and default
 * severity come from `meta`, the address defaults to the resource's.
 */
export interface CustomRule {
  meta: RuleMeta;
  task: WorkerTask;
}

export interface ValidateOptions {
  /** Only these rule IDs (built-in or custom). Default: all. */
  rules?: readonly string[];
  /** Rules of plugins, run in the workers beside the built-in ones. */
  customRules?: readonly CustomRule[];
  /** Findings kept at most (the summary still counts every one). Default 10 000. */
  maxFindings?: number;
  threads?: number;
  pool?: EnginePool;
  size?: number;
  /** An open file descriptor on exactly the input's bytes: see ProcessStateOptions.fd (taken from `source.fd` by default). */
  fd?: number;
  inProcessBelowBytes?: number;
  signal?: AbortSignal;
  onProgress?: (progress: EngineProgress) => void;
}

export interface ValidationReport {
  /** Worst first, then by address; at most `maxFindings`. */
  findings: Finding[];
  /** Counts over every finding, kept or not. */
  summary: FindingSummary;
  /** Findings left out beyond `maxFindings`. */
  truncated: number;
  /** The rules that ran (for SARIF's rule metadata). */
  rules: RuleMeta[];
  resources: number;
  mode: EngineMode | undefined;
}

const DEFAULT_MAX_FINDINGS = 10_000;

/**
 * Validates one state, streamed: the per-resource rules run in the worker
 * pool (or in-process for a small state), the top-level and cross-resource
 * rules on this thread over small per-resource records. A state that is not
 * JSON at all is a TV001 finding, not an exception; failures of the input
 * itself (I/O, cancellation) are thrown.
 */
export async function validateState(source: AsyncIterable<Uint8Array>, options: ValidateOptions = {}): Promise<ValidationReport> {
  const custom = options.customRules ?? [];
  const enabled = options.rules === undefined ? undefined : new Set(options.rules);
  const rules = [...BUILTIN_RULES, ...custom.map((rule) => rule.meta)].filter((meta) => enabled === undefined || enabled.has(meta.id));
  const collector = new FindingCollector(options.maxFindings ?? DEFAULT_MAX_FINDINGS, enabled);
  const found: Finding[] = [];
  const across = new CrossResourceIndex(found);
  const processing = processState(source, {
    tasks: [VALIDATE_TASK, ...custom.map((rule) => rule.task)],
    threads: options.threads,
    pool: options.pool,
    size: options.size,
    ...(options.fd === undefined ? {} : { fd: options.fd }),
    inProcessBelowBytes: options.inProcessBelowBytes,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  try {
    for await (const { index, values } of processing) {
      const check = values[0] as ResourceCheck;
      collector.addAll(check.findings);
      across.add(check.record);
      for (const [i, rule] of custom.entries()) collector.addAll(customFindings(rule.meta, values[i + 1], check.record.address ?? `resources[${index}]`));
    }
  } catch (error) {
    if (!isTempehError(error) || error.code !== 'TEMPEH_E_INVALID_STATE') throw error;
    const location = 'location' in error && typeof error.location === 'string' ? ` (${error.location})` : '';
    collector.add(findingOf(builtinRule('TV001'), null, null, `the state cannot be read${location}: ${error.message}`));
    return collector.report(rules, across.resources, processing.mode);
  }
  const parsedTop = checkTopLevel(processing.summary.fields, processing.summary.keyOrder, found);
  across.finish(parsedTop);
  collector.addAll(found);
  return collector.report(rules, across.resources, processing.mode);
}

/** A plugin task's result as findings; anything malformed becomes one finding saying so. */
function customFindings(meta: RuleMeta, value: unknown, address: string): Finding[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [findingOf(meta, address, null, `rule ${meta.id} returned something other than an array of findings`)];
  return value.map((item: unknown) => {
    const entry = typeof item === 'object' && item !== null ? (item as Record<string, JsonValue>) : {};
    const severity = entry['severity'] === 'error' || entry['severity'] === 'warning' || entry['severity'] === 'info' ? (entry['severity'] as Severity) : meta.severity;
    return {
      rule: meta.id,
      severity,
      address: typeof entry['address'] === 'string' ? entry['address'] : address,
      path: typeof entry['path'] === 'string' ? entry['path'] : null,
      message: typeof entry['message'] === 'string' ? entry['message'] : String(item),
    };
  });
}

/** Keeps at most `max` findings (the worst ones win a place), counting all. */
class FindingCollector {
  readonly #max: number;
  readonly #enabled: ReadonlySet<string> | undefined;
  readonly #kept: Finding[] = [];
  #counts: FindingSummary = { error: 0, warning: 0, info: 0, total: 0 };
  #dropped = 0;

  constructor(max: number, enabled: ReadonlySet<string> | undefined) {
    this.#max = max;
    this.#enabled = enabled;
  }

  add(finding: Finding): void {
    if (this.#enabled !== undefined && !this.#enabled.has(finding.rule)) return;
    this.#counts[finding.severity]++;
    this.#counts.total++;
    this.#kept.push(finding);
    // Sorting on every overflow would be quadratic; trim in bulk once the list is twice the cap.
    if (this.#kept.length >= this.#max * 2) this.#trim();
  }

  addAll(findings: readonly Finding[]): void {
    for (const finding of findings) this.add(finding);
  }

  #trim(): void {
    this.#kept.sort(compareFindings);
    this.#dropped += this.#kept.length - this.#max;
    this.#kept.length = this.#max;
  }

  report(rules: RuleMeta[], resources: number, mode: EngineMode | undefined): ValidationReport {
    if (this.#kept.length > this.#max) this.#trim();
    this.#kept.sort(compareFindings);
    return { findings: this.#kept, summary: { ...this.#counts, total: this.#counts.total }, truncated: this.#dropped, rules, resources, mode };
  }
}

