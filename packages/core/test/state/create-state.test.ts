import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/error-code.js';
import { setKeyOrder } from '../../src/json/json-value.js';
import { DEFAULT_TERRAFORM_VERSION, createState } from '../../src/state/create-state.js';
import { formatState, serializeState, statesEqual } from '../../src/state/format-state.js';
import { parseState } from '../../src/state/parse-state.js';
import { LINEAGE_PATTERN } from '../../src/state/schema.js';

const fixture = (path: string): string =>
  readFileSync(new URL(`../../../../fixtures/terraform/${path}`, import.meta.url), 'utf8');


describe('createState', () => {
  it('writes exactly what `terraform workspace new` stored in the pg backend', () => {
    const written = fixture('pg/empty-workspace.tfstate');
    const state = createState({ lineage: 'c0696bfa-20e6-ee13-87e7-5c6a3eee84bb', serial: 1, terraformVersion: '1.11.4' });
    expect(formatState(state)).toBe(written);
    expect(serializeState(state)).toEqual(Buffer.from(written));
  });

  it('has Terraform key order and defaults', () => {
    const state = createState();
    expect(Object.keys(state)).toEqual([
      'version',
      'terraform_version',
      'serial',
      'lineage',
      'outputs',
      'resources',
      'check_results',
    ]);
    expect(state).toMatchObject({ version: 4, terraform_version: DEFAULT_TERRAFORM_VERSION, serial: 0, outputs: {}, resources: [], check_results: null });
    expect(state.lineage).toMatch(LINEAGE_PATTERN);
    expect(createState().lineage).not.toBe(state.lineage);
    expect(formatState(parseState(formatState(state)))).toBe(formatState(state));
  });

  it.each([
    ['a lineage that is not UUID-shaped', { lineage: 'prod' }],
    ['a negative serial', { serial: -1 }],
    ['a fractional serial', { serial: 0.5 }],
    ['a terraform version that is not a version', { terraformVersion: 'latest' }],
  ])('refuses %s', (_name, options) => {
    expect(codeOf(() => createState(options))).toBe('TEMPEH_E_INVALID_STATE');
  });
});

describe('statesEqual', () => {
  const text = fixture('terraform.tfstate');

  it('is true for two reads of one state', () => {
    expect(statesEqual(parseState(text), parseState(text))).toBe(true);
  });

  it('ignores key order and layout', () => {
    const compact = JSON.stringify(JSON.parse(text));
    expect(statesEqual(parseState(text), parseState(compact))).toBe(true);

    const reordered = parseState(text);
    const outputs = reordered.outputs;
    setKeyOrder(outputs, Object.keys(outputs).reverse());
    expect(formatState(reordered)).not.toBe(text);
    expect(statesEqual(parseState(text), reordered)).toBe(true);
  });

  it('sees any change of data', () => {
    const a = parseState(text);
    const b = parseState(text);
    const instance = b.resources[0]?.instances[0];
    if (instance === undefined) throw new Error('fixture has no instance');
    instance.create_before_destroy = true;
    expect(statesEqual(a, b)).toBe(false);
    expect(statesEqual(parseState(text), parseState(fixture('terraform.tfstate.backup')))).toBe(false);
  });

  it('compares numbers by their text', () => {
    const one = createState({ lineage: 'c0696bfa-20e6-ee13-87e7-5c6a3eee84bb' });
    const same = parseState(formatState(one).replace('"outputs": {}', '"outputs": {"n": {"value": 1, "type": "number"}}'));
    const written = parseState(formatState(one).replace('"outputs": {}', '"outputs": {"n": {"value": 1.0, "type": "number"}}'));
    expect(statesEqual(same, parseState(formatState(same)))).toBe(true);
    expect(statesEqual(same, written)).toBe(false);
  });

  it('ignores serial, lineage and versions only when asked', () => {
    const a = createState({ serial: 1 });
    const b = createState({ serial: 9, terraformVersion: '1.5.0' });
    expect(statesEqual(a, b)).toBe(false);
    expect(statesEqual(a, b, { ignoreMetadata: true })).toBe(true);
    b.resources.push({ mode: 'managed', type: 't', name: 'n', provider: 'p', instances: [] });
    expect(statesEqual(a, b, { ignoreMetadata: true })).toBe(false);
  });
});
