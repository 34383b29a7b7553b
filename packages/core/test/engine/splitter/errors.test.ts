import { describe, expect, it } from 'vitest';
import { InvalidStateError } from '../../../src/errors.js';
import { DEFAULT_MAX_DEPTH } from '../../../src/json/parse-json.js';
import { chunked, readFixture, rejection, split, variants } from './helpers.js';

async function splitError(text: string | Buffer, options: Parameters<typeof split>[1] = {}): Promise<InvalidStateError> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const error = await rejection(() => split(chunked(bytes, 3), options));
  expect(error.code).toBe('TEMPEH_E_INVALID_STATE');
  if (!(error instanceof InvalidStateError)) throw new Error('expected an InvalidStateError');
  expect(error.location).toMatch(/^byte \d+$/);
  expect(error.hint).toBeTruthy();
  return error;
}

describe('splitState: invalid input is an InvalidStateError with a byte offset', () => {
  it('rejects every truncation of a state, in both scanners and layouts', async () => {
    const small = readFixture('terraform/upstream.tfstate');
    const inputs = [small, ...Object.values(variants(readFixture('odd-keys/handmade/deposed/terraform.tfstate')))];
    for (const bytes of inputs) {
      const end = bytes.lastIndexOf('}') + 1;
      for (let length = 0; length < end; length++) {
        for (const scanner of ['auto', 'general'] as const) await splitError(bytes.subarray(0, length), { scanner });
      }
    }
  });

  it('reports where a truncated input ends', async () => {
    const text = '{"version":4,"resources":[{"a":"b';
    expect((await splitError(text)).location).toBe(`byte ${text.length}`);
  });

  it('rejects unbalanced and mismatched brackets', async () => {
    expect((await splitError('{"resources":[{"a":[}]}')).location).toBe('byte 20');
    await splitError('{"resources":[{"a":{]}]}');
    await splitError('{"outputs":{"a":[}],"resources":[]}');
    await splitError('{"resources":[{}]]}');
    await splitError('{"resources":[{}}');
  });

  it('rejects a top level that is not an object', async () => {
    expect((await splitError('[{"resources":[]}]')).location).toBe('byte 0');
    await splitError('"resources"');
    await splitError('');
    await splitError(' \n ');
  });

  it('rejects a state without a resources array', async () => {
    await splitError('{"version":4}');
    await splitError('{}');
    await splitError('{"version":4,"resources":null}');
    await splitError('{"version":4,"resources":{}}');
    await splitError('{"version":4,"resources":[1]}');
    await splitError('{"version":4,"resources":[{},"x"]}');
    await splitError('{"resources":[],"resources":[]}');
  });

  it('rejects broken punctuation, bad keys and data after the end', async () => {
    await splitError('{"version" 4,"resources":[]}');
    await splitError('{"version":4 "resources":[]}');
    await splitError('{version:4,"resources":[]}');
    await splitError('{"bad \\x escape":4,"resources":[]}');
    await splitError('{"resources":[{} {}]}');
    await splitError('{"resources":[]} {}');
    await splitError('{"resources":[],"x":}');
    await splitError(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"resources":[]}')]));
  });

  it('enforces the nesting limit of parseJson, in resources and in other fields', async () => {
    const deep = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
    // The top-level object and `resources` count as two levels, the element as the third.
    const fits = `{"resources":[{"a":${deep(DEFAULT_MAX_DEPTH - 3)}}]}`;
    expect((await split(chunked(Buffer.from(fits), 4096))).resources).toHaveLength(1);
    await splitError(`{"resources":[{"a":${deep(DEFAULT_MAX_DEPTH - 2)}}]}`);
    await splitError(`{"outputs":${deep(DEFAULT_MAX_DEPTH)},"resources":[]}`);
    await splitError(`{"resources":[{"a":${deep(10)}}]}`, { maxDepth: 12 });
  });
});
