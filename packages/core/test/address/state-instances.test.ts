import { describe, expect, it } from 'vitest';
import { findInstance, listInstanceAddresses, listResourceInstances } from '../../src/address/index.js';
import { isTempehError } from '../../src/errors.js';
import { JsonNumber } from '../../src/json/json-value.js';
import { parseState, type TerraformState } from '../../src/state/index.js';
import { hasTerraform, terraformStateList, writeTempState } from './terraform.js';

const PROVIDER = 'provider["terraform.io/builtin/terraform"]';

interface ResourceSpec {
  module?: string;
  mode?: string;
  type?: string;
  name: string;
  instances: Record<string, unknown>[];
}

function document(resources: readonly ResourceSpec[]): Record<string, unknown> {
  return {
    version: 4,
    terraform_version: '1.11.4',
    serial: 1,
    lineage: '8d2f0c1e-0000-4000-8000-0000000000aa',
    outputs: {},
    resources: resources.map(({ module, mode = 'managed', type = 'terraform_data', name, instances }) => ({
      ...(module === undefined ? {} : { module }),
      mode,
      type,
      name,
      provider: PROVIDER,
      instances: instances.map((instance) => ({ ...instance, schema_version: 0, attributes: { id: 'x' }, sensitive_attributes: [] })),
    })),
    check_results: null,
  };
}

/** A state read with parseState, as every caller gets one. */
function stateOf(resources: readonly ResourceSpec[]): TerraformState {
  return parseState(JSON.stringify(document(resources)));
}

/**
 * A state parseState would refuse (it is stricter than Terraform in places),
 * built directly to reach the checks of the address functions themselves.
 */
function looseStateOf(resources: readonly ResourceSpec[]): TerraformState {
  const state: TerraformState = JSON.parse(JSON.stringify(document(resources)));
  return state;
}

function errorOf(action: () => unknown): { code: string; location: unknown; cause: unknown } {
  try {
    action();
  } catch (error) {
    if (isTempehError(error)) return { code: error.code, location: Reflect.get(error, 'location'), cause: error.cause };
    throw error;
  }
  throw new Error('expected an error');
}

describe('listInstanceAddresses', () => {
  it('lists nothing for an empty state', () => {
    expect(listInstanceAddresses(stateOf([]))).toEqual([]);
  });

  it('lists nothing for a resource with no instances', () => {
    const state = stateOf([{ name: 'empty', instances: [] }, { module: 'module.m', name: 'one', instances: [{}] }]);
    expect(listInstanceAddresses(state)).toEqual(['module.m.terraform_data.one']);
  });

  it('lists an instance once however many deposed objects it has, and also when it has only deposed ones', () => {
    const state = stateOf([
      {
        name: 'd',
        instances: [
          { deposed: '00000001' },
          { index_key: 1, status: 'tainted' },
          { index_key: 1, deposed: '00000002' },
          { index_key: 1, deposed: '00000003' },
          { index_key: 2, deposed: '00000004' },
        ],
      },
    ]);
    expect(listInstanceAddresses(state)).toEqual(['terraform_data.d', 'terraform_data.d[1]', 'terraform_data.d[2]']);
  });

  it('merges resource entries with one address, and module spellings that mean one module', () => {
    const state = stateOf([
      { name: 'split', instances: [{ index_key: 1 }] },
      { name: 'split', instances: [{ index_key: 0 }] },
      { module: 'module.c[01]', name: 'n', instances: [{ index_key: 0 }] },
      { module: 'module.c[1]', name: 'n', instances: [{ index_key: 1 }] },
      { module: '', name: 'rootish', instances: [{}] },
    ]);
    expect(listInstanceAddresses(state)).toEqual([
      'terraform_data.rootish',
      'terraform_data.split[0]',
      'terraform_data.split[1]',
      'module.c[1].terraform_data.n[0]',
      'module.c[1].terraform_data.n[1]',
    ]);
  });

  it('truncates number keys toward zero, as Go\'s int(float64) does', () => {
    const state = looseStateOf([{ name: 'f', instances: [{ index_key: 1.7 }, { index_key: -2.5 }, { index_key: -0.5 }, {}] }]);
    // parseJson keeps a number spelled `4e0` as a JsonNumber; Terraform reads it as 4.
    const fourth = state.resources[0]?.instances[3];
    if (fourth !== undefined) Reflect.set(fourth, 'index_key', new JsonNumber('4e0'));
    expect(listInstanceAddresses(state)).toEqual(['terraform_data.f[-2]', 'terraform_data.f[0]', 'terraform_data.f[1]', 'terraform_data.f[4]']);
  });

  it('reads an unpaired surrogate in a key as U+FFFD, as Go decodes it', () => {
    const state = stateOf([{ name: 's', instances: [{ index_key: 'lone\ud800high' }, { index_key: 'pair🦀' }] }]);
    expect(listInstanceAddresses(state)).toEqual(['terraform_data.s["lone\ufffdhigh"]', 'terraform_data.s["pair🦀"]']);
  });

  // Terraform refuses to load each of these states.
  it('refuses an instance that appears twice', () => {
    const state = stateOf([{ name: 'x', instances: [{ index_key: 1 }, { index_key: 1 }] }]);
    expect(errorOf(() => listInstanceAddresses(state))).toMatchObject({ code: 'TEMPEH_E_INVALID_STATE', location: '$.resources[0].instances[1]' });
  });

  it('refuses a deposed object that appears twice', () => {
    const state = stateOf([{ name: 'x', instances: [{ deposed: '00000001' }, { deposed: '00000001' }] }]);
    expect(errorOf(() => listInstanceAddresses(state)).code).toBe('TEMPEH_E_INVALID_STATE');
  });

  it('refuses a module field that is not a module address, with the parse error as cause', () => {
    for (const module of ['module.a["${x}"]', 'terraform_data.x', 'module.a[0][1]']) {
      const error = errorOf(() => listInstanceAddresses(stateOf([{ module, name: 'n', instances: [{}] }])));
      expect(error).toMatchObject({ code: 'TEMPEH_E_INVALID_STATE', location: '$.resources[0].module' });
      expect(error.cause).toMatchObject({ code: 'TEMPEH_E_INVALID_ADDRESS' });
    }
  });

  it('refuses a mode other than managed or data', () => {
    const state = looseStateOf([{ mode: 'ephemeral', name: 'n', instances: [{}] }]);
    expect(errorOf(() => listInstanceAddresses(state))).toMatchObject({ code: 'TEMPEH_E_INVALID_STATE', location: '$.resources[0].mode' });
  });

  it('refuses an index_key that is neither a string nor a number', () => {
    const state = looseStateOf([{ name: 'n', instances: [{ index_key: true }] }]);
    expect(errorOf(() => listInstanceAddresses(state))).toMatchObject({
      code: 'TEMPEH_E_INVALID_STATE',
      location: '$.resources[0].instances[0].index_key',
    });
  });

  it.skipIf(!hasTerraform)('refuses what terraform refuses: an instance twice (needs terraform on PATH)', async () => {
    const { path, cleanup } = await writeTempState(document([{ name: 'x', instances: [{ index_key: 1 }, { index_key: 1 }] }]));
    try {
      await expect(terraformStateList(path)).rejects.toThrow(/Duplicate resource instance/);
    } finally {
      await cleanup();
    }
  });
});

