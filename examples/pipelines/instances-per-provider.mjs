// Sum instances per provider over a directory of many state files: the bulk
// case. All files go through ONE shared worker pool, one after another.
// Run from the repository root, after set-up:
//   node examples/pipelines/instances-per-provider.mjs [dir...]   (default: fixtures/terraform fixtures/odd-keys)
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fromFiles, pipeline } from '@tempeh/core';

const dirs = process.argv.length > 2 ? process.argv.slice(2) : ['fixtures/terraform', 'fixtures/odd-keys'];
const tasks = new URL('./tasks/resources.mjs', import.meta.url).href;

/** Every *.tfstate under `dir`, sorted. */
async function stateFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.tfstate'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

const files = (await Promise.all(dirs.map(stateFiles))).flat();
const run = pipeline(fromFiles(files))
  .map({ module: tasks, export: 'providerInstances' })
  // A source under 8 MiB in total would run in-process, without workers;
  // 0 sends everything to the pool, to show the bulk path on small fixtures.
  .run({ inProcessBelowBytes: 0 });

const perProvider = new Map();
for await (const { value } of run) {
  perProvider.set(value.provider, (perProvider.get(value.provider) ?? 0) + value.instances);
}
for (const [provider, instances] of [...perProvider].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
  console.log(`${String(instances).padStart(6)}  ${provider}`);
}
console.log(`${run.inputs.length} state files, ${run.poolsStarted} worker pool`);
