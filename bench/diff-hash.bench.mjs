// Measures the per-resource hashing `diff` relies on to skip unchanged resources, on the resources of a
// generated ~30 MB state held in memory: the resource-hash task (sha256 of the exact bytes, through
// runInProcess as the workers run it) and alternatives worth knowing: the same sha256 called directly
// (what the task wrapper costs), crypto.hash one-shot, sha1 and md5 (cheaper digests; collisions do not
// matter against a state's own content, only speed does), and canonical re-serialisation then sha256 (the
// price of a hash that ignores layout, so a compacted copy hashes equal): via JSON.parse + JSON.stringify
// (wrong for numbers beyond 2^53, shown as the floor) and via the lossless parseJson + formatJson.
// Baseline, measured in the same run: reading the bytes only (a native pass over every byte, no hash).
// Run `npx tsc -b packages/core` first; then `node bench/diff-hash.bench.mjs [sizeMB]` (or `pnpm --filter @tempeh/bench bench:diff-hash`).
import { createHash, hash } from 'node:crypto';
import { builtinTask, formatJson, parseJson, runInProcess } from '@tempeh/core';
import { Bench } from 'tinybench';
import { loadResources, rateRows, resourceBytes } from './lib/resources.mjs';

const sizeMB = Number(process.argv[2] ?? 30);
const { batches, count, bytes, fileBytes } = await loadResources(sizeMB);
console.log(
  `input: ${(fileBytes / 1e6).toFixed(1)} MB generated state (Terraform's layout), ${count} resources, ${(bytes / 1e6).toFixed(1)} MB of resource bytes; ` +
    `node ${process.version}, ${process.platform}/${process.arch}`,
);

const decoder = new TextDecoder();
// Every case hashes every resource; comparing the digests' count (and for sha256, the digests themselves
// with the task's) keeps a case from measuring less work than the others.
const expectedSha256 = [...resourceBytes(batches)].map((resource) => createHash('sha256').update(resource).digest('hex'));
const check = (name, digests, compareWith) => {
  if (digests.length !== count) throw new Error(`${name} hashed ${digests.length} of ${count} resources`);
  if (compareWith !== undefined && digests.some((digest, i) => digest !== compareWith[i])) throw new Error(`${name} gave digests other than sha256 of the bytes`);
};
const perResource = (name, digest, compareWith) => () => {
  const digests = [];
  for (const resource of resourceBytes(batches)) digests.push(digest(resource));
  check(name, digests, compareWith);
};

const READ_ONLY = 'baseline: read the bytes only';
const TASK = 'task: resource-hash (sha256)';
const bench = new Bench({ iterations: 5, time: 0, warmupIterations: 2, warmupTime: 0 });
bench
  .add(READ_ONLY, () => {
    let seen = 0;
    // NUL never occurs in JSON text, so indexOf reads every byte and finds nothing: memory bandwidth, native.
    for (const resource of resourceBytes(batches)) if (Buffer.from(resource.buffer, resource.byteOffset, resource.byteLength).indexOf(0) === -1) seen++;
    if (seen !== count) throw new Error(`a resource holds a NUL byte (${seen} of ${count} clean)`);
  })
  .add(TASK, async () => {
    const digests = [];
    for (const batch of batches) for (const result of await runInProcess(batch, [builtinTask('resource-hash')])) digests.push(result.values[0]);
    check(TASK, digests, expectedSha256);
  })
  .add('sha256, createHash per resource', perResource('sha256', (b) => createHash('sha256').update(b).digest('hex'), expectedSha256))
  .add('sha256, crypto.hash one-shot', perResource('crypto.hash', (b) => hash('sha256', b, 'hex'), expectedSha256))
  .add('sha1, createHash', perResource('sha1', (b) => createHash('sha1').update(b).digest('hex')))
  .add('md5, createHash', perResource('md5', (b) => createHash('md5').update(b).digest('hex')))
  .add('canonical: JSON.parse + JSON.stringify, sha256 (loses >2^53)', perResource('JSON canonical', (b) => hash('sha256', JSON.stringify(JSON.parse(decoder.decode(b))), 'hex')))
  .add('canonical: parseJson + formatJson compact, sha256 (exact)', perResource('lossless canonical', (b) => hash('sha256', formatJson(parseJson(b), { indent: '' }), 'hex')));
await bench.run();

console.log(`${count} resources per run; mean of 5 runs each after 2 warm-up runs; ratios are speeds (above 1: faster than the reference)`);
console.table(rateRows(bench, bytes, { 'x read-only': READ_ONLY, 'x resource-hash': TASK }));