describe('listResourceInstances', () => {
  it('gives the current objects in state-list order, leaving out deposed-only instances', () => {
    const state = stateOf([
      { name: 'b', instances: [{ index_key: 'y' }, { index_key: 'x', deposed: '0000000a' }, { index_key: 'x' }] },
      { mode: 'data', type: 'terraform_remote_state', name: 'z', instances: [{}] },
      { name: 'a', instances: [{ deposed: '0000000b' }] },
    ]);
    const entries = listResourceInstances(state);
    expect(entries.map((entry) => entry.text)).toEqual(['data.terraform_remote_state.z', 'terraform_data.b["x"]', 'terraform_data.b["y"]']);
    const [data, x] = entries;
    expect(data?.address).toEqual({ module: [], mode: 'data', type: 'terraform_remote_state', name: 'z' });
    expect(data?.resource).toBe(state.resources[1]);
    expect(x?.instance).toBe(state.resources[0]?.instances[2]);
  });
});

describe('findInstance', () => {
  const state = stateOf([
    { name: 'r', instances: [{ index_key: 0 }, { index_key: 0, deposed: '00000001' }, { index_key: 0, deposed: '00000002' }, { index_key: 1 }] },
    { name: 'gone', instances: [{ deposed: '00000003' }] },
    { module: 'module.a[ "x" ]', mode: 'data', type: 'terraform_remote_state', name: 'up', instances: [{}] },
  ]);
  const [r, gone, up] = state.resources;

  it('returns the current object and the deposed ones, in state order', () => {
    const found = findInstance(state, 'terraform_data.r[0]');
    expect(found?.resource).toBe(r);
    expect(found?.instance).toBe(r?.instances[0]);
    expect(found?.deposed).toEqual([r?.instances[1], r?.instances[2]]);
  });

  it('returns only deposed objects when no current one is left', () => {
    const found = findInstance(state, 'terraform_data.gone');
    expect(found).toEqual({ resource: gone, instance: undefined, deposed: [gone?.instances[0]] });
  });

  it('accepts any spelling Terraform accepts, and address objects', () => {
    expect(findInstance(state, 'module . a["\\u0078"].data.terraform_remote_state.up')?.resource).toBe(up);
    expect(findInstance(state, 'resource.terraform_data.r[1.0]')?.instance).toBe(r?.instances[3]);
    expect(findInstance(state, { module: [{ name: 'a', key: 'x' }], mode: 'data', type: 'terraform_remote_state', name: 'up' })?.resource).toBe(up);
  });

  it('returns undefined for an address with no objects', () => {
    expect(findInstance(state, 'terraform_data.r[2]')).toBeUndefined();
    expect(findInstance(state, 'terraform_data.r')).toBeUndefined();
    expect(findInstance(state, 'terraform_data.r["0"]')).toBeUndefined();
    expect(findInstance(state, 'data.terraform_data.r[0]')).toBeUndefined();
    expect(findInstance(state, 'module.a.data.terraform_remote_state.up')).toBeUndefined();
  });

  it('throws InvalidAddressError for an address that does not parse', () => {
    expect(errorOf(() => findInstance(state, 'terraform_data.r[')).code).toBe('TEMPEH_E_INVALID_ADDRESS');
  });
});
