// The digests and the head reader the streaming diff relies on: a digest
// may never be equal for two values diffStates tells apart, and a key read
// from a resource's head must be the key of the whole resource.
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactDigest, layoutFreeDigest, sameDigest } from '../../../src/engine/diff/digests.js';
import { jsonEqual } from '../../../src/engine/diff/json-equal.js';
import { numbersSurviveJsonParse, readResourceHead, resourceKey } from '../../../src/engine/diff/resource-key.js';
import { formatJson, JsonNumber, parseJson, type JsonValue } from '../../../src/json/index.js';
import { parseState } from '../../../src/state/index.js';

const text = (value: JsonValue, indent?: string): Uint8Array => Buffer.from(formatJson(value, indent === undefined ? {} : { indent }));
const digestOf = (value: string): Uint8Array => layoutFreeDigest(Buffer.from(value));

/** JSON values with strings full of quotes, backslashes and whitespace, and numbers of any precision. */
const tricky = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: fc.constantFrom('"', '\\', ' ', '\n', 'a', ':', ',', '{', '}', 'é') }),
    fc.integer().map((n): JsonValue => n),
    fc.stringMatching(/^-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,5})?$/).map((raw) => new JsonNumber(raw)),
    fc.constantFrom<JsonValue>(null, true, false),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: fc.constantFrom('"', ' ', 'k', '\\'), maxLength: 3 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

describe('layoutFreeDigest', () => {
  it('is the same for a value written indented and compacted', () => {
    fc.assert(
      fc.property(tricky, (value) => {
        expect(sameDigest(layoutFreeDigest(text(value)), layoutFreeDigest(text(value, '')))).toBe(true);
        expect(sameDigest(layoutFreeDigest(text(value, '\t')), layoutFreeDigest(text(value, '  ')))).toBe(true);
      }),
    );
  });

  it('differs for values that are not equal (whitespace inside strings counts)', () => {
    fc.assert(
      fc.property(tricky, tricky, (a, b) => {
        if (sameDigest(layoutFreeDigest(text(a)), layoutFreeDigest(text(b, '')))) expect(jsonEqual(a, b)).toBe(true);
      }),
    );
    expect(sameDigest(digestOf('{"a": "x y"}'), digestOf('{"a":"xy"}'))).toBe(false);
    expect(sameDigest(digestOf('{"a": "x \\" y"}'), digestOf('{"a":"x \\"y"}'))).toBe(false);
    expect(sameDigest(digestOf('{"a": "\\\\", "b": 1}'), digestOf('{"a":"\\\\","b":1}'))).toBe(true);
  });

  it('is not the exact digest: the bytes as they are count there', () => {
    expect(sameDigest(exactDigest(Buffer.from('{"a": 1}')), exactDigest(Buffer.from('{"a":1}')))).toBe(false);
    expect(sameDigest(exactDigest(Buffer.from('{"a":1}')), exactDigest(Buffer.from('{"a":1}')))).toBe(true);
  });
});

describe('numbersSurviveJsonParse', () => {
  it.each([
    ['{"a": 1, "b": [2, -3.5], "c": 1e5}', false],
    ['{"a": 1, "b": [2, -3.5], "c": 1e-7, "d": 0.5}', true],
    ['{"a": 12345678901234567890}', false],
    ['{"a": 1.0}', false],
    ['{"a": -0}', false],
    ['{"a": "T00:00:00Z", "b": "10.0.0.0/16", "c": "x,007,"}', false],
    ['{"a": "T00:00:00Z", "b": "10.0.0.0/16"}', true],
  ])('%s → %s', (json, expected) => {
    expect(numbersSurviveJsonParse(json)).toBe(expected);
  });

  it('when it holds, JSON.parse keeps every number exactly', () => {
    fc.assert(
      fc.property(tricky, (value) => {
        const json = formatJson(value);
        if (numbersSurviveJsonParse(json)) expect(jsonEqual(JSON.parse(json), parseJson(json))).toBe(true);
      }),
    );
  });
});

describe('readResourceHead', () => {
  it('gives the key of the whole resource for every resource of the fixture state', async () => {
    const state = parseState(await readFile(new URL('../../../../../fixtures/terraform/terraform.tfstate', import.meta.url)));
    for (const resource of state.resources) {
      const bytes = Buffer.from(formatJson(parseJson(JSON.stringify(resource)), { indent: '  ' }));
      const head = readResourceHead(bytes);
      expect(head).toBeDefined();
      expect(sameDigest(resourceKey(head ?? resource), resourceKey(resource))).toBe(true);
    }
  });

  it('gives up when `instances` comes first or is nested in a member before it', () => {
    expect(readResourceHead(Buffer.from('{"instances": [], "mode": "managed", "type": "t", "name": "n"}'))).toBeUndefined();
    expect(readResourceHead(Buffer.from('{"x": {"instances": 1}, "mode": "managed", "type": "t", "name": "n", "instances": []}'))).toBeUndefined();
    expect(readResourceHead(Buffer.from('{"mode": "managed", "type": "t", "name": "n", "provider": "p", "instances": []}'))).toEqual({ mode: 'managed', type: 't', name: 'n' });
  });

  it('reads module spellings as Terraform does: module.c[01] is module.c[1]', () => {
    const key = (module: string): Uint8Array => resourceKey({ module, mode: 'managed', type: 't', name: 'n' });
    expect(sameDigest(key('module.c[01]'), key('module.c[1]'))).toBe(true);
    expect(sameDigest(key('module.c[1]'), key('module.c[2]'))).toBe(false);
    expect(sameDigest(key(''), resourceKey({ mode: 'managed', type: 't', name: 'n' }))).toBe(true);
  });
});
