// The streaming diff against the in-memory one (diffStates over parsed
// states) on real and hand-modified states, through both engine paths.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffStates, formatDiffJson, formatDiffText, hasDifferences, type StateDiff } from '../../src/engine/diff/index.js';
import { TempehError } from '../../src/errors.js';
import { diffStateSources, type DiffSourcesOptions } from '../../src/inspect/diff-sources.js';
import { formatJson, isJsonObject, JsonNumber, parseJson, type JsonObject, type JsonValue } from '../../src/json/index.js';
import { parseState } from '../../src/state/index.js';
import { REPO_ROOT, chunked, fixtureStates, codeOfRejection as codeOf } from './fixture-states.js';

const MAIN = path.join(REPO_ROOT, 'fixtures/terraform/terraform.tfstate');
const main = await readFile(MAIN);

/** The two engine paths: small inputs on this thread, and the worker pool forced. */
const PATHS: { path: string; options: DiffSourcesOptions }[] = [
  { path: 'in-process', options: {} },
  { path: 'pool', options: { inProcessBelowBytes: 0, threads: 2 } },
];

/** An opener that yields `bytes` in small chunks, so resources straddle chunk boundaries in both passes. */
const open = (bytes: Uint8Array) => () => chunked(bytes);

/** The streaming diff without its header, for comparison with diffStates (which has none). */
async function streamed(before: Uint8Array, after: Uint8Array, options: DiffSourcesOptions = {}): Promise<StateDiff> {
  const { header, ...diff } = await diffStateSources(open(before), open(after), options);
  expect(header).toBeDefined();
  return diff;
}

function inMemory(before: Uint8Array, after: Uint8Array, options: { showSensitive?: boolean } = {}): StateDiff {
  return diffStates(parseState(before), parseState(after), options);
}

/** The main fixture with `edit` applied to its parsed JSON, written back in Terraform's layout. */
function edited(edit: (state: JsonObject) => void, bytes: Uint8Array = main): Buffer {
  const state = parseJson(bytes);
  if (!isJsonObject(state)) throw new Error('not an object');
  edit(state);
  return Buffer.from(`${formatJson(state)}\n`);
}

function resources(state: JsonObject): JsonObject[] {
  const list = state['resources'];
  if (!Array.isArray(list)) throw new Error('no resources');
  return list.filter(isJsonObject);
}

function resource(state: JsonObject, name: string, module?: string): JsonObject {
  const found = resources(state).find((r) => r['name'] === name && r['module'] === module);
  if (found === undefined) throw new Error(`no resource ${name}`);
  return found;
}

function instances(of: JsonObject): JsonObject[] {
  const list = of['instances'];
  if (!Array.isArray(list)) throw new Error('no instances');
  return list.filter(isJsonObject);
}

function at(value: JsonValue | undefined, ...path: (string | number)[]): JsonObject {
  let current = value;
  for (const step of path) current = typeof step === 'number' ? (Array.isArray(current) ? current[step] : undefined) : isJsonObject(current) ? current[step] : undefined;
  if (!isJsonObject(current)) throw new Error(`nothing at ${path.join('.')}`);
  return current;
}


