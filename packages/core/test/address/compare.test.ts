import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareInstanceAddresses,
  compareInstanceKeys,
  compareModuleAddresses,
  formatAddress,
  parseAddress,
} from '../../src/address/index.js';
import { compareGoStrings } from '../../src/address/go-string.js';
import { addressArbitrary } from './arbitraries.js';

function sortAddresses(lines: readonly string[]): string[] {
  return lines
    .map(parseAddress)
    .sort(compareInstanceAddresses)
    .map(formatAddress);
}

describe('compareGoStrings', () => {
  it('orders by code point, so U+FF5E comes before an astral character', () => {
    // JS `<` says otherwise: '\uff5e' > '\ud83e' as UTF-16 units.
    expect('\uff5e' < '🦀').toBe(false);
    expect(compareGoStrings('\uff5e', '🦀')).toBeLessThan(0);
    expect(compareGoStrings('\ue000', '🦀')).toBeLessThan(0);
    expect(compareGoStrings('\ud7ff', '🦀')).toBeLessThan(0);
    expect(compareGoStrings('🦀', '🦁')).toBeLessThan(0);
    expect(compareGoStrings('a🦀', 'a\uffff')).toBeGreaterThan(0);
  });

  it('orders a prefix first', () => {
    expect(compareGoStrings('ab', 'abc')).toBeLessThan(0);
    expect(compareGoStrings('', 'a')).toBeLessThan(0);
    expect(compareGoStrings('same', 'same')).toBe(0);
  });

  it('treats an unpaired surrogate as U+FFFD, as Go decodes it', () => {
    expect(compareGoStrings('\ud800', '\ufffd')).toBe(0);
    expect(compareGoStrings('\ud800', '🦀')).toBeLessThan(0);
    expect(compareGoStrings('\ud800', '\ufffc')).toBeGreaterThan(0);
  });

  it('agrees with the byte order of the UTF-8 encodings (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareGoStrings(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('compareInstanceKeys', () => {
  it('puts no key first, then integers in numeric order, then strings', () => {
    // Wrapped, because Array.prototype.sort moves undefined to the end without asking the comparator.
    const keys = ['b', 10, undefined, '10', 2, '', '2', -1].map((key) => ({ key }));
    const sorted = keys.sort((a, b) => compareInstanceKeys(a.key, b.key)).map(({ key }) => key);
    expect(sorted).toEqual([undefined, -1, 2, 10, '', '10', '2', 'b']);
  });
});

describe('compareModuleAddresses', () => {
  it('puts the shorter path first, whatever the names', () => {
    expect(compareModuleAddresses([{ name: 'z' }], [{ name: 'a' }, { name: 'a' }])).toBeLessThan(0);
    expect(compareModuleAddresses([], [{ name: 'a' }])).toBeLessThan(0);
  });

  it('compares names before keys, step by step', () => {
    expect(compareModuleAddresses([{ name: 'a', key: 'z' }], [{ name: 'b', key: 0 }])).toBeLessThan(0);
    expect(compareModuleAddresses([{ name: 'w', key: 2 }], [{ name: 'w', key: 10 }])).toBeLessThan(0);
    expect(compareModuleAddresses([{ name: 'w' }], [{ name: 'w', key: 0 }])).toBeLessThan(0);
    expect(compareModuleAddresses([{ name: 'a', key: 0 }, { name: 'b' }], [{ name: 'a', key: 0 }, { name: 'b' }])).toBe(0);
  });
});

describe('compareInstanceAddresses', () => {
  // Expected orders are what terraform v1.11.4 printed (fixtures/odd-keys).
  it('sorts by module path depth first', () => {
    expect(
      sortAddresses(['module.a.module.b.t.n', 'module.zz.terraform_data.leaf', 'terraform_data.root', 'module.data.terraform_data.leaf']),
    ).toEqual(['terraform_data.root', 'module.data.terraform_data.leaf', 'module.zz.terraform_data.leaf', 'module.a.module.b.t.n']);
  });

  it('sorts integer module keys numerically and string module keys bytewise', () => {
    expect(sortAddresses(['module.w[10].t.n', 'module.w[2].t.n', 'module.w[11].t.n', 'module.w[0].t.n'])).toEqual([
      'module.w[0].t.n',
      'module.w[2].t.n',
      'module.w[10].t.n',
      'module.w[11].t.n',
    ]);
    expect(sortAddresses(['module.fe["2"].t.n', 'module.fe["10"].t.n', 'module.fe["02"].t.n', 'module.fe[""].t.n'])).toEqual([
      'module.fe[""].t.n',
      'module.fe["02"].t.n',
      'module.fe["10"].t.n',
      'module.fe["2"].t.n',
    ]);
  });

  it('puts data sources before managed resources, then sorts by type and name', () => {
    expect(
      sortAddresses(['terraform_data.a', 'data.terraform_remote_state.zzz', 'data.terraform_remote_state.counted[0]', 'terraform_data.B']),
    ).toEqual(['data.terraform_remote_state.counted[0]', 'data.terraform_remote_state.zzz', 'terraform_data.B', 'terraform_data.a']);
  });

  it('sorts names bytewise: uppercase, dash, digits, underscore, lowercase, non-ASCII', () => {
    const names = ['z', 'ñ', 'n_1', 'n2', 'n10', 'n-1', 'a', '_u', 'B'];
    expect(sortAddresses(names.map((name) => `terraform_data.${name}`))).toEqual(
      ['B', '_u', 'a', 'n-1', 'n10', 'n2', 'n_1', 'z', 'ñ'].map((name) => `terraform_data.${name}`),
    );
  });

  it('sorts instance keys: none, integers numerically, then strings by code point', () => {
    expect(
      sortAddresses(['t.m["b"]', 't.m[10]', 't.m[2]', 't.m', 't.m["10"]', 't.m[""]', 't.m["2"]', 't.m["🦀"]', 't.m["～"]', 't.m["\\ue000"]']),
    ).toEqual(['t.m', 't.m[2]', 't.m[10]', 't.m[""]', 't.m["10"]', 't.m["2"]', 't.m["b"]', 't.m["\\ue000"]', 't.m["～"]', 't.m["🦀"]']);
  });

  it('is a consistent total order (property)', () => {
    fc.assert(
      fc.property(addressArbitrary, addressArbitrary, addressArbitrary, (a, b, c) => {
        // Antisymmetric. (A sum, not toBe(-sign): for equal addresses -0 and 0 differ under Object.is.)
        expect(Math.sign(compareInstanceAddresses(a, b)) + Math.sign(compareInstanceAddresses(b, a))).toBe(0);
        expect(compareInstanceAddresses(a, b) === 0).toBe(formatAddress(a) === formatAddress(b));
        if (compareInstanceAddresses(a, b) <= 0 && compareInstanceAddresses(b, c) <= 0) {
          expect(compareInstanceAddresses(a, c)).toBeLessThanOrEqual(0);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
