import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateLargeState } from '../large-state.js';
import { measurePeakRss } from '../memory-probe.js';
import { useFreshBackend, type ResolvedOptions } from './harness.js';

const MiB = 1024 * 1024;
/** Peak RSS growth allowed on top of what the backend must keep, as a share of the state's size. */
const OVERHEAD_SHARE = 0.35;
/**
 * Generated and hashed before the baseline is taken. Streaming at full speed
 * grows V8's young generation and the allocator's arenas to a steady state
 * (some 40 MiB of RSS that then stays); reaching it first keeps the test's
 * own steady state out of the measurement, so the growth is the backend's.
 */
const WARM_UP_BYTES = 64 * MiB;

/**
 * The state is generated while it is written and hashed while it is read,
 * so the test itself holds about one chunk. Whatever the peak RSS grows by
 * beyond that is the backend's buffering.
 */
export function registerLargeStateTests(options: ResolvedOptions): void {
  const size = options.largeStateBytes;
  // Generous, because this is a memory test and not a timing one: a slow
  // remote store or a loaded CI machine must not fail it (about 6 s locally).
  const timeout = Math.max(120_000, (size / MiB) * 1_000);
  describe('large states', () => {
    const backend = useFreshBackend(options);

    const title =
      size > 0
        ? `a ${(size / MiB).toFixed(size % MiB === 0 ? 0 : 1)} MiB state round-trips through writeStream/readStream with bounded memory`
        : 'a large state round-trips through writeStream/readStream (off: largeStateBytes is 0)';
    it.skipIf(size <= 0)(title, async ({ annotate }) => {
      const state = generateLargeState({ targetBytes: size, seed: 42 });
      for await (const chunk of generateLargeState({ targetBytes: Math.min(size, WARM_UP_BYTES), seed: 1 }).stream) createHash('sha256').update(chunk);
      const report = await measurePeakRss(async (sample) => {
        const writeHash = createHash('sha256');
        let writtenBytes = 0;
        async function* source(): AsyncGenerator<Uint8Array> {
          for await (const chunk of state.stream) {
            writeHash.update(chunk);
            writtenBytes += chunk.byteLength;
            sample();
            yield chunk;
          }
        }
        const written = await backend().writeStream('default', source());

        const handle = await backend().readStream('default');
        if (!handle) return expect.fail('readStream found no state right after writeStream');
        const readHash = createHash('sha256');
        let readBytes = 0;
        for await (const chunk of handle.stream) {
          if (!(chunk instanceof Uint8Array)) return expect.fail(`readStream yielded a ${typeof chunk}, not bytes`);
          readHash.update(chunk);
          readBytes += chunk.byteLength;
          sample();
        }
        return { written, writtenBytes, writeSha: writeHash.digest('hex'), readBytes, readSha: readHash.digest('hex'), handleSize: handle.size };
      });

      const { result } = report;
      expect(result.writtenBytes).toBeGreaterThanOrEqual(size);
      expect(result.written.size).toBe(result.writtenBytes);
      expect(result.readBytes).toBe(result.writtenBytes);
      if (result.handleSize !== undefined) expect(result.handleSize).toBe(result.writtenBytes);
      expect(result.readSha).toBe(result.writeSha);

      const growthMiB = (report.peakGrowth / MiB).toFixed(1);
      await annotate(
        `peak RSS growth ${growthMiB} MiB for a ${(result.writtenBytes / MiB).toFixed(1)} MiB state ` +
          `(${((report.peakGrowth / result.writtenBytes) * 100).toFixed(0)}%, ${report.samples} samples)`,
      );
      const caps = backend().capabilities;
      if (options.retainsDataInMemory) {
        expect(report.peakGrowth, `peak RSS growth ${growthMiB} MiB`).toBeLessThan(result.writtenBytes * (1 + OVERHEAD_SHARE));
      } else if (caps.streaming) {
        expect(report.peakGrowth, `peak RSS growth ${growthMiB} MiB`).toBeLessThan(result.writtenBytes * OVERHEAD_SHARE);
      } else {
        // A backend without capabilities.streaming says it buffers whole
        // states; only correctness is checked, and the growth is annotated.
        await annotate('memory not bounded: the backend does not advertise capabilities.streaming');
      }
    }, timeout);
  });
}
