// Measures the state splitter's throughput (MB/s) on a generated ~100 MB state file in Terraform's layout, read from disk:
// the line-based fast path and the general byte scanner, against baselines run in the same process: stream-json's
// parser + pick + streamArray (the naive streaming pipeline) and JSON.parse of the whole file (read + parse).
// Run `npx tsc -b packages/core` first; then `node bench/splitter.bench.mjs [sizeMB]` (or `pnpm --filter @tempeh/bench bench:splitter`).
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { Bench } from 'tinybench';
import { splitState } from '../packages/core/dist/engine/splitter/index.js';
import { writeLargeStateFile } from '../packages/core/dist/testing/large-state.js';

const sizeMB = Number(process.argv[2] ?? 100);
const dir = await mkdtemp(join(tmpdir(), 'tempeh-splitter-bench-'));
try {
  const file = await writeLargeStateFile(join(dir, 'large.tfstate'), sizeMB * 1024 * 1024);
  console.log(`input: ${(file.size / 1e6).toFixed(1)} MB generated state (Terraform's layout), node ${process.version}, ${process.platform}/${process.arch}`);

  let expected = -1;
  const check = (name, count) => {
    if (expected === -1) expected = count;
    if (count !== expected) throw new Error(`${name} found ${count} resources, expected ${expected}`);
  };
  const read = () => createReadStream(file.path, { highWaterMark: 1024 * 1024 });
  const split = async (scanner) => {
    const splitter = splitState(read(), { scanner });
    let count = 0;
    for await (const batch of splitter) count += batch.resources.length;
    if (scanner === 'auto' && splitter.summary.fastResources !== count) throw new Error('the fast path fell back');
    return count;
  };

  const bench = new Bench({ iterations: 5, time: 0, warmupIterations: 2, warmupTime: 0 });
  bench
    .add('splitter: fast path', async () => check('fast path', await split('auto')))
    .add('splitter: general scanner', async () => check('general scanner', await split('general')))
    .add('baseline: JSON.parse of the whole file', async () => {
      const text = await readFile(file.path, 'utf8');
      check('JSON.parse', JSON.parse(text).resources.length);
    })
    .add('baseline: stream-json parser + pick + streamArray', async () => {
      let count = 0;
      await pipeline(read(), parser.asStream(), pick.asStream({ filter: 'resources' }), streamArray.asStream(), async (items) => {
        for await (const item of items) if (item.value !== undefined) count++;
      });
      check('stream-json', count);
    });
  await bench.run();

  const rate = new Map();
  for (const task of bench.tasks) {
    if (task.result.state !== 'completed') throw new Error(`${task.name}: ${task.result.state} ${task.result.error ?? ''}`);
    rate.set(task.name, file.size / 1e6 / (task.result.latency.mean / 1000));
  }
  const jsonParse = rate.get('baseline: JSON.parse of the whole file');
  const streamJson = rate.get('baseline: stream-json parser + pick + streamArray');
  console.log(`resources per run: ${expected}; mean of 5 runs each after 2 warm-up runs`);
  console.table(
    [...rate].map(([name, mbps]) => ({
      task: name,
      'MB/s': Number(mbps.toFixed(1)),
      'x JSON.parse': Number((mbps / jsonParse).toFixed(2)),
      'x stream-json': Number((mbps / streamJson).toFixed(2)),
    })),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
