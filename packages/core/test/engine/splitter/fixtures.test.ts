import { describe, expect, it } from 'vitest';
import Assembler from 'stream-json/assembler.js';
import { parser } from 'stream-json';
import { Readable } from 'node:stream';
import { chunked, expectMatchesJsonParse, fixtureStates, parseBytes, readFixture, split, streamJsonResources, variants } from './helpers.js';

const fixtures = fixtureStates();

describe('splitState on every fixture state', () => {
  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    expect(fixtures).toContain('terraform/generated/builtin-3-services.tfstate');
  });

  for (const path of fixtures) {
    describe(path, () => {
      const file = readFixture(path);
      for (const [layout, bytes] of Object.entries(variants(file))) {
        it(`${layout}: equals JSON.parse, in one chunk and in 4 KiB chunks, with both scanners`, async () => {
          for (const scanner of ['auto', 'general'] as const) {
            for (const size of [bytes.length, 4096]) {
              const result = await split(chunked(bytes, size), { scanner, batchBytes: 16 * 1024 });
              expectMatchesJsonParse(bytes, result);
              if (scanner === 'general') expect(result.summary.fastResources).toBe(0);
            }
          }
        });
      }

      it('takes the fast path for every resource of the file as Terraform wrote it', async () => {
        const result = await split(chunked(file, 65536));
        expect(result.summary.fallbackOffset).toBeUndefined();
        expect(result.summary.fastResources).toBe(result.resources.length);
      });

      it('equals JSON.parse in 1-byte chunks (fast and general)', async () => {
        const small = file.length < 512 * 1024 ? file : undefined;
        const bytes = small ?? file;
        // 1-byte chunks of the 1 MB fixture take a few seconds; 7-byte chunks cover the same seams.
        const size = small === undefined ? 7 : 1;
        expectMatchesJsonParse(bytes, await split(chunked(bytes, size)));
        const compact = variants(file).compact ?? file;
        expectMatchesJsonParse(compact, await split(chunked(compact, size), { scanner: 'general' }));
      });

      it('gives the same resources and fields as stream-json (parser + pick + streamArray, Assembler)', async () => {
        for (const bytes of Object.values(variants(file))) {
          const ours = await split(chunked(bytes, 1000));
          const theirs = await streamJsonResources(chunked(bytes, 1000));
          expect(ours.resources.map((resource) => parseBytes(resource.bytes))).toEqual(theirs);

          const tokens = Readable.from(chunked(bytes, 1000)).pipe(parser.asStream());
          const assembler = new Assembler();
          for await (const token of tokens) assembler.consume(token);
          const assembled: unknown = assembler.current;
          if (typeof assembled !== 'object' || assembled === null) throw new Error('stream-json assembled no object');
          const fields = new Map(Object.entries(assembled));
          expect(ours.summary.keyOrder).toEqual([...fields.keys()]);
          for (const field of ours.summary.fields) expect(parseBytes(field.bytes)).toEqual(fields.get(field.key));
        }
      });
    });
  }
});
