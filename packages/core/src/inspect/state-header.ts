import { InvalidStateError, StateVersionError } from '../errors.js';
import type { StateHeader } from '../engine/diff/types.js';
import type { SplitSummary } from '../engine/splitter/types.js';
import { isJsonObject, JsonNumber, type JsonValue } from '../json/json-value.js';
import { parseJson } from '../json/parse-json.js';
import type { StateOutput } from '../state/types.js';

/** A state's top-level fields other than `resources`, as the streaming inspectors need them. */
export interface StateTopLevel {
  header: StateHeader;
  /** The root outputs; `{}` when the state has none (or `null`). */
  outputs: Record<string, StateOutput>;
}

/**
 * Reads the top-level fields the splitter kept aside: checks `version` as
 * `parseState` does (StateVersionError for another version,
 * InvalidStateError when it is missing or not an integer), takes lineage,
 * serial and Terraform version where they have their types, and the root
 * outputs. A key given twice counts with its last value, as Go reads it.
 */
export function readStateTopLevel(summary: SplitSummary, label: string): StateTopLevel {
  const fields = new Map<string, JsonValue>();
  for (const field of summary.fields) {
    if (['version', 'lineage', 'serial', 'terraform_version', 'outputs'].includes(field.key)) fields.set(field.key, parseJson(field.bytes));
  }
  checkVersion(fields.get('version'), label);
  const header: StateHeader = {};
  const lineage = fields.get('lineage');
  if (typeof lineage === 'string') header.lineage = lineage;
  const serial = fields.get('serial');
  if (typeof serial === 'number' || serial instanceof JsonNumber) header.serial = serial;
  const version = fields.get('terraform_version');
  if (typeof version === 'string') header.terraformVersion = version;
  return { header, outputs: readOutputs(fields.get('outputs'), label) };
}

function checkVersion(version: JsonValue | undefined, label: string): void {
  if (version === undefined) throw new InvalidStateError(`${label} has no 'version' key`, { location: '$.version' });
  const number = typeof version === 'number' ? version : version instanceof JsonNumber ? Number(version.raw) : Number.NaN;
  if (!Number.isInteger(number)) {
    throw new InvalidStateError(`the 'version' of ${label} is ${JSON.stringify(version)}, not an integer`, { location: '$.version' });
  }
  if (number !== 4) throw new StateVersionError(number);
}

function readOutputs(value: JsonValue | undefined, label: string): Record<string, StateOutput> {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw new InvalidStateError(`the 'outputs' of ${label} is not an object`, { location: '$.outputs' });
  const outputs: Record<string, StateOutput> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!isJsonObject(raw)) throw new InvalidStateError(`output '${name}' of ${label} is not an object`, { location: `$.outputs[${JSON.stringify(name)}]` });
    const output: StateOutput = { value: raw['value'] ?? null, type: raw['type'] ?? null };
    const sensitive = raw['sensitive'];
    if (typeof sensitive === 'boolean') output.sensitive = sensitive;
    // defineProperty: an output named `__proto__` is data, not the object's prototype.
    Object.defineProperty(outputs, name, { value: output, enumerable: true, writable: true, configurable: true });
  }
  return outputs;
}
