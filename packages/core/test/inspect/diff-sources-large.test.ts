// The streaming diff on generated states above the engine's in-process
// threshold, so the first pass runs in the worker pool: a modified copy
// whose differences the generator records, a few bytes edited by hand, and
// a compacted copy.
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffStates, hasDifferences } from '../../src/engine/diff/index.js';
import { DEFAULT_IN_PROCESS_BELOW_BYTES } from '../../src/engine/engine.js';
import { diffStateSources, type DiffSource } from '../../src/inspect/diff-sources.js';
import { formatJson, parseJson } from '../../src/json/index.js';
import { parseState } from '../../src/state/index.js';
import { writeLargeStateFile, type WrittenLargeState } from '../../src/testing/large-state.js';

const TARGET_BYTES = 10 * 1024 * 1024;

let dir: string;
let base: WrittenLargeState;
let modified: WrittenLargeState;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tempeh-diff-large-'));
  base = await writeLargeStateFile(path.join(dir, 'base.tfstate'), TARGET_BYTES, { seed: 7 });
  modified = await writeLargeStateFile(path.join(dir, 'modified.tfstate'), TARGET_BYTES, { seed: 7, mutate: { everyNth: 40 } });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function file(written: { path: string; size: number }): DiffSource {
  return { open: () => createReadStream(written.path, { highWaterMark: 256 * 1024 }), size: written.size, label: path.basename(written.path) };
}

describe('diffStateSources on states larger than the in-process threshold', () => {
  it('both inputs are above the threshold, so the pool runs', () => {
    expect(base.size).toBeGreaterThan(DEFAULT_IN_PROCESS_BELOW_BYTES);
    expect(modified.size).toBeGreaterThan(DEFAULT_IN_PROCESS_BELOW_BYTES);
    expect(modified.changes.added.length + modified.changes.removed.length + modified.changes.changed.length).toBeGreaterThan(10);
  });

  it('finds exactly the changes the generator made, the same through the pool and in-process, and as diffStates', async () => {
    const pooled = await diffStateSources(file(base), file(modified), { threads: 2 });
    expect([...pooled.added].sort()).toEqual([...modified.changes.added].sort());
    expect([...pooled.removed].sort()).toEqual([...modified.changes.removed].sort());
    expect(pooled.changed.map((c) => c.address).sort()).toEqual([...modified.changes.changed].sort());
    // Each changed instance differs in its `id` only.
    expect(new Set(pooled.changed.flatMap((c) => c.changes.map((change) => change.text)))).toEqual(new Set(['id']));
    expect(pooled.outputs).toEqual([]);
    expect(pooled.header).toEqual({
      before: { lineage: base.lineage, serial: base.serial, terraformVersion: '1.11.4' },
      after: { lineage: modified.lineage, serial: modified.serial, terraformVersion: '1.11.4' },
    });

    const inProcess = await diffStateSources(file(base), file(modified), { inProcessBelowBytes: 2 * TARGET_BYTES });
    expect(inProcess).toEqual(pooled);
    const { header, ...withoutHeader } = pooled;
    expect(header).toBeDefined();
    expect(withoutHeader).toEqual(diffStates(parseState(await readFile(base.path)), parseState(await readFile(modified.path))));
  });

  it('finds a few bytes edited in the middle of the file, and nothing else', async () => {
    const bytes = await readFile(base.path);
    // The first `"instance_type": "…"` past the middle: one letter of its value changes, the length does not.
    const at = bytes.indexOf('"instance_type": "', bytes.byteLength >> 1);
    expect(at).toBeGreaterThan(0);
    const valueAt = at + '"instance_type": "'.length;
    const edited = Buffer.from(bytes);
    edited[valueAt] = edited[valueAt] === 0x7a ? 0x79 : 0x7a;
    const editedPath = path.join(dir, 'edited.tfstate');
    await writeFile(editedPath, edited);

    const diff = await diffStateSources(file(base), file({ path: editedPath, size: edited.byteLength }), { threads: 2 });
    expect([diff.added, diff.removed, diff.outputs]).toEqual([[], [], []]);
    expect(diff.changed).toHaveLength(1);
    expect(diff.changed[0]?.changes.map((change) => [change.text, change.kind])).toEqual([['instance_type', 'changed']]);
  });

  it('finds nothing between a state and its compacted copy', async () => {
    const compactPath = path.join(dir, 'compact.tfstate');
    await writeFile(compactPath, formatJson(parseJson(await readFile(base.path)), { indent: '' }));
    const diff = await diffStateSources(file(base), file({ path: compactPath, size: (await readFile(compactPath)).byteLength }), {
      threads: 2,
      inProcessBelowBytes: 0,
    });
    expect(hasDifferences(diff)).toBe(false);
  });
});
