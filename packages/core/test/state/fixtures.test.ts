import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JsonNumber } from '../../src/json/json-value.js';
import { formatState, serializeState } from '../../src/state/format-state.js';
import { parseState } from '../../src/state/parse-state.js';
import { TerraformStateSchema } from '../../src/state/schema.js';

const FIXTURES = fileURLToPath(new URL('../../../../fixtures/terraform/', import.meta.url));

/** Written by hand as the input of a `terraform_remote_state` data source, not by Terraform. */
const HAND_WRITTEN = new Set(['upstream.tfstate']);

function stateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tfstate(\.backup)?$/.test(entry.name))
    .map((entry) => relative(FIXTURES, join(entry.parentPath, entry.name)))
    .sort();
}

const terraformWritten = stateFiles(FIXTURES).filter((file) => !HAND_WRITTEN.has(file));

describe('Terraform-written fixtures', () => {
  it('are all found', () => {
    // Guards the data-driven tests below against a glob that matches nothing.
    expect(terraformWritten).toEqual(
      expect.arrayContaining([
        'terraform.tfstate',
        'terraform.tfstate.backup',
        'terraform.tfstate.d/staging/terraform.tfstate',
        'terraform.tfstate.d/staging/terraform.tfstate.backup',
        'pg/default.tfstate',
        'pg/staging.tfstate',
        'pg/empty-workspace.tfstate',
        'edge/tainted.tfstate',
        'edge/deposed.tfstate',
        'edge/check-failed.tfstate',
        'generated/aws-6-services.tfstate',
        'generated/builtin-3-services.tfstate',
      ]),
    );
  });

  it.each(terraformWritten)('%s round-trips byte for byte', (file) => {
    const bytes = readFileSync(join(FIXTURES, file));
    const state = parseState(bytes);
    expect(formatState(state)).toBe(bytes.toString('utf8'));
    expect(serializeState(state).equals(bytes)).toBe(true);
  });

  it.each(terraformWritten)('%s reads as JSON.parse reads it', (file) => {
    const text = readFileSync(join(FIXTURES, file), 'utf8');
    const toPlain = (_key: string, value: unknown): unknown => (value instanceof JsonNumber ? Number(value.raw) : value);
    expect(JSON.parse(JSON.stringify(parseState(text), toPlain))).toEqual(JSON.parse(text));
  });

  it('the hand-written upstream.tfstate is a valid state, written back in Terraform layout', () => {
    const text = readFileSync(join(FIXTURES, 'upstream.tfstate'), 'utf8');
    const state = parseState(text);
    expect(state.outputs['region']?.value).toBe('eu-west-1');
    const formatted = formatState(state);
    expect(formatted).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    expect(formatState(parseState(formatted))).toBe(formatted);
  });

  it('the exported schema accepts every fixture', () => {
    for (const file of stateFiles(FIXTURES)) {
      const result = TerraformStateSchema.safeParse(parseState(readFileSync(join(FIXTURES, file))));
      expect(result.success, file).toBe(true);
    }
  });
});
