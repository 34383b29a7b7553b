import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJson, quoteJsonString } from '../../src/json/format-json.js';
import { JsonNumber, type JsonValue } from '../../src/json/json-value.js';
import { parseJson } from '../../src/json/parse-json.js';

/** Number text of any size and precision, much of which a double cannot hold. */
const numberText = fc.stringMatching(/^-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,40})?([eE][+-]?[0-9]{1,3})?$/);

const key = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', '0', '2', '10', '01', '4294967295', '-1'),
);

/** fast-check's JSON values, as plain data (its types allow undefined members; JSON has none). */
const generatedJson = (maxDepth?: number): fc.Arbitrary<JsonValue> =>
  fc.jsonValue({ stringUnit: 'binary', ...(maxDepth === undefined ? {} : { maxDepth }) }).map((v): JsonValue => JSON.parse(JSON.stringify(v)));

const leaf: fc.Arbitrary<JsonValue> = fc.oneof(
  generatedJson(2),
  numberText.map((raw) => new JsonNumber(raw)),
  fc.string({ unit: 'binary' }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const { value: jsonValue } = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  ),
}));

/** Go writes a lone surrogate as U+FFFD; JSON.parse reads that back. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

describe('formatJson ∘ parseJson', () => {
  it('is a fixed point: formatJson(parseJson(formatJson(v))) === formatJson(v)', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const text = formatJson(value);
        expect(formatJson(parseJson(text))).toBe(text);
        const compact = formatJson(value, { indent: '' });
        expect(formatJson(parseJson(compact), { indent: '' })).toBe(compact);
      }),
      { numRuns: 500 },
    );
  });

  it('lays out exactly as JSON.stringify(v, null, 2), apart from Go escaping', () => {
    fc.assert(
      // generatedJson turns -0 into 0, which JSON.stringify writes as 0 and Go as -0.
      fc.property(generatedJson(), (value) => {
        const expected = JSON.stringify(value, null, 2)
          .replaceAll('<', '\\u003c')
          .replaceAll('>', '\\u003e')
          .replaceAll('&', '\\u0026')
          .replaceAll('\u2028', '\\u2028')
          .replaceAll('\u2029', '\\u2029');
        expect(formatJson(value)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseJson against JSON.parse', () => {
  it('reads the same values from any JSON text', () => {
    const toPlain = (_key: string, value: unknown): unknown => (value instanceof JsonNumber ? Number(value.raw) : value);
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.constantFrom(undefined, 1, 4), (value, space) => {
        const text = JSON.stringify(value, null, space);
        expect(JSON.stringify(parseJson(text), toPlain)).toBe(JSON.stringify(JSON.parse(text)));
      }),
      { numRuns: 500 },
    );
  });

  it('reads number text exactly', () => {
    fc.assert(
      fc.property(numberText, (raw) => {
        const value = parseJson(raw);
        expect(typeof value === 'number' ? String(value) : value instanceof JsonNumber ? value.raw : undefined).toBe(raw);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('quoteJsonString', () => {
  it('writes text JSON.parse reads back, with lone surrogates as U+FFFD', () => {
    const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    fc.assert(
      fc.property(fc.string({ unit: anyCodeUnit }), (text) => {
        const quoted = quoteJsonString(text);
        expect(JSON.parse(quoted)).toBe(wellFormed(text));
        expect(parseJson(quoted)).toBe(wellFormed(text));
        // Only printable ASCII is written for the characters Go escapes.
        expect(quoted).not.toMatch(/[\u0000-\u001f<>&\u2028\u2029]/);
      }),
      { numRuns: 1000 },
    );
  });
});
