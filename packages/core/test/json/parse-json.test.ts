import { describe, expect, it } from 'vitest';
import { TempehError } from '../../src/errors.js';
import { JsonNumber, KEY_ORDER, getKeyOrder, isJsonObject, type JsonValue } from '../../src/json/json-value.js';
import { parseJson } from '../../src/json/parse-json.js';

/** Runs `fn`, expecting a TempehError, and returns it. */
function thrown(fn: () => unknown): TempehError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TempehError) return err;
    throw new Error(`expected a TempehError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected an error, nothing was thrown');
}

function locationOf(fn: () => unknown): string | undefined {
  const err = thrown(fn);
  expect(err.code).toBe('TEMPEH_E_INVALID_STATE');
  return 'location' in err && typeof err.location === 'string' ? err.location : undefined;
}

function objectAt(value: JsonValue, key: string): Record<string, JsonValue> {
  if (!isJsonObject(value)) throw new Error('expected an object');
  const member = value[key];
  if (!isJsonObject(member)) throw new Error(`expected an object at ${key}`);
  return member;
}

describe('parseJson: values', () => {
  it('reads every kind of value', () => {
    expect(parseJson('{"a":[1,"x",true,false,null,{}],"b":[]}')).toEqual({ a: [1, 'x', true, false, null, {}], b: [] });
    expect(parseJson(' \t\r\n42\n')).toBe(42);
    expect(parseJson('"s"')).toBe('s');
    expect(parseJson('null')).toBeNull();
  });

  it.each([
    ['0', 0],
    ['-12', -12],
    ['0.5', 0.5],
    ['123456789012345', 123456789012345],
    ['1234567890123456', 1234567890123456],
    ['9007199254740991', 9007199254740991],
    ['1e+21', 1e21],
    ['1e-7', 1e-7],
    ['0.30000000000000004', 0.30000000000000004],
  ])('keeps %s as a plain number (its text is what String() gives back)', (raw, expected) => {
    expect(parseJson(raw)).toBe(expected);
  });

  it.each([
    '12345678901234567890',
    '9007199254740993',
    '0.1000000000000000055511151231257827',
    '1.0',
    '1.50',
    '1e5',
    '1E5',
    '1e+5',
    '1e21',
    '-0',
    '-0.0',
    '0e0',
    '1e400',
    '-1e400',
    '1e-400',
  ])('keeps %s as a JsonNumber with its exact text', (raw) => {
    const value = parseJson(raw);
    expect(value).toBeInstanceOf(JsonNumber);
    expect(value instanceof JsonNumber ? value.raw : undefined).toBe(raw);
  });

  it('decodes every escape, and keeps escaped lone surrogates as JSON.parse does', () => {
    const text = String.raw`"a\"b\\c\/d\be\ff\ng\rh\ti\u00e9\u00C9\ud83d\ude00\ud800"`;
    expect(parseJson(text)).toBe(JSON.parse(text));
    expect(parseJson(text)).toBe('a"b\\c/d\be\ff\ng\rh\ti\u00e9\u00c9\u{1f600}\ud800');
  });

  it('reads literal non-ASCII text, DEL and U+2028 inside strings', () => {
    expect(parseJson('"é😀\u007f\u2028"')).toBe('é😀\u007f\u2028');
  });

  it('agrees with JSON.parse on a fixture, apart from number representation', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../../../../fixtures/terraform/generated/aws-6-services.tfstate', import.meta.url), 'utf8');
    const toPlain = (_key: string, value: unknown): unknown => (value instanceof JsonNumber ? Number(value.raw) : value);
    expect(JSON.parse(JSON.stringify(parseJson(text), toPlain))).toEqual(JSON.parse(text));
  });
});

describe('parseJson: objects', () => {
  it('keeps integer-like keys in source order under KEY_ORDER', () => {
    const value = parseJson('{"10":1,"2":2,"b":3,"a":4}');
    if (!isJsonObject(value)) throw new Error('expected an object');
    expect(Object.keys(value)).toEqual(['2', '10', 'b', 'a']);
    expect(getKeyOrder(value)).toEqual(['10', '2', 'b', 'a']);
    // Not enumerable: it is bookkeeping, not data.
    expect(Object.getOwnPropertyDescriptor(value, KEY_ORDER)?.enumerable).toBe(false);
    expect(JSON.stringify(value)).toBe('{"2":2,"10":1,"b":3,"a":4}');
  });

  it('records no order where JS already enumerates in source order', () => {
    for (const text of ['{"a":1,"b":2}', '{"2":1,"10":2,"x":3}', '{"01":1,"a":2}', '{"1.5":1,"a":2}']) {
      const value = parseJson(text);
      if (!isJsonObject(value)) throw new Error('expected an object');
      expect(getKeyOrder(value), text).toBeUndefined();
    }
  });

  it('records order when non-digit keys come before integer-like ones', () => {
    const value = parseJson('{"b":1,"a":2,"7":3,"c":4,"3":5}');
    if (!isJsonObject(value)) throw new Error('expected an object');
    expect(getKeyOrder(value)).toEqual(['b', 'a', '7', 'c', '3']);
  });

  it('makes __proto__ an ordinary own key and never touches a prototype', () => {
    const value = parseJson('{"__proto__":{"polluted":true},"a":{"__proto__":[1]}}');
    if (!isJsonObject(value)) throw new Error('expected an object');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
    expect(Reflect.get({}, 'polluted')).toBeUndefined();
    expect(Reflect.get(value, 'polluted')).toBeUndefined();
    const inner = objectAt(value, 'a');
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(inner, '__proto__')?.value).toEqual([1]);
  });

  it('lets the last duplicate win, in the first position, and reports it with the object path', () => {
    const seen: [string, string][] = [];
    const value = parseJson('{"a":1,"list":[{"k":1,"x":2,"k":3}],"a":2,"b":{"c d":{"z":1,"z":2}}}', {
      onDuplicateKey: (path, key) => seen.push([path, key]),
    });
    expect(value).toEqual({ a: 2, list: [{ k: 3, x: 2 }], b: { 'c d': { z: 2 } } });
    if (!isJsonObject(value)) throw new Error('expected an object');
    expect(Object.keys(value)).toEqual(['a', 'list', 'b']);
    expect(seen).toEqual([
      ['$.list[0]', 'k'],
      ['$', 'a'],
      ['$.b["c d"]', 'z'],
    ]);
  });

  it('accepts duplicates silently without a callback', () => {
    expect(parseJson('{"a":1,"a":2}')).toEqual({ a: 2 });
  });
});

describe('parseJson: depth', () => {
  it('refuses 10,000-deep arrays and objects with InvalidStateError, not a stack overflow', () => {
    const arrays = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const objects = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expect(locationOf(() => parseJson(arrays))).toBe('line 1, column 513');
    expect(locationOf(() => parseJson(objects))).toMatch(/^line 1, column \d+$/);
  });

  it('accepts exactly maxDepth levels', () => {
    expect(parseJson(`${'['.repeat(512)}${']'.repeat(512)}`)).toBeInstanceOf(Array);
    expect(parseJson('[[[1]]]', { maxDepth: 3 })).toEqual([[[1]]]);
    expect(locationOf(() => parseJson('[[[[1]]]]', { maxDepth: 3 }))).toBe('line 1, column 4');
  });

  it('goes as deep as asked, without recursion', () => {
    const depth = 100_000;
    const value = parseJson(`${'['.repeat(depth)}${']'.repeat(depth)}`, { maxDepth: depth });
    expect(Array.isArray(value)).toBe(true);
  });
});

describe('parseJson: refusals', () => {
  it.each([
    ['empty input', '', 'line 1, column 1'],
    ['only whitespace', ' \n ', 'line 2, column 2'],
    ['unclosed object', '{', 'line 1, column 2'],
    ['unclosed array', '[1', 'line 1, column 3'],
    ['trailing comma in array', '[1,]', 'line 1, column 4'],
    ['trailing comma in object', '{"a":1,}', 'line 1, column 8'],
    ['leading zero', '01', 'line 1, column 1'],
    ['bare dot', '.5', 'line 1, column 1'],
    ['plus sign', '+1', 'line 1, column 1'],
    ['digit missing after dot', '1.', 'line 1, column 3'],
    ['digit missing in exponent', '1e', 'line 1, column 3'],
    ['minus alone', '-', 'line 1, column 2'],
    ['NaN', 'NaN', 'line 1, column 1'],
    ['Infinity', 'Infinity', 'line 1, column 1'],
    ['truncated literal', 'tru', 'line 1, column 1'],
    ['capitalised literal', 'True', 'line 1, column 1'],
    ['unterminated string', '"abc', 'line 1, column 1'],
    ['raw control character in a string', '"a\u0001b"', 'line 1, column 3'],
    ['raw newline in a string', '"a\nb"', 'line 1, column 3'],
    ['raw tab in an escaped string', '"\\n\t"', 'line 1, column 4'],
    ['unknown escape', '"\\x"', 'line 1, column 2'],
    ['short unicode escape', '"\\u12"', 'line 1, column 2'],
    ['bad hex digit', '"\\u12G4"', 'line 1, column 2'],
    ['backslash at the end', '"\\', 'line 1, column 1'],
    ['single quotes', "'a'", 'line 1, column 1'],
    ['unquoted key', '{a:1}', 'line 1, column 2'],
    ['missing colon', '{"a" 1}', 'line 1, column 6'],
    ['missing comma', '[1 2]', 'line 1, column 4'],
    ['two values', '1 2', 'line 1, column 3'],
    ['trailing garbage', '{}\n x', 'line 2, column 2'],
    ['trailing NUL', '{}\u0000', 'line 1, column 3'],
    ['no-break space is not whitespace', '\u00a01', 'line 1, column 1'],
    ['comments', '// c\n1', 'line 1, column 1'],
    ['byte order mark', '\ufeff{}', 'line 1, column 1'],
  ])('refuses %s', (_name, text, location) => {
    expect(locationOf(() => parseJson(text))).toBe(location);
  });

  it('says where the problem is in a multi-line document', () => {
    expect(locationOf(() => parseJson('{\n  "a": 1,\n  "b": x\n}'))).toBe('line 3, column 8');
  });
});

describe('parseJson: bytes', () => {
  const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

  it('decodes UTF-8', () => {
    expect(parseJson(encode('{"k":"é😀"}'))).toEqual({ k: 'é😀' });
    expect(parseJson(Buffer.from('[1]'))).toEqual([1]);
  });

  it.each([
    ['a lone continuation byte', [0x22, 0x61, 0x80, 0x22], 'line 1, column 3'],
    ['a truncated sequence', [0x5b, 0x0a, 0x22, 0xc3, 0x22, 0x5d], 'line 2, column 2'],
    ['an overlong encoding', [0x22, 0xc0, 0xaf, 0x22], 'line 1, column 2'],
    ['an encoded surrogate', [0x22, 0xed, 0xa0, 0x80, 0x22], 'line 1, column 2'],
    ['a code point above U+10FFFF', [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], 'line 1, column 2'],
    ['0xFF', [0xff], 'line 1, column 1'],
  ])('refuses invalid UTF-8: %s', (_name, bytes, location) => {
    expect(locationOf(() => parseJson(Uint8Array.from(bytes)))).toBe(location);
  });

  it('counts columns in characters after multi-byte text', () => {
    expect(locationOf(() => parseJson(Uint8Array.from([...encode('"é"'), 0xff])))).toBe('line 1, column 4');
  });

  it('refuses a UTF-8 byte order mark', () => {
    expect(locationOf(() => parseJson(Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])))).toBe('line 1, column 1');
  });
});
