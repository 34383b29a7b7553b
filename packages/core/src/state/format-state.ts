import { formatJsonUnknown } from '../json/format-json.js';
import type { TerraformState } from './types.js';

/**
 * The state as Terraform writes it: Go's `json.MarshalIndent(state, "", "  ")`
 * plus a trailing newline. A state from `parseState` comes back byte for
 * byte; keys are written in each object's own order.
 */
export function formatState(state: TerraformState): string {
  return `${formatJsonUnknown(state)}\n`;
}

/** `formatState` as UTF-8 bytes, ready for a backend's `putState`. */
export function serializeState(state: TerraformState): Buffer {
  return Buffer.from(formatState(state), 'utf8');
}

export interface StatesEqualOptions {
  /**
   * Ignore `version`, `terraform_version`, `serial` and `lineage`, comparing
   * only what the state records (like Terraform's StatesMarshalEqual, which
   * decides whether a write is needed at all).
   */
  ignoreMetadata?: boolean;
}

/**
 * True when both states hold the same data: their canonical serialisations
 * (compact, keys sorted) are equal. Key order and whitespace do not count;
 * numbers are compared by their text, so `1.0` and `1` differ, as they do in
 * the bytes Terraform compares.
 */
export function statesEqual(a: TerraformState, b: TerraformState, options: StatesEqualOptions = {}): boolean {
  return canonicalState(a, options) === canonicalState(b, options);
}

function canonicalState(state: TerraformState, options: StatesEqualOptions): string {
  const subject = options.ignoreMetadata
    ? { ...state, version: undefined, terraform_version: undefined, serial: undefined, lineage: undefined }
    : state;
  return formatJsonUnknown(subject, { indent: '', sortKeys: true });
}
