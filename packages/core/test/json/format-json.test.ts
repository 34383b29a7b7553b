import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/error-code.js';
import { formatJson, formatJsonUnknown, quoteJsonString } from '../../src/json/format-json.js';
import { JsonNumber, setKeyOrder, type JsonObject, type JsonValue } from '../../src/json/json-value.js';
import { parseJson } from '../../src/json/parse-json.js';


describe('formatJson: layout (Go json.MarshalIndent with two spaces)', () => {
  it('writes nested values as Terraform does', () => {
    const value = { a: 1, b: [true, null, 'x'], c: {}, d: [], e: { f: [[], {}], g: { h: 'i' } } };
    expect(formatJson(value)).toBe(
      [
        '{',
        '  "a": 1,',
        '  "b": [',
        '    true,',
        '    null,',
        '    "x"',
        '  ],',
        '  "c": {},',
        '  "d": [],',
        '  "e": {',
        '    "f": [',
        '      [],',
        '      {}',
        '    ],',
        '    "g": {',
        '      "h": "i"',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  it('writes scalars at the top level', () => {
    expect(formatJson(null)).toBe('null');
    expect(formatJson('x')).toBe('"x"');
    expect(formatJson([])).toBe('[]');
  });

  it('writes compact JSON, as json.Marshal does, with an empty indent', () => {
    expect(formatJson({ ID: 'a<b', n: [1, {}, []], o: { k: null } }, { indent: '' })).toBe(
      '{"ID":"a\\u003cb","n":[1,{},[]],"o":{"k":null}}',
    );
  });

  it('uses another indent when asked', () => {
    expect(formatJson({ a: [1] }, { indent: '\t' })).toBe('{\n\t"a": [\n\t\t1\n\t]\n}');
  });

  it('skips undefined members', () => {
    expect(formatJsonUnknown({ a: undefined, b: 1, c: undefined })).toBe('{\n  "b": 1\n}');
    expect(formatJsonUnknown({ a: undefined })).toBe('{}');
  });
});

describe('formatJson: key order', () => {
  it('writes keys in KEY_ORDER, then keys added since', () => {
    const value: JsonObject = { '2': 2, '10': 1, b: 3 };
    setKeyOrder(value, ['10', 'gone', '2', '10']);
    value['a'] = 4;
    expect(formatJson(value, { indent: '' })).toBe('{"10":1,"2":2,"b":3,"a":4}');
  });

  it('round-trips integer-like keys in source order', () => {
    const text = '{\n  "10": 1,\n  "2": 2\n}';
    expect(formatJson(parseJson(text))).toBe(text);
  });

  it('sorts keys when asked, ignoring KEY_ORDER', () => {
    const value: JsonObject = { b: 1, a: { d: 1, c: 2 }, '10': 0, '9': 0 };
    setKeyOrder(value, ['b', 'a', '10', '9']);
    expect(formatJson(value, { indent: '', sortKeys: true })).toBe('{"10":0,"9":0,"a":{"c":2,"d":1},"b":1}');
  });

  it('writes a __proto__ key as data', () => {
    const value = parseJson('{"__proto__":{"x":1}}');
    expect(formatJson(value, { indent: '' })).toBe('{"__proto__":{"x":1}}');
  });
});

describe('formatJson: numbers', () => {
  // Expected texts are what Go's encoding/json writes for the same float64:
  // 'f' format from 1e-6 up to 1e21, else 'e' with e-07 shortened to e-7.
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-1.5, '-1.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [123.456, '123.456'],
    [1e20, '100000000000000000000'],
    [123456789e12, '123456789000000000000'],
    [1e21, '1e+21'],
    [1.5e300, '1.5e+300'],
    [0.000001, '0.000001'],
    [0.0000012345, '0.0000012345'],
    [1e-7, '1e-7'],
    [1.5e-7, '1.5e-7'],
    [5e-324, '5e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [2 ** 53 + 2, '9007199254740994'],
  ])('writes %s as %s', (n, expected) => {
    expect(formatJson(n)).toBe(expected);
  });

  it('writes JsonNumber text verbatim', () => {
    for (const raw of ['12345678901234567890', '0.1000000000000000055511151231257827', '1.0', '1E5', '-0', '1e400']) {
      expect(formatJson([new JsonNumber(raw)], { indent: '' })).toBe(`[${raw}]`);
    }
  });

  it('refuses non-finite numbers and JsonNumbers that are not number text', () => {
    expect(codeOf(() => formatJson(Number.NaN))).toBe('TEMPEH_E_INVALID_STATE');
    expect(codeOf(() => formatJson({ a: [Number.POSITIVE_INFINITY] }))).toBe('TEMPEH_E_INVALID_STATE');
    expect(codeOf(() => formatJson(Number.NEGATIVE_INFINITY))).toBe('TEMPEH_E_INVALID_STATE');
    for (const raw of ['', 'NaN', '01', '1.', '+1', '0x10', '1 ', '1,2']) {
      expect(codeOf(() => formatJson(new JsonNumber(raw))), raw).toBe('TEMPEH_E_INVALID_STATE');
    }
  });
});

describe('formatJson: strings, escaped as Go encoding/json (≥ 1.22) does', () => {
  it.each([
    ['plain text', 'hello world', '"hello world"'],
    ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['HTML characters', '<a href="x">&</a>', '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"'],
    ['short escapes', '\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['other control characters in lowercase hex', '\u0000\u0001\u000b\u001b\u001f', '"\\u0000\\u0001\\u000b\\u001b\\u001f"'],
    ['DEL literally', '\u007f', '"\u007f"'],
    ['line and paragraph separators', 'a\u2028b\u2029c', '"a\\u2028b\\u2029c"'],
    ['a slash literally', 'a/b', '"a/b"'],
    ['non-ASCII literally', 'é ü 中文 \u00a0', '"é ü 中文 \u00a0"'],
    ['emoji literally', 'x😀y👍🏽', '"x😀y👍🏽"'],
    ['a lone high surrogate as U+FFFD', 'a\ud800b', '"a\\ufffdb"'],
    ['a lone low surrogate as U+FFFD', '\udc00', '"\\ufffd"'],
    ['a high surrogate at the end', 'x\ud83d', '"x\\ufffd"'],
    ['surrogates in the wrong order', '\ude00\ud83d', '"\\ufffd\\ufffd"'],
    ['BMP private use next to surrogates', '\ue000😀\uffff', '"\ue000😀\uffff"'],
  ])('writes %s', (_name, text, expected) => {
    expect(quoteJsonString(text)).toBe(expected);
    expect(formatJson(text)).toBe(expected);
  });

  it('escapes keys the same way', () => {
    expect(formatJson({ 'a<b\n': 1 }, { indent: '' })).toBe('{"a\\u003cb\\n":1}');
  });

  it('writes what JSON.parse reads back as the same string (valid UTF-16)', () => {
    const text = 'x<>&\u2028\u2029\u0000\u001f"\\😀é';
    expect(JSON.parse(quoteJsonString(text))).toBe(text);
  });
});

describe('formatJson: refusals', () => {
  it('refuses what JSON cannot hold', () => {
    expect(codeOf(() => formatJsonUnknown({ f: () => 1 }))).toBe('TEMPEH_E_INVALID_STATE');
    expect(codeOf(() => formatJsonUnknown([Symbol('s')]))).toBe('TEMPEH_E_INVALID_STATE');
    expect(codeOf(() => formatJsonUnknown(10n))).toBe('TEMPEH_E_INVALID_STATE');
    expect(codeOf(() => formatJsonUnknown([1, undefined]))).toBe('TEMPEH_E_INVALID_STATE');
    expect(codeOf(() => formatJsonUnknown(undefined))).toBe('TEMPEH_E_INVALID_STATE');
    // eslint-disable-next-line no-sparse-arrays
    expect(codeOf(() => formatJsonUnknown([1, , 3]))).toBe('TEMPEH_E_INVALID_STATE');
  });

  it('says where the bad value is', () => {
    try {
      formatJsonUnknown({ resources: [{ attributes: { 'a b': Number.NaN } }] });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'TEMPEH_E_INVALID_STATE', location: '$.resources[0].attributes["a b"]' });
    }
  });

  it('refuses cycles', () => {
    const a: Record<string, unknown> = {};
    a['self'] = [a];
    expect(codeOf(() => formatJsonUnknown(a))).toBe('TEMPEH_E_INVALID_STATE');
  });

  it('writes a value shared at two places (not a cycle)', () => {
    const shared = { x: 1 };
    expect(formatJson({ a: shared, b: [shared] }, { indent: '' })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
  });

  it('writes nesting deeper than the call stack allows', () => {
    let deep: JsonValue = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(formatJson(deep, { indent: '' })).toBe(`${'['.repeat(100_000)}1${']'.repeat(100_000)}`);
  });

  it('writes the deepest value the parser accepts by default', () => {
    const text = `${'['.repeat(512)}${']'.repeat(512)}`;
    expect(formatJson(parseJson(text), { indent: '' })).toBe(text);
  });
});
