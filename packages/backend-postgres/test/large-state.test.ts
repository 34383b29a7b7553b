import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateLargeState, measurePeakRss } from '@tempeh/core/testing';
import { expect, it } from 'vitest';
import { createPostgresBackend } from '../src/index.js';
import { describeWithPostgres } from './support/pg-server.js';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
const CHUNK = 4 * MiB;
/** measurePeakRss's timer would sample between collections; this interval never fires within the test. */
const NO_TIMER_MS = 2 ** 30;

/**
 * A collector to call from the test. Without one, V8 lets up to some 64 MiB
 * of dead Buffers (every socket read allocates one) pile up before it
 * collects, which at this size hides what the backend itself keeps.
 */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('could not expose the garbage collector');
  return () => {
    gc();
  };
}

describeWithPostgres('postgres large states', (db) => {
  it('a 64 MiB state is stored as 4 MiB chunks and streams both ways holding a few chunks, not the state', async ({ annotate }) => {
    const collect = exposedGc();
    const schema = db.freshSchema('large');
    const backend = createPostgresBackend(db.config({ schema, chunk_size: CHUNK }));
    await backend.init();
    try {
      const state = generateLargeState({ targetBytes: SIZE, seed: 7 });
      // Warm up the generator and the hash, so their own steady state is in the baseline.
      for await (const chunk of generateLargeState({ targetBytes: 16 * MiB, seed: 1 }).stream) createHash('sha256').update(chunk);

      // Sampled only right after a collection (every 1 MiB that passes; no timer): what RSS then holds is
      // what the backend and this test still keep, plus what the allocator has not returned to the system.
      const report = await measurePeakRss(
        async (sample) => {
        let sinceCollect = 0;
        const tick = (bytes: number): void => {
          sinceCollect += bytes;
          if (sinceCollect < MiB) return;
          sinceCollect = 0;
          collect();
          sample();
        };
        const writeHash = createHash('sha256');
        async function* source(): AsyncGenerator<Uint8Array> {
          for await (const chunk of state.stream) {
            writeHash.update(chunk);
            tick(chunk.byteLength);
            yield chunk;
          }
        }
        const written = await backend.writeStream('default', source());
        const handle = await backend.readStream('default');
        if (!handle) return expect.fail('no state after writeStream');
        const readHash = createHash('sha256');
        let readBytes = 0;
        for await (const chunk of handle.stream) {
          if (!(chunk instanceof Uint8Array)) return expect.fail('readStream yielded something that is not bytes');
          readHash.update(chunk);
          readBytes += chunk.byteLength;
          tick(chunk.byteLength);
        }
        return { written, readBytes, writeSha: writeHash.digest('hex'), readSha: readHash.digest('hex') };
        },
        { intervalMs: NO_TIMER_MS },
      );

      const { result } = report;
      expect(result.readSha).toBe(result.writeSha);
      expect(result.readBytes).toBe(result.written.size);
      const growth = report.peakGrowth;
      await annotate(`peak RSS growth ${(growth / MiB).toFixed(1)} MiB for a ${(result.written.size / MiB).toFixed(1)} MiB state, sampled after collections`);
      // A few chunks in flight (the one being cut, the driver's copies, the stream's buffer), far from the 64 MiB.
      expect(growth).toBeLessThan(result.written.size * 0.5);

      const rows = await db.query<{ chunks: string; largest: number; total: string }>(
        `SELECT count(*)::text AS chunks, max(octet_length(data)) AS largest, sum(octet_length(data))::text AS total FROM "${schema}".kolumn_state_chunks`,
      );
      const expected = Math.ceil(result.written.size / CHUNK);
      expect(rows.rows[0]).toEqual({ chunks: String(expected), largest: CHUNK, total: String(result.written.size) });
    } finally {
      await backend.close();
    }
  });
});
