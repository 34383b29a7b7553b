// Hand-made states that differ in one known way each.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  canonicalNumber,
  diffInstances,
  diffStates,
  formatDiffJson,
  formatDiffText,
  jsonEqual,
  type AttributeChange,
} from '../../../src/engine/diff/index.js';
import { JsonNumber } from '../../../src/json/index.js';
import { parseState, type StateInstance, type StateResource, type TerraformState } from '../../../src/state/index.js';

const TERRAFORM = fileURLToPath(new URL('../../../../../fixtures/terraform/', import.meta.url));

/** A state from JSON text, parsed the way Tempeh reads files (exact numbers kept). */
function state(resources: unknown[], outputs: Record<string, unknown> = {}): TerraformState {
  return parseState(
    JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage: '3f2e1d0c-0000-4000-8000-000000000000', outputs, resources, check_results: null }),
  );
}

function resource(name: string, instances: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, mode: 'managed', type: 'terraform_data', name, provider: 'provider["terraform.io/builtin/terraform"]', instances };
}

function instance(attributes: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schema_version: 0, attributes, sensitive_attributes: [], ...extra };
}

/** An instance whose attributes are `text`, parsed the way Tempeh reads files, so big numbers arrive as JsonNumber. */
function parsedInstance(text: string): StateInstance {
  const parsed = parseState(
    `{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"3f2e1d0c-0000-4000-8000-000000000000","outputs":{},"resources":[` +
      `{"mode":"managed","type":"terraform_data","name":"x","provider":"p","instances":[{"schema_version":0,"attributes":${text},"sensitive_attributes":[]}]}]}`,
  );
  const found = parsed.resources[0]?.instances[0];
  if (found === undefined) throw new Error('no instance');
  return found;
}

function brief(changes: AttributeChange[]): unknown[] {
  return changes.map((change) => [change.kind, change.text, change.before, change.after]);
}

describe('diffStates with hand-made states', () => {
  it('reports added, removed and changed instances in state list order', () => {
    const a = state([
      resource('a', [instance({ v: 1 })]),
      resource('b', [instance({ v: 1 }, { index_key: 0 }), instance({ v: 1 }, { index_key: 2 }), instance({ v: 1 }, { index_key: 10 })]),
      resource('c', [instance({ v: 1 })], { module: 'module.m["k"]' }),
    ]);
    const b = state([
      resource('b', [instance({ v: 1 }, { index_key: 0 }), instance({ v: 2 }, { index_key: 10 }), instance({ v: 1 }, { index_key: 'x' })]),
      resource('c', [instance({ v: 1 })], { module: 'module.m["k"]' }),
      resource('c', [instance({ v: 1 })], { module: 'module.m["j"]' }),
      resource('d', [instance({ v: 1 })]),
    ]);
    const diff = diffStates(a, b);
    expect(diff.added).toEqual(['terraform_data.b["x"]', 'terraform_data.d', 'module.m["j"].terraform_data.c']);
    expect(diff.removed).toEqual(['terraform_data.a', 'terraform_data.b[2]']);
    expect(diff.changed).toEqual([{ address: 'terraform_data.b[10]', changes: [expect.objectContaining({ text: 'v', kind: 'changed', before: 1, after: 2 })] }]);
  });

  it('matches instances as Terraform reads them: module spellings and split resource entries', () => {
    const a = state([resource('r', [instance({ v: 1 }, { index_key: 0 }), instance({ v: 1 }, { index_key: 1 })], { module: 'module.c[1]' })]);
    const b = state([
      resource('r', [instance({ v: 1 }, { index_key: 0 })], { module: 'module.c[01]' }),
      resource('r', [instance({ v: 1 }, { index_key: 1 })], { module: 'module.c[1]' }),
    ]);
    expect(diffStates(a, b)).toEqual({ added: [], removed: [], changed: [], outputs: [] });
  });

  it('orders a deposed object after its instance and compares it with the same deposed key only', () => {
    const a = state([resource('r', [instance({ v: 1 }), instance({ v: 0 }, { deposed: 'bbbbbbbb' })])]);
    const b = state([resource('r', [instance({ v: 1 }), instance({ v: 9 }, { deposed: 'bbbbbbbb' }), instance({ v: 0 }, { deposed: 'aaaaaaaa' })])]);
    const diff = diffStates(a, b);
    expect(diff.added).toEqual(['terraform_data.r (deposed object aaaaaaaa)']);
    expect(diff.changed.map((entry) => entry.address)).toEqual(['terraform_data.r (deposed object bbbbbbbb)']);
  });

  it('reports a provider change on every instance of the resource', () => {
    const a = state([resource('r', [instance({ v: 1 })])]);
    const b = state([{ ...resource('r', [instance({ v: 1 })]), provider: 'provider["registry.terraform.io/hashicorp/null"]' }]);
    expect(brief(diffStates(a, b).changed[0]?.changes ?? [])).toEqual([
      ['changed', 'provider', 'provider["terraform.io/builtin/terraform"]', 'provider["registry.terraform.io/hashicorp/null"]'],
    ]);
  });

  it('reports outputs added, removed and changed, masking sensitive ones on either side', () => {
    const a = state([], { gone: { value: 1, type: 'number' }, same: { value: 'x', type: 'string' }, key: { value: 'old', type: 'string' }, retyped: { value: '1', type: 'string' } });
    const b = state([], {
      added: { value: ['a'], type: ['tuple', ['string']] },
      same: { value: 'x', type: 'string' },
      key: { value: 'new', type: 'string', sensitive: true },
      retyped: { value: 1, type: 'number' },
    });
    expect(diffStates(a, b).outputs).toEqual([
      { name: 'added', kind: 'added', sensitive: false, after: ['a'] },
      { name: 'gone', kind: 'removed', sensitive: false, before: 1 },
      { name: 'key', kind: 'changed', sensitive: true, before: '(sensitive)', after: '(sensitive)' },
      { name: 'retyped', kind: 'changed', sensitive: false, before: '1', after: 1 },
    ]);
  });
});