describe.each(PATHS)('diffStateSources ($path)', ({ options }) => {
  it('finds an attribute change, and nothing else', async () => {
    const after = edited((state) => {
      at(instances(resource(state, 'network'))[0], 'attributes', 'input', 'value', 'tags')['Name'] = 'main-v3';
    });
    const diff = await streamed(main, after, options);
    expect(diff).toEqual(inMemory(main, after));
    expect(diff.changed.map((c) => [c.address, c.changes.map((change) => `${change.text}: ${String(change.before)} → ${String(change.after)}`)])).toEqual([
      ['terraform_data.network', ['input.value.tags.Name: main-v2 → main-v3']],
    ]);
    expect([diff.added, diff.removed, diff.outputs]).toEqual([[], [], []]);
  });

  it('finds an instance added and one removed', async () => {
    const after = edited((state) => {
      const node = resource(state, 'node');
      const list = instances(node);
      const copy = parseJson(formatJson(list[2] ?? {}));
      if (!isJsonObject(copy)) throw new Error('no instance');
      copy['index_key'] = 3;
      node['instances'] = [list[1] ?? {}, list[2] ?? {}, copy];
    });
    const diff = await streamed(main, after, options);
    expect(diff).toEqual(inMemory(main, after));
    expect(diff.added).toEqual(['terraform_data.node[3]']);
    expect(diff.removed).toEqual(['terraform_data.node[0]']);
    expect(diff.changed).toEqual([]);
  });

  it('finds a resource removed: all its instances, in state list order', async () => {
    const after = edited((state) => {
      state['resources'] = resources(state).filter((r) => !(r['module'] === 'module.app_blue' && r['name'] === 'member'));
    });
    const diff = await streamed(main, after, options);
    expect(diff).toEqual(inMemory(main, after));
    expect(diff.removed).toEqual(['module.app_blue.terraform_data.member[0]', 'module.app_blue.terraform_data.member[1]', 'module.app_blue.terraform_data.member[2]']);
  });

  it('finds outputs changed, added and removed', async () => {
    const after = edited((state) => {
      const outputs = at(state, 'outputs');
      at(outputs, 'network_cidr')['value'] = '10.1.0.0/16';
      delete outputs['module_ids'];
      outputs['zone'] = { value: 'eu-west-1a', type: 'string' };
    });
    const diff = await streamed(main, after, options);
    expect(diff).toEqual(inMemory(main, after));
    expect(diff.outputs.map((o) => [o.name, o.kind, o.after])).toEqual([
      ['module_ids', 'removed', undefined],
      ['network_cidr', 'changed', '10.1.0.0/16'],
      ['zone', 'added', 'eu-west-1a'],
    ]);
  });

  it('masks a changed sensitive attribute and output, and shows them with showSensitive', async () => {
    const after = edited((state) => {
      at(instances(resource(state, 'secret'))[0], 'attributes', 'input', 'value')['token'] = 'tok-NEW-SECRET';
      at(state, 'outputs', 'db_password')['value'] = 'NEW-PASSWORD';
    });
    const masked = await streamed(main, after, options);
    expect(masked).toEqual(inMemory(main, after));
    expect(masked.changed.flatMap((c) => c.changes).filter((c) => c.text.endsWith('token'))).not.toEqual([]);
    for (const text of [formatDiffText(masked), formatDiffJson(masked)]) {
      expect(text).toContain('(sensitive)');
      expect(text).not.toContain('NEW-PASSWORD');
      expect(text).not.toContain('tok-NEW-SECRET');
    }
    const shown = await streamed(main, after, { ...options, showSensitive: true });
    expect(shown).toEqual(inMemory(main, after, { showSensitive: true }));
    expect(formatDiffJson(shown)).toContain('NEW-PASSWORD');
    expect(formatDiffJson(shown)).toContain('tok-NEW-SECRET');
  });

  it('finds nothing between a state and its compacted copy, or a copy with its resources in another order', async () => {
    const compact = Buffer.from(formatJson(parseJson(main), { indent: '' }));
    const reordered = edited((state) => {
      state['resources'] = resources(state).reverse();
    });
    for (const copy of [compact, reordered]) {
      const diff = await streamed(main, copy, options);
      expect(hasDifferences(diff)).toBe(false);
      expect(diff).toEqual({ added: [], removed: [], changed: [], outputs: [] });
    }
  });

  it('finds a change in a compacted copy, where every resource differs in its bytes', async () => {
    const changed = edited((state) => {
      at(instances(resource(state, 'config', 'module.app_green'))[0], 'attributes', 'input')['value'] = 'green-v3';
    });
    const compact = Buffer.from(formatJson(parseJson(changed), { indent: '' }));
    const diff = await streamed(main, compact, options);
    expect(diff).toEqual(inMemory(main, compact));
    expect(diff.changed.map((c) => c.address)).toEqual(['module.app_green.terraform_data.config']);
  });

  it('merges a resource split over several entries, as list does', async () => {
    const split = edited((state) => {
      const list = resources(state);
      const node = resource(state, 'node');
      const [first, ...rest] = instances(node);
      const second = { ...node, instances: rest };
      node['instances'] = first === undefined ? [] : [first];
      state['resources'] = [...list, second];
    });
    expect(await streamed(main, split, options)).toEqual({ added: [], removed: [], changed: [], outputs: [] });
    const changed = edited((state) => {
      const nodes = resources(state).filter((r) => r['name'] === 'node').flatMap(instances);
      at(nodes.find((instance) => instance['index_key'] === 2), 'attributes', 'input', 'value', 'labels')['env'] = 'v9';
    }, split);
    const diff = await streamed(main, changed, options);
    expect(diff).toEqual(inMemory(main, changed));
    expect(diff.changed.map((c) => c.address)).toEqual(['terraform_data.node[2]']);
  });

  it('compares numbers by exact value: beyond 2^53 they differ, 1.0 and 1 do not', async () => {
    const withNumber = (raw: string): Buffer =>
      edited((state) => {
        at(instances(resource(state, 'network'))[0], 'attributes', 'input', 'value')['big'] = new JsonNumber(raw);
      });
    const a = withNumber('12345678901234567890');
    const b = withNumber('12345678901234567891');
    const diff = await streamed(a, b, options);
    expect(diff).toEqual(inMemory(a, b));
    expect(diff.changed.flatMap((c) => c.changes).map((c) => [c.text, formatJson(c.before ?? null), formatJson(c.after ?? null)])).toEqual([
      ['input.value.big', '12345678901234567890', '12345678901234567891'],
    ]);
    expect(hasDifferences(await streamed(withNumber('1.0'), withNumber('1'), options))).toBe(false);
  });

  it('reports both states in the header: lineage, serial, Terraform version', async () => {
    const after = edited((state) => {
      state['serial'] = 31;
      state['lineage'] = '00000000-0000-4000-8000-000000000000';
    });
    const diff = await diffStateSources(open(main), open(after), options);
    expect(diff.header).toEqual({
      before: { lineage: 'ceff5ac0-09ad-9f76-9e5e-830893b906b5', serial: 30, terraformVersion: '1.11.4' },
      after: { lineage: '00000000-0000-4000-8000-000000000000', serial: 31, terraformVersion: '1.11.4' },
    });
    expect(hasDifferences(diff)).toBe(false);
    expect(formatDiffText(diff)).toBe(
      'lineage: ceff5ac0-09ad-9f76-9e5e-830893b906b5 → 00000000-0000-4000-8000-000000000000 (another lineage: these are not versions of one state)\n' +
        'serial: 30 → 31\n\nNo differences in resources or outputs.\n',
    );
    expect(JSON.parse(formatDiffJson(diff)).header.after).toEqual({ lineage: '00000000-0000-4000-8000-000000000000', serial: 31, terraform_version: '1.11.4' });
  });
});

