import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { collector, liveBytes } from '../../helpers/live-memory.js';
import { generateLargeState } from '../../../src/testing/large-state.js';
import { splitState, type SplitSummary } from '../../../src/engine/splitter/index.js';
import { parseBytes } from './helpers.js';

const TARGET_BYTES = 50 * 1024 * 1024;

interface Digest {
  count: number;
  sha256: string;
  summary: SplitSummary;
  largestBatch: number;
  /** Highest live memory after a GC, over the baseline taken before splitting. */
  liveGrowth: number;
}

/** Splits the generated state, hashing every resource slice with its index and offset, keeping nothing. */
async function digest(scanner: 'auto' | 'general', gc: () => void): Promise<Digest> {
  const state = generateLargeState({ targetBytes: TARGET_BYTES, seed: 7 });
  const splitter = splitState(state.stream, { scanner });
  const hash = createHash('sha256');
  gc();
  const baseline = liveBytes();
  let liveGrowth = 0;
  let count = 0;
  let largestBatch = 0;
  let batches = 0;
  for await (const batch of splitter) {
    largestBatch = Math.max(largestBatch, batch.bytes);
    for (const resource of batch.resources) {
      expect(resource.index).toBe(count);
      hash.update(`${resource.index}:${resource.offset}:`).update(resource.bytes);
      if (count % 50 === 0) expect(parseBytes(resource.bytes)).toHaveProperty('instances');
      count++;
    }
    if (++batches % 5 === 0) {
      gc();
      liveGrowth = Math.max(liveGrowth, liveBytes() - baseline);
    }
  }
  return { count, sha256: hash.digest('hex'), summary: splitter.summary, largestBatch, liveGrowth };
}

describe('splitState on a generated ~50 MB state, streamed', () => {
  it('cuts the same resources with both scanners, in batches of at most 1 MiB, holding far less than the input', async () => {
    const gc = collector();
    const fast = await digest('auto', gc);
    const general = await digest('general', gc);

    expect(fast.summary.bytesRead).toBeGreaterThanOrEqual(TARGET_BYTES);
    expect(fast.count).toBeGreaterThan(1000);
    expect(fast.summary.fastResources).toBe(fast.count);
    expect(fast.summary.fallbackOffset).toBeUndefined();
    expect(general.summary.fastResources).toBe(0);
    expect(general.count).toBe(fast.count);
    expect(general.sha256).toBe(fast.sha256);
    expect(general.summary.keyOrder).toEqual(['version', 'terraform_version', 'serial', 'lineage', 'outputs', 'resources', 'check_results']);
    expect(fast.largestBatch).toBeLessThanOrEqual(1024 * 1024);
    // The input is 50 MB. The splitter holds one batch being built, one input
    // window and the batch the consumer has (measured: about 9 MB with
    // the test's own bookkeeping), not the 50 MB a splitter holding the input would.
    expect(fast.liveGrowth).toBeLessThan(16 * 1024 * 1024);
    expect(general.liveGrowth).toBeLessThan(16 * 1024 * 1024);
  }, 120_000);
});