describe('diffInstances', () => {
  it('walks nested objects and compares lists by position', () => {
    const before = parsedInstance('{"tags":{"Name":"a","Team":"x"},"list":[1,2,3],"nested":[{"k":"v","deep":{"n":[true]}}],"gone":null}');
    const after = parsedInstance('{"tags":{"Name":"b","Cost":"c"},"list":[1,5],"nested":[{"k":"v","deep":{"n":[false,true]}}],"new":{"a":1}}');
    expect(brief(diffInstances(before, after))).toEqual([
      ['removed', 'gone', null, undefined],
      ['changed', 'list[1]', 2, 5],
      ['removed', 'list[2]', 3, undefined],
      ['changed', 'nested[0].deep.n[0]', true, false],
      ['added', 'nested[0].deep.n[1]', undefined, true],
      ['added', 'new', undefined, { a: 1 }],
      ['added', 'tags.Cost', undefined, 'c'],
      ['changed', 'tags.Name', 'a', 'b'],
      ['removed', 'tags.Team', 'x', undefined],
    ]);
    expect(diffInstances(before, after)[1]?.path).toEqual([
      { type: 'get_attr', value: 'list' },
      { type: 'index', value: 1 },
    ]);
  });

  it('reports a change of shape (object to list, value to null) at the node itself', () => {
    const changes = diffInstances(parsedInstance('{"a":{"x":1},"b":"s"}'), parsedInstance('{"a":[1],"b":null}'));
    expect(brief(changes)).toEqual([
      ['changed', 'a', { x: 1 }, [1]],
      ['changed', 'b', 's', null],
    ]);
  });

  it('quotes member names that are not identifiers in the printed path', () => {
    const changes = diffInstances(parsedInstance('{"m":{"a b":1,"x\\"y":1}}'), parsedInstance('{"m":{"a b":2,"x\\"y":2}}'));
    expect(changes.map((change) => change.text)).toEqual(['m["a b"]', 'm["x\\"y"]']);
  });

  it('compares numbers by exact decimal value, never through a double', () => {
    const big = diffInstances(parsedInstance('{"n":12345678901234567890}'), parsedInstance('{"n":12345678901234567891}'));
    expect(big).toHaveLength(1);
    expect(big[0]?.before).toBeInstanceOf(JsonNumber);
    expect(String(big[0]?.before)).toBe('12345678901234567890');
    expect(String(big[0]?.after)).toBe('12345678901234567891');
    // Both round to the same double; the JSON output keeps the exact text.
    expect(Number('12345678901234567890')).toBe(Number('12345678901234567891'));
    const diff = { added: [], removed: [], changed: [{ address: 'x', changes: big }], outputs: [] };
    expect(formatDiffJson(diff)).toContain('"before":12345678901234567890,"after":12345678901234567891');
    expect(formatDiffText(diff)).toContain('n: 12345678901234567890 → 12345678901234567891');
    expect(diffInstances(parsedInstance('{"n":0.1000000000000000000001}'), parsedInstance('{"n":0.1}'))).toHaveLength(1);
  });

  it('treats 1.0, 1, 1e0 and 10e-1 as one value (cty numbers), and -0 as 0', () => {
    expect(diffInstances(parsedInstance('{"a":1.0,"b":1e0,"c":10e-1,"d":-0,"e":100}'), parsedInstance('{"a":1,"b":1,"c":1,"d":0,"e":1E2}'))).toEqual([]);
    expect(canonicalNumber(new JsonNumber('1.50'))).toBe(canonicalNumber(1.5));
    expect(canonicalNumber(new JsonNumber('-0.0'))).toBe('0');
    expect(jsonEqual(new JsonNumber('1.0'), 1)).toBe(true);
    expect(jsonEqual(new JsonNumber('1.0'), '1')).toBe(false);
  });

  it('reports status, schema_version, dependencies, create_before_destroy and private as fields, private without its value', () => {
    const before: StateInstance = { schema_version: 0, attributes: { id: 'x' }, private: 'c2VjcmV0', dependencies: ['a.b'] };
    const after: StateInstance = {
      schema_version: 1,
      attributes: { id: 'x' },
      status: 'tainted',
      private: 'b3RoZXI=',
      dependencies: ['a.b', 'c.d'],
      create_before_destroy: true,
    };
    const changes = diffInstances(before, after);
    expect(changes).toEqual([
      { field: 'create_before_destroy', path: [], text: 'create_before_destroy', kind: 'added', after: true },
      { field: 'dependencies', path: [], text: 'dependencies', kind: 'changed', before: ['a.b'], after: ['a.b', 'c.d'] },
      { field: 'schema_version', path: [], text: 'schema_version', kind: 'changed', before: 0, after: 1 },
      { field: 'status', path: [], text: 'status', kind: 'added', after: 'tainted' },
      { field: 'private', path: [], text: 'private', kind: 'changed' },
    ]);
    const text = formatDiffText({ added: [], removed: [], changed: [{ address: 'a.b', changes }], outputs: [] });
    expect(text).toContain('    private: (opaque) → (opaque)');
    expect(text).not.toContain('c2VjcmV0');
    expect(diffInstances({ schema_version: 0, attributes: {} }, { schema_version: 0, attributes: {}, private: 'eA==' })).toEqual([
      { field: 'private', path: [], text: 'private', kind: 'added' },
    ]);
  });

  it('identical instances have no changes', () => {
    const text = '{"a":{"b":[1,{"c":12345678901234567890}]},"z":null}';
    expect(diffInstances(parsedInstance(text), parsedInstance(text))).toEqual([]);
  });
});