describe('diffStateSources on the fixture states', async () => {
  const empty = Buffer.from(
    JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage: '3f2e1d0c-0000-4000-8000-000000000000', outputs: {}, resources: [], check_results: null }),
  );
  // The states the state model reads; the others are refused by the reference itself.
  const readable: string[] = [];
  for (const state of await fixtureStates()) {
    try {
      parseState(await readFile(path.join(REPO_ROOT, state)));
      readable.push(state);
    } catch (error) {
      // A state the reference refuses has no reference diff to compare with.
      if (!(error instanceof TempehError)) throw error;
    }
  }

  it.each(readable)('equals diffStates against the main fixture, an empty state and its compacted copy: %s', async (state) => {
    const bytes = await readFile(path.join(REPO_ROOT, state));
    const compact = Buffer.from(formatJson(parseJson(bytes), { indent: '' }));
    for (const [a, b] of [[main, bytes], [bytes, main], [empty, bytes], [bytes, empty], [bytes, compact]] as const) {
      expect(await streamed(a, b)).toEqual(inMemory(a, b));
    }
  });

  it('pairs of fixture states give the same diff through the pool', async () => {
    const pairs = [
      ['fixtures/terraform/terraform.tfstate.backup', 'fixtures/terraform/terraform.tfstate'],
      ['fixtures/terraform/terraform.tfstate', 'fixtures/terraform/edge/deposed.tfstate'],
      ['fixtures/terraform/terraform.tfstate', 'fixtures/terraform/terraform.tfstate.d/staging/terraform.tfstate'],
      ['fixtures/odd-keys/handmade/module-spellings/terraform.tfstate', 'fixtures/odd-keys/handmade/mixed-keys/terraform.tfstate'],
    ];
    for (const [x = '', y = ''] of pairs) {
      const a = await readFile(path.join(REPO_ROOT, x));
      const b = await readFile(path.join(REPO_ROOT, y));
      expect(await streamed(a, b, { inProcessBelowBytes: 0, threads: 2 })).toEqual(inMemory(a, b));
    }
  });
});

