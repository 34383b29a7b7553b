import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddress, formatModuleAddress, parseAddress, parseModuleAddress } from '../../src/address/index.js';
import { isTempehError } from '../../src/errors.js';
import { addressArbitrary, moduleStepArbitrary, spellAddress, spellingChoicesArbitrary } from './arbitraries.js';

function parseError(text: string, parse: (text: string) => unknown = parseAddress): { code: string; message: string } {
  try {
    parse(text);
  } catch (error) {
    if (isTempehError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

describe('parseAddress', () => {
  it('reads a root managed resource', () => {
    expect(parseAddress('terraform_data.x')).toEqual({ module: [], mode: 'managed', type: 'terraform_data', name: 'x' });
  });

  it('reads module steps, a data source and keys', () => {
    expect(parseAddress('module.a["k"].module.b[0].data.x.y["z"]')).toEqual({
      module: [
        { name: 'a', key: 'k' },
        { name: 'b', key: 0 },
      ],
      mode: 'data',
      type: 'x',
      name: 'y',
      key: 'z',
    });
  });

  it.each([
    ['["a\\"b"]', 'a"b'],
    ['["back\\\\slash"]', 'back\\slash'],
    ['["\\n\\r\\t"]', '\n\r\t'],
    ['["$${x}"]', '${x}'],
    ['["%%{x}"]', '%{x}'],
    ['["$$${"]', '$${'],
    ['["$$"]', '$$'],
    ['["$"]', '$'],
    ['["%"]', '%'],
    ['["$$$"]', '$$$'],
    ['["\\u00a0"]', '\u00a0'],
    ['["\\u00A0"]', '\u00a0'],
    ['["\\U0001f980"]', '🦀'],
    ['["\\U000e0001"]', '\u{e0001}'],
    ['["🦀"]', '🦀'],
    ['["dot.ted"]', 'dot.ted'],
    ['["]"]', ']'],
    ['["[0]"]', '[0]'],
    ['["terraform_data.y[\\"z\\"]"]', 'terraform_data.y["z"]'],
    ['[""]', ''],
    ['["has space"]', 'has space'],
    ['["tab\there"]', 'tab\there'],
    ['["\\u0031\\u0030"]', '10'],
  ])('reads the key %s as %j', (key, expected) => {
    expect(parseAddress(`t.n${key}`).key).toBe(expected);
  });

  it.each([
    ['[0]', 0],
    ['[10]', 10],
    ['[01]', 1],
    ['[2.0]', 2],
    ['[2e0]', 2],
    ['[1E+1]', 10],
    ['[1.e1]', 10],
    ['[150e-1]', 15],
    ['[0e400]', 0],
    ['[9007199254740991]', Number.MAX_SAFE_INTEGER],
  ])('reads the numeric key %s as %d, as Terraform does', (key, expected) => {
    expect(parseAddress(`t.n${key}`).key).toBe(expected);
  });

  // Terraform wraps parsed keys in cty strings, which are NFC (Unicode 15.0
  // tables in v1.11.4); checked against terraform in fixtures/odd-keys/handmade/nfc.
  it.each([
    ['e\\u0301', '\u00e9', 'a combining acute composes'],
    ['e\u0301', '\u00e9', 'also when written literally'],
    ['a\u0302\u0323', '\u1ead', 'marks reorder by combining class, then compose'],
    ['\u212b', '\u00c5', 'a singleton decomposition (ANGSTROM SIGN) maps'],
    ['\u1100\u1161', '\uac00', 'Hangul jamo compose'],
    ['a\u1add\u0301', 'a\u1add\u0301', 'U+1ADD, a mark of Unicode 17, is unknown to Go 1.23 and blocks composition'],
  ])('normalises the key %j to %j: %s', (key, expected) => {
    expect(parseAddress(`t.n["${key}"]`).key).toBe(expected);
    expect(parseModuleAddress(`module.m["${key}"]`)).toEqual([{ name: 'm', key: expected }]);
  });

  it('leaves names as written: Terraform does not normalise identifiers', () => {
    expect(parseAddress('t.e\u0301').name).toBe('e\u0301');
  });

  it('keeps numeric-looking strings as strings', () => {
    expect(parseAddress('t.n["10"]').key).toBe('10');
    expect(parseAddress('module.w["2"].t.n').module).toEqual([{ name: 'w', key: '2' }]);
  });

  it('accepts what HCL skips between tokens: spaces, tabs, newlines and comments', () => {
    const expected = { module: [{ name: 'a', key: 'x' }], mode: 'managed', type: 't', name: 'n', key: 2 };
    expect(parseAddress(' module . a [ "x" ] . t . n [ 2 ] ')).toEqual(expected);
    expect(parseAddress('module.a["x"]\n.t\r\n.n[2]\t')).toEqual(expected);
    expect(parseAddress('module/* c */.a["x"].t.n[2] # trailing')).toEqual(expected);
    expect(parseAddress('module.a["x"] // c\n.t.n[2]')).toEqual(expected);
    expect(parseAddress('\ufeffmodule.a["x"].t.n[2]')).toEqual(expected);
  });

  it('accepts the optional resource. prefix of a managed resource', () => {
    expect(parseAddress('resource.terraform_data.m[2]')).toEqual({ module: [], mode: 'managed', type: 'terraform_data', name: 'm', key: 2 });
    expect(parseAddress('module.a.resource.count.x')).toEqual({ module: [{ name: 'a' }], mode: 'managed', type: 'count', name: 'x' });
  });

  it('reads identifiers with dashes and non-ASCII letters', () => {
    expect(parseAddress('module.my-mod.terraform_data.n-1')).toEqual({ module: [{ name: 'my-mod' }], mode: 'managed', type: 'terraform_data', name: 'n-1' });
    expect(parseAddress('terraform_data.ñ')).toEqual({ module: [], mode: 'managed', type: 'terraform_data', name: 'ñ' });
  });

  it('reads a module named like a keyword', () => {
    expect(parseAddress('module.data.terraform_data.leaf').module).toEqual([{ name: 'data' }]);
    expect(parseAddress('module.module.t.n').module).toEqual([{ name: 'module' }]);
  });

  // Each of these fails in Terraform v1.11.4 too (`terraform state list ADDR`).
  it.each([
    ['', 'empty'],
    ['   ', 'only spaces'],
    ['terraform_data', 'no name'],
    ['terraform_data.', 'a dot and nothing'],
    ['data.x', 'a data source without a name'],
    ['module.a', 'a module address'],
    ['module', 'module with no name'],
    ['module["x"].t.n', 'module followed by an index'],
    ['module.a[0][1].t.n', 'two indexes on a module'],
    ['t.n[0][1]', 'two instance keys'],
    ['t.n[0].x', 'something after the key'],
    ['t.n.x', 'three names'],
    ['t["x"].n', 'an index in place of the name'],
    ['data["x"].n', 'an index in place of the data source type'],
    ['t.n[-1]', 'a negative key (not a number token in HCL)'],
    ['t.n[1.5]', 'a fractional key'],
    ['t.n[150e-2]', 'a fractional key in exponent form'],
    ['t.n[9007199254740992]', 'a key beyond 2^53-1'],
    ['t.n[1e400]', 'a huge key'],
    ['t.n[0x2]', 'a hex key'],
    ['t.n[1.]', 'a number ending in a dot'],
    ['t.n[1.2.3]', 'a number with two dots'],
    ['t.n[*]', 'a splat'],
    ['t.*', 'an attribute splat'],
    ['t.n[x]', 'an unquoted key'],
    ["t.n['x']", 'a single-quoted key'],
    ['t.n["x"', 'an unclosed bracket'],
    ['t.n["x]', 'an unterminated string'],
    ['t.n["${x}"]', 'a template interpolation'],
    ['t.n["%{x}"]', 'a template directive'],
    ['t.n["a\\qb"]', 'an unknown escape'],
    ['t.n["\\u12"]', 'a short \\u escape'],
    ['t.n["\\U0001f98"]', 'a short \\U escape'],
    ['t.n["\\ud800"]', 'an escaped surrogate'],
    ['t.n["\\U00110000"]', 'an escape beyond U+10FFFF'],
    ['t.n["a\nb"]', 'a raw newline in a key'],
    ['t.n["a\rb"]', 'a raw carriage return in a key'],
    ['t.n["\ud800"]', 'an unpaired surrogate'],
    ['t.n\r[0]', 'a lone carriage return between tokens'],
    ['t.n /* c', 'an unterminated comment'],
    ['t.n[0]]', 'a stray bracket'],
    ['t.n[0] x', 'a stray name'],
    ['0.n', 'a number first'],
    ['"t".n', 'a string first'],
    ['count.x', 'a reserved root word'],
    ['var.x', 'a reserved root word'],
    ['terraform.x', 'a reserved root word'],
    ['module.a.each.x', 'a reserved word after a module'],
    ['ephemeral.x.y', 'an ephemeral resource, never in state'],
  ])('refuses %j (%s)', (text) => {
    expect(parseError(text).code).toBe('TEMPEH_E_INVALID_ADDRESS');
  });

  it('says where parsing stopped', () => {
    expect(parseError('t.n["x"').message).toContain('at the end');
    expect(parseError('t.n[0]]').message).toContain('at character 7');
    expect(parseError('module.🦀a.t.n').message).toContain('at character 8');
    expect(parseError('module.a.t.n["a\\qb"]').message).toContain('at character 16');
  });

  it('reads what formatAddress writes (property)', () => {
    fc.assert(
      fc.property(addressArbitrary, (address) => {
        expect(parseAddress(formatAddress(address))).toEqual(address);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads every spelling Terraform accepts back to the same address (property)', () => {
    fc.assert(
      fc.property(addressArbitrary, spellingChoicesArbitrary, (address, choices) => {
        expect(parseAddress(spellAddress(address, choices))).toEqual(address);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseModuleAddress', () => {
  it('reads the empty string as the root module, as the state reader does', () => {
    expect(parseModuleAddress('')).toEqual([]);
  });

  it('reads keyed and unkeyed steps', () => {
    expect(parseModuleAddress('module.a["x"].module.b[0].module.c')).toEqual([{ name: 'a', key: 'x' }, { name: 'b', key: 0 }, { name: 'c' }]);
  });

  it('reads the non-canonical spellings Terraform accepts in a state', () => {
    expect(parseModuleAddress('module.a[ "x" ] . module.b')).toEqual([{ name: 'a', key: 'x' }, { name: 'b' }]);
    expect(parseModuleAddress('module.c[01]')).toEqual([{ name: 'c', key: 1 }]);
    expect(parseModuleAddress('module.c[1e1]')).toEqual([{ name: 'c', key: 10 }]);
    expect(parseModuleAddress('module.d["\\u0041\\U0001F980$${x}%%{y}"]')).toEqual([{ name: 'd', key: 'A🦀${x}%{y}' }]);
    expect(parseModuleAddress('module.e /* c */ # comment\n.module.f')).toEqual([{ name: 'e' }, { name: 'f' }]);
  });

  it.each([
    ['t.n', 'a resource address'],
    ['module.a.t.n', 'a resource after the module'],
    ['module.a[0][1]', 'two keys'],
    ['module.a.module', 'module with no name'],
    ['module.a["${x}"]', 'a template in a key'],
    ['   ', 'only spaces'],
  ])('refuses %j (%s)', (text) => {
    expect(parseError(text, parseModuleAddress).code).toBe('TEMPEH_E_INVALID_ADDRESS');
  });

  it('reads what formatModuleAddress writes (property)', () => {
    fc.assert(
      fc.property(fc.array(moduleStepArbitrary, { maxLength: 4 }), (steps) => {
        expect(parseModuleAddress(formatModuleAddress(steps))).toEqual(steps);
      }),
      { numRuns: 1000 },
    );
  });
});
