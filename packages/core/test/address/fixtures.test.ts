import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { findInstance, formatAddress, listInstanceAddresses, listResourceInstances, parseAddress } from '../../src/address/index.js';
import type { TerraformState } from '../../src/state/index.js';
import { hasTerraform, listedFixtures, readList, readState, terraformStateList } from './terraform.js';

// States that Terraform reads but parseState refuses, by design or not (see
// the report on parseState): they are read with JSON.parse here so the
// address functions are still checked against what terraform printed.
const PARSE_STATE_REFUSES: ReadonlyMap<string, string> = new Map([
  ['odd-keys/handmade/number-keys/terraform.tfstate', 'non-integer index_key (1.7, -2.5, 3e0), which Terraform truncates'],
]);

async function loadFixtureState(name: string, path: string): Promise<TerraformState> {
  if (!PARSE_STATE_REFUSES.has(name)) return readState(path);
  const state: TerraformState = JSON.parse(await readFile(path, 'utf8'));
  return state;
}

const fixtures = listedFixtures();

/** `[-2]` before a dot or at the end can only be an integer key: a string key ends in `"]`. */
function hasNegativeIntegerKey(line: string): boolean {
  return /\[-[0-9]+\](\.|$)/.test(line);
}

describe('listInstanceAddresses on every fixture state', () => {
  it('finds the fixtures', () => {
    const names = fixtures.map((fixture) => fixture.name);
    expect(names).toContain('terraform/terraform.tfstate');
    expect(names).toContain('terraform/edge/deposed.tfstate');
    expect(names).toContain('odd-keys/root-keys/terraform.tfstate');
    expect(names).toContain('odd-keys/modules/terraform.tfstate');
    expect(names).toContain('odd-keys/handmade/mixed-keys/terraform.tfstate');
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
  });

  for (const fixture of fixtures) {
    describe(fixture.name, () => {
      it('lists exactly what terraform state list printed (committed list)', async () => {
        const state = await loadFixtureState(fixture.name, fixture.statePath);
        expect(listInstanceAddresses(state)).toEqual(await readList(fixture.listPath));
      });

      it('lists lines that round-trip through parseAddress and formatAddress', async () => {
        const state = await loadFixtureState(fixture.name, fixture.statePath);
        for (const line of listInstanceAddresses(state)) {
          if (hasNegativeIntegerKey(line)) {
            // Terraform prints a negative key but its parser refuses it ("Index value required"); so does parseAddress.
            expect(() => parseAddress(line)).toThrow(expect.objectContaining({ code: 'TEMPEH_E_INVALID_ADDRESS' }));
            continue;
          }
          const canonical = formatAddress(parseAddress(line));
          if (canonical === line) {
            expect(findInstance(state, line)).toBeDefined();
          } else {
            // Only a key the state holds outside NFC (handmade/nfc) reads back
            // differently: Terraform's parser normalises keys, as parseAddress does.
            expect(line.normalize('NFC')).not.toBe(line);
            expect(formatAddress(parseAddress(canonical))).toBe(canonical);
          }
        }
      });

      it('gives listResourceInstances the listed instances that have a current object, in the same order', async () => {
        const state = await loadFixtureState(fixture.name, fixture.statePath);
        const listed = listInstanceAddresses(state);
        const entries = listResourceInstances(state);
        const current = new Set(entries.map((entry) => entry.text));
        expect(entries.map((entry) => entry.text)).toEqual(listed.filter((line) => current.has(line)));
        for (const line of listed) {
          // The rest are instances left with deposed objects only.
          if (!current.has(line) && !hasNegativeIntegerKey(line)) expect(findInstance(state, line)?.instance).toBeUndefined();
        }
        for (const entry of entries) {
          expect(formatAddress(entry.address)).toBe(entry.text);
          expect(entry.resource.instances).toContain(entry.instance);
          expect(findInstance(state, entry.address)?.instance).toBe(entry.instance);
        }
      });

      it.skipIf(!hasTerraform)('matches a live terraform state list (needs terraform on PATH)', async () => {
        const state = await loadFixtureState(fixture.name, fixture.statePath);
        expect(listInstanceAddresses(state)).toEqual(await terraformStateList(fixture.statePath));
      });
    });
  }
});
