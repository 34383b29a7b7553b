// Measures the per-resource worker tasks that ship with core (addresses, resource-summary, resource-hash,
// resource-inspect, resource-find) on the resources of a generated ~30 MB state held in memory. Each task
// runs through runInProcess, the code the workers run minus the thread hand-off: the task function plus
// the msgpack round trip of its results. Baseline, measured in the same run on the same resource bytes:
// JSON.parse (UTF-8 decode + parse) of every resource, the least any task that reads attributes pays; and
// the lossless parseJson, which a task that needs exact numbers (view.resource) pays instead.
// Run `npx tsc -b packages/core` first; then `node bench/tasks.bench.mjs [sizeMB]` (or `pnpm --filter @tempeh/bench bench:tasks`).
import { builtinTask, parseJson, runInProcess } from '@tempeh/core';
import { Bench } from 'tinybench';
import { loadResources, rateRows, resourceBytes } from './lib/resources.mjs';

const sizeMB = Number(process.argv[2] ?? 30);
const { batches, count, bytes, fileBytes } = await loadResources(sizeMB);
console.log(
  `input: ${(fileBytes / 1e6).toFixed(1)} MB generated state (Terraform's layout), ${count} resources, ${(bytes / 1e6).toFixed(1)} MB of resource bytes in ${batches.length} batches; ` +
    `node ${process.version}, ${process.platform}/${process.arch}`,
);

const check = (name, seen) => {
  if (seen !== count) throw new Error(`${name} returned ${seen} results for ${count} resources`);
};
const decoder = new TextDecoder();
const runTask = (name, options) => async () => {
  const task = options === undefined ? builtinTask(name) : { ...builtinTask(name), options };
  let seen = 0;
  for (const batch of batches) seen += (await runInProcess(batch, [task])).length;
  check(name, seen);
};

const JSON_PARSE = 'baseline: JSON.parse of each resource';
const LOSSLESS = 'reference: lossless parseJson of each resource';
// `find` with a tag only reads tags, so it may take the JSON.parse path; an attribute predicate compares
// numbers as written and so forces the lossless parse. Both are real `tempeh find` invocations.
const FIND_TAG = { tags: [['Owner', 'payments']], attrs: [] };
const FIND_ATTR = { tags: [], attrs: [['root_block_device.0.volume_size', '30']] };

const bench = new Bench({ iterations: 5, time: 0, warmupIterations: 2, warmupTime: 0 });
bench
  .add(JSON_PARSE, () => {
    let seen = 0;
    for (const resource of resourceBytes(batches)) if (JSON.parse(decoder.decode(resource)).instances !== undefined) seen++;
    check('JSON.parse', seen);
  })
  .add(LOSSLESS, () => {
    let seen = 0;
    for (const resource of resourceBytes(batches)) if (parseJson(resource) !== null) seen++;
    check('parseJson', seen);
  })
  .add('task: addresses', runTask('addresses'))
  .add('task: resource-summary', runTask('resource-summary'))
  .add('task: resource-inspect (list, stats)', runTask('resource-inspect'))
  .add('task: resource-hash', runTask('resource-hash'))
  .add('task: resource-find --tag', runTask('resource-find', FIND_TAG))
  .add('task: resource-find --attr', runTask('resource-find', FIND_ATTR));
await bench.run();

console.log(`${count} resources per run; mean of 5 runs each after 2 warm-up runs; ratios are speeds (above 1: faster than the reference)`);
console.table(rateRows(bench, bytes, { 'x JSON.parse': JSON_PARSE, 'x lossless': LOSSLESS }));