describe('diffStateSources second pass', () => {
  it('reads inputs in another resource order in rounds when little may be held, with the same result', async () => {
    const reordered = edited((state) => {
      state['resources'] = resources(state).reverse();
      for (const r of resources(state)) for (const instance of instances(r)) at(instance, 'attributes')['id'] = 'changed';
    });
    const expected = inMemory(main, reordered);
    expect(expected.changed.length).toBeGreaterThan(10);
    expect(await streamed(main, reordered, { holdBytes: 1 })).toEqual(expected);
    expect(await streamed(main, reordered, { holdBytes: 2000 })).toEqual(expected);
  });

  it('opens an input a second time only when something in it differs', async () => {
    const opened: string[] = [];
    const counting = (name: string, bytes: Uint8Array) => () => {
      opened.push(name);
      return chunked(bytes);
    };
    const after = edited((state) => {
      state['serial'] = 99;
    });
    await diffStateSources(counting('a', main), counting('b', after));
    expect(opened).toEqual(['a', 'b']);
    opened.length = 0;
    const changed = edited((state) => {
      at(instances(resource(state, 'network'))[0], 'attributes')['id'] = 'changed';
    });
    await diffStateSources(counting('a', main), counting('b', changed));
    expect(opened.sort()).toEqual(['a', 'a', 'b', 'b']);
    // A resource removed is read again from `before` only.
    opened.length = 0;
    await diffStateSources(
      counting('a', main),
      counting(
        'b',
        edited((state) => {
          state['resources'] = resources(state).slice(0, -1);
        }),
      ),
    );
    expect(opened.sort()).toEqual(['a', 'a', 'b']);
  });

  it('fails with TEMPEH_E_CONFLICT when an input changed between the passes', async () => {
    const after = edited((state) => {
      at(instances(resource(state, 'network'))[0], 'attributes')['id'] = 'changed';
    });
    const other = edited((state) => {
      at(instances(resource(state, 'network'))[0], 'attributes')['id'] = 'changed again, longer than before';
    });
    let reads = 0;
    const shifting = () => chunked(reads++ === 0 ? after : other);
    expect(await codeOf(diffStateSources(open(main), shifting))).toBe('TEMPEH_E_CONFLICT');
  });
});

describe('diffStateSources errors', () => {
  const state = (fields: Record<string, unknown>): Buffer =>
    Buffer.from(JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage: 'l', outputs: {}, resources: [], ...fields }));

  it.each(PATHS)('refuses what is not a v4 state, naming the input ($path)', async ({ options }) => {
    expect(await codeOf(diffStateSources(open(main), open(Buffer.from('[1, 2]')), options))).toBe('TEMPEH_E_INVALID_STATE');
    expect(await codeOf(diffStateSources(open(state({ version: 3 })), open(main), options))).toBe('TEMPEH_E_STATE_VERSION');
    expect(await codeOf(diffStateSources(open(main), open(state({ outputs: [] })), options))).toBe('TEMPEH_E_INVALID_STATE');
    const broken = state({ resources: [{ mode: 'managed', type: 'x', name: 'y', provider: 'p', instances: [{ schema_version: 0, attributes: {} }] }, { module: 'not a module' }] });
    const error = await diffStateSources(open(main), open(broken), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TempehError);
    if (!(error instanceof TempehError)) throw new Error('no error');
    expect(error.code).toBe('TEMPEH_E_INVALID_STATE');
    expect(error.message).toContain('the after state');
  });

  it('refuses a changed resource that is not a resource object', async () => {
    const broken = state({ resources: [{ mode: 'managed', type: 'x', name: 'y', provider: 'p', instances: [7] }] });
    expect(await codeOf(diffStateSources(open(main), open(broken)))).toBe('TEMPEH_E_INVALID_STATE');
  });

  it('is cancelled through its signal', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(diffStateSources(open(main), open(main), { signal: controller.signal }))).toBe('TEMPEH_E_CANCELLED');
  });
});
