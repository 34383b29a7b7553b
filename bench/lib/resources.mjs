// The resources of a generated state, split once and held in memory, for the per-resource suites
// (tasks.bench.mjs, diff-hash.bench.mjs): what they measure is the work per resource, not the disk or the
// splitter (bench/splitter.bench.mjs has those).
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitState } from '@tempeh/core';
import { writeLargeStateFile } from '@tempeh/core/testing/large-state';

/**
 * A generated state of `sizeMB` MiB in Terraform's layout, split into the engine's ~1 MiB batches. The
 * batches own their buffers, so `runInProcess` can take them as they are, as often as a benchmark likes.
 * Returns `{ batches, count, bytes, fileBytes }`; the file itself is deleted before this returns.
 */
export async function loadResources(sizeMB) {
  const dir = await mkdtemp(join(tmpdir(), 'tempeh-resources-bench-'));
  try {
    const file = await writeLargeStateFile(join(dir, 'large.tfstate'), sizeMB * 1024 * 1024);
    const batches = [];
    let count = 0;
    let bytes = 0;
    for await (const batch of splitState(createReadStream(file.path, { highWaterMark: 1024 * 1024 }))) {
      batches.push(batch);
      count += batch.resources.length;
      bytes += batch.bytes;
    }
    return { batches, count, bytes, fileBytes: file.size };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every resource's bytes, in state order. */
export function* resourceBytes(batches) {
  for (const batch of batches) for (const resource of batch.resources) yield resource.bytes;
}

/**
 * A tinybench run's results as rows: MB/s of resource bytes and, for each named reference task, this
 * task's speed ÷ the reference's (above 1: faster). Throws when a task did not complete, since a table
 * with a silently missing row would compare the wrong things.
 */
export function rateRows(bench, bytes, references) {
  const rate = new Map();
  for (const task of bench.tasks) {
    if (task.result.state !== 'completed') throw new Error(`${task.name}: ${task.result.state} ${task.result.error ?? ''}`);
    rate.set(task.name, bytes / 1e6 / (task.result.latency.mean / 1000));
  }
  return [...rate].map(([name, mbps]) => {
    const row = { task: name, 'MB/s': Number(mbps.toFixed(1)) };
    for (const [label, reference] of Object.entries(references)) row[label] = Number((mbps / rate.get(reference)).toFixed(2));
    return row;
  });
}