describe('masking of sensitive attributes', () => {
  function secretResource(text: string): StateResource {
    const found = parseState(text).resources.find((candidate) => candidate.name === 'secret');
    if (found === undefined) throw new Error('fixture has no terraform_data.secret');
    return found;
  }

  it('masks the fixture secret (input.token, stored under input.value.token) but still reports the change', () => {
    const original = readFileSync(`${TERRAFORM}terraform.tfstate`, 'utf8');
    const rotated = original.replaceAll('"tok-123"', '"tok-456"').replace('"admin"', '"root"');
    const before = parseState(original);
    const after = parseState(rotated);
    expect(secretResource(original).instances[0]?.sensitive_attributes).toEqual([
      [
        { type: 'get_attr', value: 'input' },
        { type: 'get_attr', value: 'token' },
      ],
    ]);
    const diff = diffStates(before, after);
    const changes = diff.changed.find((entry) => entry.address === 'terraform_data.secret')?.changes ?? [];
    expect(brief(changes)).toEqual([
      ['changed', 'input.value.token', '(sensitive)', '(sensitive)'],
      ['changed', 'input.value.user', 'admin', 'root'],
      // Terraform marks only input.token sensitive in this state; output is shown as stored.
      ['changed', 'output.value.token', 'tok-123', 'tok-456'],
    ]);
    expect(formatDiffJson(diff)).toContain('"text":"input.value.token","kind":"changed","before":"(sensitive)","after":"(sensitive)"');
  });

  it('masks sensitive parts inside a value that changed as a whole', () => {
    const sensitive = [[{ type: 'get_attr', value: 'input' }, { type: 'get_attr', value: 'token' }]];
    const before = instance({ input: { value: { token: 'a', user: 'u' }, type: ['object', { token: 'string', user: 'string' }] } }, { sensitive_attributes: sensitive });
    const after = instance({ input: null }, { sensitive_attributes: [] });
    const diff = diffStates(state([resource('s', [before])]), state([resource('s', [after])]));
    const changes = diff.changed[0]?.changes ?? [];
    expect(changes[0]).toMatchObject({
      text: 'input',
      kind: 'changed',
      before: { value: { token: '(sensitive)', user: 'u' }, type: ['object', { token: 'string', user: 'string' }] },
      after: null,
    });
    expect(changes[1]).toMatchObject({ field: 'sensitive_attributes', kind: 'changed', after: [] });
    expect(formatDiffJson(diff)).not.toContain('"a"');
  });

  it('follows index steps in cty form, in bare form, and masks every element for a set step', () => {
    const sensitive = [
      [{ type: 'get_attr', value: 'tags' }, { type: 'index', value: { value: 'Secret', type: 'string' } }],
      [{ type: 'get_attr', value: 'list' }, { type: 'index', value: { value: 1, type: 'number' } }],
      [{ type: 'get_attr', value: 'bare' }, { type: 'index', value: 'k' }],
      [{ type: 'get_attr', value: 'set' }, { type: 'index', value: { value: { a: 1 }, type: ['object', { a: 'number' }] } }, { type: 'get_attr', value: 'p' }],
    ];
    const before = instance({ tags: { Secret: 's1', Open: 'o1' }, list: ['a', 'b'], bare: { k: 1, j: 1 }, set: [{ p: 'x', q: 1 }] }, { sensitive_attributes: sensitive });
    const after = instance({ tags: { Secret: 's2', Open: 'o2' }, list: ['c', 'd'], bare: { k: 2, j: 2 }, set: [{ p: 'y', q: 2 }] }, { sensitive_attributes: sensitive });
    const diff = diffStates(state([resource('s', [before])]), state([resource('s', [after])]));
    expect(brief(diff.changed[0]?.changes ?? [])).toEqual([
      ['changed', 'bare.j', 1, 2],
      ['changed', 'bare.k', '(sensitive)', '(sensitive)'],
      ['changed', 'list[0]', 'a', 'c'],
      ['changed', 'list[1]', '(sensitive)', '(sensitive)'],
      ['changed', 'set[0].p', '(sensitive)', '(sensitive)'],
      ['changed', 'set[0].q', 1, 2],
      ['changed', 'tags.Open', 'o1', 'o2'],
      ['changed', 'tags.Secret', '(sensitive)', '(sensitive)'],
    ]);
  });

  it('masks a path that is sensitive on one side only', () => {
    const path = [[{ type: 'get_attr', value: 'pw' }]];
    const a = state([resource('s', [instance({ pw: 'one' })])]);
    const b = state([resource('s', [instance({ pw: 'two' }, { sensitive_attributes: path })])]);
    const changes = diffStates(a, b).changed[0]?.changes ?? [];
    expect(brief(changes)).toEqual([
      ['changed', 'pw', '(sensitive)', '(sensitive)'],
      ['changed', 'sensitive_attributes', [], path],
    ]);
  });
});
