import { describe, expect, it } from 'vitest';
import { formatAddress, formatInstanceKey, formatModuleAddress } from '../../src/address/index.js';
import { isGoPrintable } from '../../src/address/go-printable.js';

describe('formatInstanceKey', () => {
  it.each([
    [0, '[0]'],
    [10, '[10]'],
    [-1, '[-1]'],
    [-0, '[0]'],
    [Number.MAX_SAFE_INTEGER, '[9007199254740991]'],
  ])('writes the integer %s as %s', (key, expected) => {
    expect(formatInstanceKey(key)).toBe(expected);
  });

  it('writes no key as the empty string', () => {
    expect(formatInstanceKey(undefined)).toBe('');
  });

  // Expected values are what terraform v1.11.4 printed (fixtures/odd-keys/root-keys).
  it.each([
    ['', '[""]'],
    ['plain', '["plain"]'],
    ['10', '["10"]'],
    ['has space', '["has space"]'],
    ['dot.ted', '["dot.ted"]'],
    ['[bracket]', '["[bracket]"]'],
    ['quote"inside', '["quote\\"inside"]'],
    ['back\\slash', '["back\\\\slash"]'],
    ['\\"', '["\\\\\\""]'],
    ['line\nbreak', '["line\\nbreak"]'],
    ['carriage\rreturn', '["carriage\\rreturn"]'],
    ['tab\there', '["tab\\there"]'],
    ['interp${x}', '["interp$${x}"]'],
    ['directive%{x}', '["directive%%{x}"]'],
    ['$${', '["$$${"]'],
    ['%%{', '["%%%{"]'],
    ['dollar$$', '["dollar$$"]'],
    ['$', '["$"]'],
    ['100%', '["100%"]'],
    ['{', '["{"]'],
    ['ünïcödé', '["ünïcödé"]'],
    ['日本語', '["日本語"]'],
    ['combining e\u0301', '["combining e\u0301"]'],
    ['🦀', '["🦀"]'],
    ['\uff5e', '["\uff5e"]'],
  ])('quotes the string %j as %s', (key, expected) => {
    expect(formatInstanceKey(key)).toBe(expected);
  });

  it.each([
    ['nb\u00a0sp', '["nb\\u00a0sp"]', 'U+00A0 no-break space (Zs)'],
    ['zero\u200bwidth', '["zero\\u200bwidth"]', 'U+200B zero-width space (Cf)'],
    ['soft\u00adhyphen', '["soft\\u00adhyphen"]', 'U+00AD soft hyphen (Cf)'],
    ['bom\ufeff', '["bom\\ufeff"]', 'U+FEFF (Cf)'],
    ['ctrl\u0001', '["ctrl\\u0001"]', 'U+0001 (Cc)'],
    ['nul\u0000', '["nul\\u0000"]', 'U+0000 (Cc)'],
    ['del\u007f', '["del\\u007f"]', 'U+007F (Cc)'],
    ['nel\u0085', '["nel\\u0085"]', 'U+0085 (Cc)'],
    ['ls\u2028', '["ls\\u2028"]', 'U+2028 line separator (Zl)'],
    ['\ue000', '["\\ue000"]', 'U+E000 private use (Co)'],
    ['tag\u{e0001}', '["tag\\U000e0001"]', 'U+E0001 language tag, astral (Cf)'],
    ['max\u{10ffff}', '["max\\U0010ffff"]', 'U+10FFFF, astral, unassigned'],
    ['\u{1fae9}', '["\\U0001fae9"]', 'U+1FAE9, an emoji of Unicode 16.0, after Go 1.23\'s Unicode 15.0'],
    ['\u2ffc', '["\\u2ffc"]', 'U+2FFC, assigned in Unicode 15.1'],
  ])('escapes %j as %s: %s is not printable for Go', (key, expected) => {
    expect(formatInstanceKey(key)).toBe(expected);
  });

  it('keeps characters Unicode 15.0 assigned, which Go 1.23 prints', () => {
    // U+1FA75 LIGHT BLUE HEART is new in Unicode 15.0.
    expect(formatInstanceKey('\u{1fa75}')).toBe('["\u{1fa75}"]');
  });

  it('reads an unpaired surrogate as U+FFFD, as Go decodes it', () => {
    expect(formatInstanceKey('a\ud800b')).toBe('["a\ufffdb"]');
    expect(formatInstanceKey('\udc00')).toBe('["\ufffd"]');
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses the number %s', (key) => {
    expect(() => formatInstanceKey(key)).toThrow(expect.objectContaining({ code: 'TEMPEH_E_INVALID_ADDRESS' }));
  });
});

describe('formatModuleAddress', () => {
  it('writes the root module as the empty string', () => {
    expect(formatModuleAddress([])).toBe('');
  });

  it('joins steps with dots, keys in brackets', () => {
    expect(formatModuleAddress([{ name: 'a', key: 'k' }, { name: 'b', key: 0 }, { name: 'c' }])).toBe('module.a["k"].module.b[0].module.c');
  });
});

describe('formatAddress', () => {
  it('writes a root managed resource without a key', () => {
    expect(formatAddress({ module: [], mode: 'managed', type: 'terraform_data', name: 'x' })).toBe('terraform_data.x');
  });

  it('writes data sources with the data. prefix, after the module path', () => {
    expect(
      formatAddress({ module: [{ name: 'a', key: 'k' }, { name: 'b', key: 0 }], mode: 'data', type: 'x', name: 'y', key: 'z' }),
    ).toBe('module.a["k"].module.b[0].data.x.y["z"]');
  });

  it('quotes keys in module steps like instance keys', () => {
    expect(formatAddress({ module: [{ name: 'fe', key: 'line\nbreak' }], mode: 'managed', type: 't', name: 'r', key: 11 })).toBe(
      'module.fe["line\\nbreak"].t.r[11]',
    );
  });
});

describe("the Go printable table (Go 1.23's unicode.IsPrint)", () => {
  it('counts ASCII space as printable, and no other space or control character', () => {
    expect(isGoPrintable(0x20)).toBe(true);
    for (const codePoint of [0x00, 0x09, 0x0a, 0x1f, 0x7f, 0x85, 0xa0, 0x1680, 0x2000, 0x2028, 0x2029, 0x3000]) {
      expect(isGoPrintable(codePoint)).toBe(false);
    }
  });

  it('lists only letters, marks, numbers, punctuation and symbols of the running engine', () => {
    // Node ≥ 20 ships Unicode ≥ 15.0, so everything Go 1.23 prints is in these classes.
    const graphic = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
    for (let codePoint = 0x21; codePoint <= 0x10ffff; codePoint++) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      if (isGoPrintable(codePoint) && !graphic.test(String.fromCodePoint(codePoint))) {
        expect.fail(`U+${codePoint.toString(16)} is in the table but not graphic`);
      }
    }
  });
});
