import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StateVersionError, TempehError } from '../../src/errors.js';
import { JsonNumber, getKeyOrder, isJsonObject } from '../../src/json/json-value.js';
import { formatState } from '../../src/state/format-state.js';
import { assertTerraformState, isTerraformState, parseState } from '../../src/state/parse-state.js';

const fixture = (path: string): string =>
  readFileSync(new URL(`../../../../fixtures/terraform/${path}`, import.meta.url), 'utf8');

const EMPTY_WORKSPACE = fixture('pg/empty-workspace.tfstate');
const DEFAULT_STATE = fixture('terraform.tfstate');

function thrown(fn: () => unknown): TempehError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TempehError) return err;
    throw new Error(`expected a TempehError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected an error, nothing was thrown');
}

/** A small valid state in Terraform's layout, with `resources` given as JSON text. */
function stateText(resources: string): string {
  return `{
  "version": 4,
  "terraform_version": "1.11.4",
  "serial": 3,
  "lineage": "c0696bfa-20e6-ee13-87e7-5c6a3eee84bb",
  "outputs": {},
  "resources": ${resources},
  "check_results": null
}
`;
}

/** `EMPTY_WORKSPACE` with one top-level value replaced (its text given as JSON). */
function withTopLevel(key: string, json: string): string {
  const pattern = new RegExp(`"${key}": [^\\n]*?(,?)\\n`);
  if (!pattern.test(EMPTY_WORKSPACE)) throw new Error(`no ${key} in the fixture`);
  return EMPTY_WORKSPACE.replace(pattern, (_match, comma: string) => `"${key}": ${json}${comma}\n`);
}

describe('parseState: lossless', () => {
  it('keeps numbers, key order and __proto__ in attributes exactly', () => {
    const text = stateText(`[
    {
      "mode": "managed",
      "type": "terraform_data",
      "name": "n",
      "provider": "provider[\\"terraform.io/builtin/terraform\\"]",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {
            "__proto__": {
              "polluted": true
            },
            "big": 12345678901234567890,
            "decimal": 0.1000000000000000055511151231257827,
            "exponent": 1E5,
            "negative_zero": -0,
            "one": 1.0,
            "order": {
              "10": 1,
              "2": 2
            },
            "plain": 42
          },
          "sensitive_attributes": []
        }
      ]
    }
  ]`);
    const state = parseState(text);
    expect(formatState(state)).toBe(text);

    const attributes = state.resources[0]?.instances[0]?.attributes;
    if (attributes === undefined) throw new Error('attributes missing');
    expect(attributes['big']).toEqual(new JsonNumber('12345678901234567890'));
    expect(attributes['one']).toEqual(new JsonNumber('1.0'));
    expect(attributes['plain']).toBe(42);
    const order = attributes['order'];
    expect(isJsonObject(order) ? getKeyOrder(order) : undefined).toEqual(['10', '2']);
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect(Reflect.get({}, 'polluted')).toBeUndefined();
    expect(Reflect.get(attributes, 'polluted')).toBeUndefined();
  });

  it('keeps unknown keys at every level byte for byte, also between known keys', () => {
    let text = DEFAULT_STATE;
    const insert = (after: string, addition: string): void => {
      const index = text.indexOf(after);
      if (index < 0) throw new Error(`fixture has no ${after}`);
      text = text.slice(0, index + after.length) + addition + text.slice(index + after.length);
    };
    insert('"version": 4,\n', '  "x_top": {\n    "n": 1.50,\n    "list": []\n  },\n');
    insert('"lineage": "ceff5ac0-09ad-9f76-9e5e-830893b906b5",\n', '  "x_after_lineage": null,\n');
    insert('"db_password": {\n', '      "x_output": "\\u003c!\\u003e",\n');
    insert('      "mode": "data",\n', '      "x_resource": [\n        1,\n        "two"\n      ],\n');
    insert('          "schema_version": 0,\n', '          "x_instance": 12345678901234567890,\n');
    const end = text.lastIndexOf('\n}');
    text = `${text.slice(0, end)},\n  "x_last": true${text.slice(end)}`;

    const state = parseState(text);
    expect(formatState(state)).toBe(text);
    expect(state['x_top']).toEqual({ n: new JsonNumber('1.50'), list: [] });
    expect(Object.keys(state).slice(0, 3)).toEqual(['version', 'x_top', 'terraform_version']);
    expect(state.outputs['db_password']?.['x_output']).toBe('<!>');
    expect(state.resources[0]?.['x_resource']).toEqual([1, 'two']);
  });

  it('keeps __proto__ keys at the state level as data, without effect on validation', () => {
    const text = EMPTY_WORKSPACE.replace(
      '"version": 4,\n',
      '"version": 4,\n  "__proto__": {\n    "version": 3,\n    "serial": -1\n  },\n',
    );
    const state = parseState(text);
    expect(formatState(state)).toBe(text);
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(Reflect.get({}, 'serial')).toBeUndefined();
    const withoutVersion = text.replace('"version": 4,\n', '');
    expect(thrown(() => parseState(withoutVersion)).code).toBe('TEMPEH_E_INVALID_STATE');
  });

  it('keeps the last of duplicate keys, as Terraform does', () => {
    const state = parseState(EMPTY_WORKSPACE.replace('"serial": 1,', '"serial": 1,\n  "serial": 7,'));
    expect(state.serial).toBe(7);
  });
});

describe('parseState: versions', () => {
  it.each([1, 2, 3])('refuses version %i with TEMPEH_E_STATE_VERSION (migration handles it)', (version) => {
    const err = thrown(() => parseState(`{"version": ${version}, "serial": 1, "lineage": "x", "modules": []}`));
    expect(err.code).toBe('TEMPEH_E_STATE_VERSION');
    expect(err).toBeInstanceOf(StateVersionError);
    expect(err instanceof StateVersionError ? err.version : undefined).toBe(version);
  });

  it.each([5, 0, -1, 400])('refuses version %i with TEMPEH_E_STATE_VERSION', (version) => {
    expect(thrown(() => parseState(withTopLevel('version', String(version)))).code).toBe('TEMPEH_E_STATE_VERSION');
  });

  it('reads the version before anything else: a v3 state with v4-invalid fields still says "version"', () => {
    expect(thrown(() => parseState('{"serial": -5, "version": 3}')).code).toBe('TEMPEH_E_STATE_VERSION');
  });

  it.each([
    ['missing', '{"serial": 1}'],
    ['a string', '{"version": "4"}'],
    ['a fraction', '{"version": 4.5}'],
    ['written as 4.0', '{"version": 4.0}'],
    ['null', '{"version": null}'],
  ])('refuses a version that is %s with TEMPEH_E_INVALID_STATE', (_name, text) => {
    const err = thrown(() => parseState(text));
    expect(err.code).toBe('TEMPEH_E_INVALID_STATE');
    expect(err).toMatchObject({ location: '$.version' });
  });
});

describe('parseState: refusals', () => {
  it.each([
    ['empty input', ''],
    ['truncated JSON', DEFAULT_STATE.slice(0, DEFAULT_STATE.length / 2)],
    ['trailing garbage', `${DEFAULT_STATE}}`],
    ['a second document', `${EMPTY_WORKSPACE}${EMPTY_WORKSPACE}`],
    ['a top-level array', '[]'],
    ['a top-level string', '"version 4"'],
    ['a top-level null', 'null'],
    ['a top-level number', '4'],
    ['10,000-deep nesting', withTopLevel('outputs', `{"o": {"value": ${'['.repeat(10_000)}${']'.repeat(10_000)}, "type": "string"}}`)],
  ])('refuses %s with TEMPEH_E_INVALID_STATE', (_name, text) => {
    expect(thrown(() => parseState(text)).code).toBe('TEMPEH_E_INVALID_STATE');
  });

  it('refuses binary garbage', () => {
    for (let i = 0; i < 50; i++) {
      const bytes = randomBytes(1 + i * 40);
      expect(thrown(() => parseState(bytes)).code).toBe('TEMPEH_E_INVALID_STATE');
    }
  });

  it('refuses a UTF-16 state and a BOM', () => {
    expect(thrown(() => parseState(Buffer.from(EMPTY_WORKSPACE, 'utf16le'))).code).toBe('TEMPEH_E_INVALID_STATE');
    expect(thrown(() => parseState(Buffer.from(`\ufeff${EMPTY_WORKSPACE}`, 'utf8'))).code).toBe('TEMPEH_E_INVALID_STATE');
  });

  it.each([
    ['lineage', '"not-a-uuid"', '$.lineage'],
    ['lineage', '"c0696bfa20e6ee1387e75c6a3eee84bb"', '$.lineage'],
    ['lineage', '42', '$.lineage'],
    ['serial', '-1', '$.serial'],
    ['serial', '1.5', '$.serial'],
    ['serial', '"1"', '$.serial'],
    ['serial', '12345678901234567890', '$.serial'],
    ['terraform_version', '"latest"', '$.terraform_version'],
    ['outputs', '[]', '$.outputs'],
    ['outputs', '{"o": {"type": "string"}}', '$.outputs.o.value'],
    ['outputs', '{"o": {"value": 1, "type": "number", "sensitive": "yes"}}', '$.outputs.o.sensitive'],
    ['resources', 'null', '$.resources'],
    ['check_results', '{}', '$.check_results'],
    ['check_results', '[{"object_kind": "check", "config_addr": "check.c", "status": "pass"}]', '$.check_results[0].objects'],
  ])('refuses a bad %s (%s) at %s', (key, json, location) => {
    const err = thrown(() => parseState(withTopLevel(key, json)));
    expect(err.code).toBe('TEMPEH_E_INVALID_STATE');
    expect(err).toMatchObject({ location });
  });

  it.each([
    ['a mode that is neither managed nor data', { mode: 'other' }, 'mode'],
    ['an empty type', { type: '' }, 'type'],
    ['a numeric name', { name: 1 }, 'name'],
    ['a legacy each that is neither list nor map', { each: 'set' }, 'each'],
    ['a missing provider', { provider: undefined }, 'provider'],
    ['instances that are not a list', { instances: {} }, 'instances'],
  ])('refuses a resource with %s', (_name, patch, path) => {
    const resource = { mode: 'managed', type: 't', name: 'n', provider: 'p', instances: [], ...patch };
    const err = thrown(() => parseState(stateText(`[${JSON.stringify(resource)}]`)));
    expect(err.code).toBe('TEMPEH_E_INVALID_STATE');
    expect(err).toMatchObject({ location: `$.resources[0].${path}` });
  });

  it.each([
    ['a deposed key that is not 8 hex digits', { deposed: '7a01fb3' }, 'deposed'],
    ['a negative schema_version', { schema_version: -1 }, 'schema_version'],
    ['attributes that are an array', { attributes: [] }, 'attributes'],
    ['attributes that are null', { attributes: null }, 'attributes'],
    ['a fractional index_key', { index_key: 1.5 }, 'index_key'],
    ['a status that is not a string', { status: true }, 'status'],
    ['private that is not base64', { private: 'not base64!' }, 'private'],
    ['dependencies that are not strings', { dependencies: [1] }, 'dependencies[0]'],
    ['attributes_flat with a non-string', { attributes_flat: { a: 1 } }, 'attributes_flat.a'],
    ['identity that is a string', { identity: 'x' }, 'identity'],
    ['create_before_destroy that is a string', { create_before_destroy: 'true' }, 'create_before_destroy'],
  ])('refuses an instance with %s', (_name, patch, path) => {
    const instance = { schema_version: 0, attributes: {}, ...patch };
    const resource = { mode: 'managed', type: 't', name: 'n', provider: 'p', instances: [instance] };
    const err = thrown(() => parseState(stateText(`[${JSON.stringify(resource)}]`)));
    expect(err.code).toBe('TEMPEH_E_INVALID_STATE');
    expect(err).toMatchObject({ location: `$.resources[0].instances[0].${path}` });
  });

  it('accepts the optional keys Terraform writes in some states', () => {
    const instance = {
      index_key: 'blue',
      status: 'tainted',
      deposed: '7A01FB30',
      schema_version: 2,
      attributes_flat: { id: 'x' },
      sensitive_attributes: [[{ type: 'get_attr', value: 'token' }]],
      identity_schema_version: 0,
      identity: { id: 'x' },
      private: 'eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ==',
      dependencies: ['terraform_data.a'],
      create_before_destroy: true,
    };
    const resource = { module: 'module.app["x"]', mode: 'data', type: 't', name: 'n', each: 'map', provider: 'p', instances: [instance] };
    expect(() => parseState(stateText(`[${JSON.stringify(resource)}]`))).not.toThrow();
  });

  it('accepts a state without check_results, as Terraform < 1.5 wrote them', () => {
    expect(() => parseState(EMPTY_WORKSPACE.replace(',\n  "check_results": null', ''))).not.toThrow();
  });

  it('lists every problem in one error', () => {
    const err = thrown(() =>
      parseState('{"version": 4, "terraform_version": "1.11.4", "serial": -1, "lineage": "x", "outputs": {}, "resources": {}}'),
    );
    expect(err.code).toBe('TEMPEH_E_INVALID_STATE');
    expect(err).toMatchObject({ location: '$.serial' });
    for (const path of ['$.serial', '$.lineage', '$.resources']) expect(err.message).toContain(path);
  });
});

describe('assertTerraformState and isTerraformState', () => {
  it('check values already in memory without copying them', () => {
    const state = parseState(EMPTY_WORKSPACE);
    expect(isTerraformState(state)).toBe(true);
    expect(() => assertTerraformState(state)).not.toThrow();
    expect(isTerraformState({ ...state, serial: -1 })).toBe(false);
    expect(isTerraformState([])).toBe(false);
    expect(thrown(() => assertTerraformState({ ...state, serial: -1 })).code).toBe('TEMPEH_E_INVALID_STATE');
  });
});
