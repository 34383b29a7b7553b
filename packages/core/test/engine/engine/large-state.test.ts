import { describe, expect, it } from 'vitest';
import { collector, liveBytes } from '../../helpers/live-memory.js';
import { generateLargeState } from '../../../src/testing/large-state.js';
import { builtinTask } from '../../../src/engine/pool/index.js';
import { processState } from '../../../src/engine/engine.js';

const TARGET_BYTES = 50 * 1024 * 1024;

describe('processState on a generated ~50 MB state, streamed through the pool', () => {
  it('hands out every resource in order, holding far less than the input', async () => {
    const gc = collector();
    const state = generateLargeState({ targetBytes: TARGET_BYTES, seed: 11 });
    gc();
    const baseline = liveBytes();
    let liveGrowth = 0;
    let count = 0;
    let instances = 0;
    // The size is unknown, so processState reads ahead up to inProcessBelowBytes
    // before it starts the pool; a 2 MiB threshold keeps that read-ahead small
    // next to the in-flight batches this test is about.
    const processing = processState(state.stream, { tasks: [builtinTask('resource-summary')], threads: 2, inProcessBelowBytes: 2 * 1024 * 1024 });
    for await (const results of processing) {
      expect(results.index).toBe(count);
      const summary: unknown = results.values[0];
      if (typeof summary === 'object' && summary !== null) instances += Number(Reflect.get(summary, 'instances'));
      if (++count % 200 === 0) {
        gc();
        liveGrowth = Math.max(liveGrowth, liveBytes() - baseline);
      }
    }
    expect(processing.mode).toBe('pool');
    expect(processing.summary.bytesRead).toBeGreaterThanOrEqual(TARGET_BYTES);
    expect(processing.summary.resourceCount).toBe(count);
    expect(count).toBeGreaterThan(1000);
    expect(instances).toBeGreaterThan(count);
    // At most 2 × threads batches of ≤ 1 MiB in flight, their results, one
    // input window and the read-ahead: a few MB, not the 50 MB of the input.
    // Measured: 10-12 MiB alone (about what the splitter's own test measures, bookkeeping
    // included); the margin absorbs GC timing when the whole suite runs at once.
    expect(liveGrowth).toBeLessThan(24 * 1024 * 1024);
  }, 120_000);
});
