import { JsonNumber, isJsonObject, type JsonValue } from '../../json/json-value.js';
import { SENSITIVE_MASK } from './types.js';

// `sensitive_attributes` holds cty paths: `[[{"type":"get_attr","value":"input"},
// {"type":"get_attr","value":"token"}]]`, index steps as
// `{"type":"index","value":{"value":"k","type":"string"}}` (the key as
// cty's dynamic JSON; a bare key is accepted too). The state's attribute JSON
// is not cty, though: a dynamically typed attribute (terraform_data's
// `input`) is stored as `{"value": …, "type": …}`, so the cty path
// `input.token` names the JSON path `input.value.token`. Matching therefore
// may step over a `value` member the cty path does not mention. That can
// mask a little more than Terraform would, never less, which is the safe
// side for secrets.

/** A path step as matched against JSON: a member name, an array position, or anything (a set element). */
type SensitiveStep = string | number | typeof ANY;

const ANY: unique symbol = Symbol('any element');

/** The sensitive paths of one or more instance objects, ready to match JSON paths against. */
export class SensitivePaths {
  private readonly paths: SensitiveStep[][];

  constructor(paths: SensitiveStep[][]) {
    this.paths = paths;
  }

  /** Reads `sensitive_attributes` of each side; values that are not paths are ignored. */
  static from(...lists: (JsonValue[] | undefined)[]): SensitivePaths {
    const paths: SensitiveStep[][] = [];
    for (const list of lists) {
      if (!Array.isArray(list)) continue;
      for (const path of list) {
        const steps = readPath(path);
        if (steps !== undefined) paths.push(steps);
      }
    }
    return new SensitivePaths(paths);
  }

  get empty(): boolean {
    return this.paths.length === 0;
  }

  /** True when the JSON value at `path` (steps from the attributes object) is sensitive or inside something sensitive. */
  covers(path: readonly (string | number)[]): boolean {
    return this.paths.some((steps) => matchPrefix(steps, 0, path, 0));
  }

  /** True when something at or under `path` may be sensitive, so a value there must be walked before it is shown. */
  reaches(path: readonly (string | number)[]): boolean {
    return this.paths.some((steps) => matchReach(steps, 0, path, 0));
  }

  /** `value` (found at `path`) with every sensitive part replaced by `"(sensitive)"`. */
  mask(value: JsonValue, path: (string | number)[]): JsonValue {
    if (this.empty) return value;
    if (this.covers(path)) return SENSITIVE_MASK;
    if (!this.reaches(path)) return value;
    if (Array.isArray(value)) return value.map((element, index) => this.mask(element, [...path, index]));
    if (isJsonObject(value)) {
      const out: Record<string, JsonValue> = {};
      for (const [key, member] of Object.entries(value)) out[key] = this.mask(member, [...path, key]);
      return out;
    }
    return value;
  }
}

function stepMatches(step: SensitiveStep, key: string | number): boolean {
  return step === ANY || step === key || (typeof step === 'number' && String(step) === key);
}

/** Does `steps[si…]` match a prefix of `path[pi…]`, allowing skipped `value` members? */
function matchPrefix(steps: SensitiveStep[], si: number, path: readonly (string | number)[], pi: number): boolean {
  if (si === steps.length) return true;
  const key = path[pi];
  if (key === undefined) return false;
  const step = steps[si];
  if (step !== undefined && stepMatches(step, key) && matchPrefix(steps, si + 1, path, pi + 1)) return true;
  return pi > 0 && key === 'value' && matchPrefix(steps, si, path, pi + 1);
}

/** Could `path[pi…]` be extended so that `steps[si…]` matches it? (Also true when it already matches.) */
function matchReach(steps: SensitiveStep[], si: number, path: readonly (string | number)[], pi: number): boolean {
  if (pi === path.length || si === steps.length) return true;
  const key = path[pi];
  const step = steps[si];
  if (key === undefined || step === undefined) return true;
  if (stepMatches(step, key) && matchReach(steps, si + 1, path, pi + 1)) return true;
  return pi > 0 && key === 'value' && matchReach(steps, si, path, pi + 1);
}

function readPath(path: JsonValue): SensitiveStep[] | undefined {
  if (!Array.isArray(path)) return undefined;
  const steps: SensitiveStep[] = [];
  for (const step of path) {
    if (!isJsonObject(step)) return undefined;
    const value = step['value'];
    if (step['type'] === 'get_attr') {
      if (typeof value !== 'string') return undefined;
      steps.push(value);
    } else if (step['type'] === 'index') {
      steps.push(readIndexKey(value));
    } else {
      return undefined;
    }
  }
  return steps;
}

/** A cty index key: `{"value":"k","type":"string"}`, `{"value":0,"type":"number"}`, or the bare key. */
function readIndexKey(value: JsonValue | undefined): SensitiveStep {
  const key = isJsonObject(value) && 'type' in value ? value['value'] : value;
  if (typeof key === 'string') return key;
  if (typeof key === 'number' && Number.isInteger(key)) return key;
  if (key instanceof JsonNumber && /^-?\d+$/.test(key.raw)) return Number(key.raw);
  // A set element is indexed by its whole value, which the JSON array does
  // not name: mask every element rather than guess.
  return ANY;
}
