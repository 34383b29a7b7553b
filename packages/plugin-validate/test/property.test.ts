import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateState, type ValidationReport } from '../src/index.js';
import { FIXTURE } from './support/corpus.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Validation either reports findings or a clean result: it never throws and never hangs. */
async function validates(bytes: Uint8Array): Promise<ValidationReport> {
  const report = await validateState(once(bytes));
  expect(Array.isArray(report.findings)).toBe(true);
  expect(report.summary.total).toBe(report.summary.error + report.summary.warning + report.summary.info);
  return report;
}

/** Every path to a value inside `root`. */
function paths(root: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(root)) root.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (root !== null && typeof root === 'object') for (const [k, v] of Object.entries(root)) paths(v, [...prefix, k], out);
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  if (root === null || typeof root !== 'object') return root;
  const copy: Json = structuredClone(root);
  let parent: Json = copy;
  for (const step of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return copy;
    parent = (parent as Record<string | number, Json>)[step] ?? null;
  }
  const last = path.at(-1) as string | number;
  if (parent === null || typeof parent !== 'object') return copy;
  if (value === undefined) {
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else delete (parent as Record<string, Json>)[last];
  } else (parent as Record<string | number, Json>)[last] = value;
  return copy;
}

const jsonValue: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

describe('the validator under random mutation', () => {
  it('replacing or deleting any value of a valid state never crashes it', async () => {
    const fixture = JSON.parse(await readFile(FIXTURE, 'utf8')) as Json;
    const all = paths(fixture);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(all.length - 1), fc.option(jsonValue, { nil: undefined })), { minLength: 1, maxLength: 4 }), async (edits) => {
        let state = fixture;
        for (const [index, value] of edits) state = setAt(state, all[index] ?? [], value);
        await validates(Buffer.from(JSON.stringify(state, null, 2)));
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('corrupting, cutting or splicing the bytes never crashes it', async () => {
    const bytes = await readFile(FIXTURE);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(bytes.length), { nil: undefined }),
        async (flips, cut) => {
          const mutated = Buffer.from(bytes);
          for (const [at, value] of flips) mutated[at] = value;
          await validates(cut === undefined ? mutated : mutated.subarray(0, cut));
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);

  it('an unmodified state stays free of errors', async () => {
    const report = await validates(await readFile(FIXTURE));
    expect(report.summary.error).toBe(0);
  });
});
