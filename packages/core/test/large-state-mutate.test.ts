// A generated state and its modified copy differ in exactly what the
// generator says it changed, as core's diff sees it: what a diff benchmark
// over two large states checks its result against.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffStates } from '../src/engine/diff/index.js';
import { parseState } from '../src/state/index.js';
import type { TerraformState } from '../src/state/types.js';
import { generateLargeState, writeLargeStateFile, type LargeStateOptions } from '../src/testing/index.js';

const TARGET_BYTES = 3 * 1000 * 1000;

function parsed(options: LargeStateOptions): TerraformState {
  return parseState(Buffer.concat([...generateLargeState(options).chunks()]));
}

const sorted = (lines: readonly string[]): string[] => [...lines].sort();

describe('generateLargeState with mutate, checked with diffStates', () => {
  let base: TerraformState;
  beforeAll(() => {
    base = parsed({ targetBytes: TARGET_BYTES, seed: 7 });
  });

  it.each([
    { everyNth: 7, seed: 1 },
    { everyNth: 50, seed: 5 },
    { everyNth: 1, seed: 2 },
  ])('everyNth $everyNth, seed $seed: the diff is exactly the reported changes', (mutate) => {
    const copy = generateLargeState({ targetBytes: TARGET_BYTES, seed: 7, mutate });
    const after = parseState(Buffer.concat([...copy.chunks()]));
    const changes = copy.changes();
    const diff = diffStates(base, after);

    expect(changes.added.length).toBeGreaterThan(0);
    expect(changes.removed.length).toBeGreaterThan(0);
    expect(changes.changed.length).toBeGreaterThan(0);
    expect(sorted(diff.added)).toEqual(sorted(changes.added));
    expect(sorted(diff.removed)).toEqual(sorted(changes.removed));
    expect(sorted(diff.changed.map((c) => c.address))).toEqual(sorted(changes.changed));
    // Each changed instance differs in its id and nothing else.
    for (const changed of diff.changed) expect(changed.changes.map((c) => [c.field, c.text, c.kind])).toEqual([['attributes', 'id', 'changed']]);
    expect(diff.outputs).toEqual([]);
  });

  it('changes() is the same before the bytes are generated, after, and from writeLargeStateFile', async () => {
    const options = { targetBytes: 1_000_000, seed: 3, mutate: { everyNth: 11, seed: 4 } };
    const early = generateLargeState(options).changes();
    const state = generateLargeState(options);
    for await (const chunk of state.stream) expect(chunk.byteLength).toBeGreaterThan(0);
    const dir = await mkdtemp(join(tmpdir(), 'tempeh-large-state-mutate-'));
    try {
      const written = await writeLargeStateFile(join(dir, 'terraform.tfstate'), options.targetBytes, options);
      expect(state.changes()).toEqual(early);
      expect(written.changes).toEqual(early);
      expect(written.serial).toBe(state.serial);
      const diff = diffStates(parsed({ targetBytes: options.targetBytes, seed: 3 }), parseState(await readFile(written.path)));
      expect(diff.added.length + diff.removed.length + diff.changed.length).toBe(early.added.length + early.removed.length + early.changed.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writeLargeStateFile without mutate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tempeh-large-state-base-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports empty changes', async () => {
    const written = await writeLargeStateFile(join(dir, 'terraform.tfstate'), 100_000, { seed: 2 });
    expect(written.changes).toEqual({ added: [], removed: [], changed: [] });
  });
});
