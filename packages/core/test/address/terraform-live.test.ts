// Random addresses and keys, checked against the real terraform binary:
// its `state list` formats and sorts them, and parses the filters we spell.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareModuleAddresses,
  formatAddress,
  formatModuleAddress,
  listInstanceAddresses,
  parseAddress,
  type ResourceInstanceAddress,
} from '../../src/address/index.js';
import { parseState, type TerraformState } from '../../src/state/index.js';
import { addressArbitrary, anyAddressArbitrary, spellAddress, spellingChoicesArbitrary } from './arbitraries.js';
import { hasTerraform, terraformStateList, writeTempState } from './terraform.js';

const PROVIDER = 'provider["terraform.io/builtin/terraform"]';

/** A v4 state document holding one current object per address (duplicates dropped). */
function stateDocument(addresses: readonly ResourceInstanceAddress[]): Record<string, unknown> {
  const resources = new Map<string, { module: string; mode: string; type: string; name: string; keys: Map<string, unknown> }>();
  for (const address of addresses) {
    const module = formatModuleAddress(address.module);
    const id = JSON.stringify([module, address.mode, address.type, address.name]);
    let resource = resources.get(id);
    if (resource === undefined) {
      resource = { module, mode: address.mode, type: address.type, name: address.name, keys: new Map() };
      resources.set(id, resource);
    }
    resource.keys.set(JSON.stringify(address.key ?? null), address.key);
  }
  return {
    version: 4,
    terraform_version: '1.11.4',
    serial: 1,
    lineage: '8d2f0c1e-0000-4000-8000-0000000000bb',
    outputs: {},
    resources: [...resources.values()].map(({ module, mode, type, name, keys }) => ({
      ...(module === '' ? {} : { module }),
      mode,
      type,
      name,
      provider: PROVIDER,
      instances: [...keys.values()].map((key) => ({ ...(key === undefined ? {} : { index_key: key }), schema_version: 0, attributes: {} })),
    })),
    check_results: null,
  };
}

function sameResource(a: ResourceInstanceAddress, b: ResourceInstanceAddress): boolean {
  return compareModuleAddresses(a.module, b.module) === 0 && a.mode === b.mode && a.type === b.type && a.name === b.name;
}

async function withState<T>(document: Record<string, unknown>, use: (path: string, state: TerraformState) => Promise<T>): Promise<T> {
  const { path, cleanup } = await writeTempState(document);
  try {
    return await use(path, parseState(JSON.stringify(document)));
  } finally {
    await cleanup();
  }
}

describe('against the real terraform', () => {
  it.skipIf(!hasTerraform)('formats and sorts keys across the whole Unicode range like terraform (needs terraform on PATH)', async () => {
    // Every code point below U+0800, then a sample; the whole range was checked
    // once the same way (fixtures/odd-keys/README.md). `{` after the character
    // tests the `$${` and `%%{` doubling too.
    const keys: string[] = [];
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint += codePoint < 0x800 ? 1 : codePoint < 0x3000 ? 7 : 97) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const char = String.fromCodePoint(codePoint);
      keys.push(`${char}{${char}`);
    }
    const addresses = keys.map((key): ResourceInstanceAddress => ({ module: [], mode: 'managed', type: 't', name: 'k', key }));
    await withState(stateDocument(addresses), async (path, state) => {
      expect(listInstanceAddresses(state)).toEqual(await terraformStateList(path));
    });
  });

  it.skipIf(!hasTerraform)('lists random addresses like terraform, module keys normalised to NFC (needs terraform on PATH)', async () => {
    const addresses = fc.sample(anyAddressArbitrary, { seed: 20260101, numRuns: 3000 });
    await withState(stateDocument(addresses), async (path, state) => {
      expect(listInstanceAddresses(state)).toEqual(await terraformStateList(path));
    });
  });

  it.skipIf(!hasTerraform)('parses spelled-out filters to what terraform lists for them (needs terraform on PATH)', async () => {
    const samples = fc.sample(fc.tuple(addressArbitrary, spellingChoicesArbitrary), { seed: 7, numRuns: 200 });
    const addresses = samples.map(([address]) => address);
    await withState(stateDocument(addresses), async (path, state) => {
      const filters = samples.map(([address, choices]) => spellAddress(address, choices));
      // `terraform state list ADDR…` prints, per filter in order, the instance
      // it names, or every instance of the resource when it names no key.
      const listed = listInstanceAddresses(state).map(parseAddress);
      const expected = filters.flatMap((filter) => {
        const address = parseAddress(filter);
        if (address.key !== undefined) return [formatAddress(address)];
        return listed.filter((other) => sameResource(other, address)).map(formatAddress);
      });
      expect(await terraformStateList(path, filters)).toEqual(expected);
    });
  });
});
