// The comparison's input files, made once per size and seed and cached: the state in Terraform's layout,
// its compacted copy, and a modified copy for `diff`. Generating 1 GB takes longer than most runs it feeds,
// so a cache entry is reused whenever its size, seed and generator code are unchanged.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, openSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { writeLargeStateFile } from '@tempeh/core/testing/large-state';
import { compactJson, mutateLines } from './transforms.mjs';

// Bump when the way inputs are made changes, so old cache entries are not reused.
const INPUTS_VERSION = 1;
// Up to this size the real Terraform-written fixture stands in for a generated state: a 30 KB comparison is
// about start-up cost, and a state Terraform itself wrote is the fairest input for that.
const FIXTURE_LIMIT = 64 * 1024;
const FIXTURE = fileURLToPath(new URL('../../fixtures/terraform/terraform.tfstate', import.meta.url));
// Which attribute the modified copy changes, and how often: generated states have an `ami` on every EC2
// instance (a few per 30 KB module); the fixture's terraform_data instances all have a string `id`.
const GENERATED_MUTATION = { key: 'ami', period: 1000 };
const FIXTURE_MUTATION = { key: 'id', period: 4 };
// A number jq 1.6 rounds (2^54 + 1) and one it prints in exponent form: both must come back as written.
const JQ_PROBE = '{"a":18014398509481985,"b":1e400,"c":0.1}';

/**
 * Whether `jq -c .` can make the compacted copy without changing a number. jq 1.6 stores numbers as
 * doubles, so 18014398509481985 comes out as 18014398509481984 and the copy would no longer be the same
 * state; jq 1.7 keeps the literal. Returns `{ ok, reason }`.
 */
export function probeJqCompaction() {
  const result = spawnSync('jq', ['-c', '.'], { input: JQ_PROBE, encoding: 'utf8' });
  if (result.error !== undefined) return { ok: false, reason: `jq not runnable (${result.error.code ?? result.error.message})` };
  const out = result.stdout.trim();
  if (out === JQ_PROBE) return { ok: true, reason: 'jq -c . keeps every number as written' };
  return { ok: false, reason: `jq -c . rewrites numbers (${JQ_PROBE} → ${out})` };
}

/**
 * The three input files for one size, from the cache or made now. `log` gets one line per step that takes
 * time. Returns paths, byte sizes, how the compacted copy was made and what the modified copy changed.
 */
export async function prepareInputs({ size, seed, cacheDir, log }) {
  const fromFixture = size.bytes <= FIXTURE_LIMIT;
  const key = await cacheKey({ size, seed, fromFixture });
  const dir = join(cacheDir, `${size.label}-seed${seed}-${key.slice(0, 12)}`);
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    if (manifest.key === key && (await filesIntact(manifest))) return { ...manifest, reused: true };
  }
  // A half-written entry (interrupted run) is never trusted: the manifest is written last. Entries of the
  // same size and seed made by an older generator are stale for good; at 1–3 GB each they are worth removing.
  const prefix = `${size.label}-seed${seed}-`;
  if (existsSync(cacheDir)) {
    for (const name of await readdir(cacheDir)) if (name.startsWith(prefix)) await rm(join(cacheDir, name), { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });

  const layoutPath = join(dir, 'layout.tfstate');
  if (fromFixture) {
    log(`${size.label}: using the Terraform-written fixture ${FIXTURE}`);
    await copyFile(FIXTURE, layoutPath);
  } else {
    log(`${size.label}: generating a state of ≥ ${size.bytes} bytes (seed ${seed}) …`);
    await writeLargeStateFile(layoutPath, size.bytes, { seed });
  }

  const compactPath = join(dir, 'compact.tfstate');
  const jq = probeJqCompaction();
  log(`${size.label}: compacting (${jq.ok ? 'jq -c .' : `own compactor: ${jq.reason}`}) …`);
  if (jq.ok) runToFile('jq', ['-c', '.', layoutPath], compactPath);
  else await pipeline(createReadStream(layoutPath), compactJson(), createWriteStream(compactPath));

  const modifiedPath = join(dir, 'modified.tfstate');
  const rule = fromFixture ? FIXTURE_MUTATION : GENERATED_MUTATION;
  log(`${size.label}: writing the modified copy (every ${rule.period}th "${rule.key}" changed, serial + 1) …`);
  const mutation = mutateLines(rule);
  await pipeline(createReadStream(layoutPath), mutation.transform, createWriteStream(modifiedPath));
  if (mutation.counts.changed === 0) throw new Error(`the modified copy of ${layoutPath} changed no "${rule.key}" value; the diff input would equal the original`);

  const manifest = {
    key,
    size,
    seed,
    source: fromFixture ? `fixture ${FIXTURE.slice(FIXTURE.indexOf('fixtures/'))}` : `generated (writeLargeStateFile, seed ${seed})`,
    layout: { path: layoutPath, bytes: (await stat(layoutPath)).size },
    compact: { path: compactPath, bytes: (await stat(compactPath)).size, by: jq.ok ? 'jq -c .' : 'bench/lib/transforms.mjs compactJson', why: jq.reason },
    modified: { path: modifiedPath, bytes: (await stat(modifiedPath)).size, ...rule, changed: mutation.counts.changed, serial: mutation.counts.serial },
  };
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { ...manifest, reused: false };
}

async function filesIntact(manifest) {
  for (const file of [manifest.layout, manifest.compact, manifest.modified]) {
    if (!existsSync(file.path) || (await stat(file.path)).size !== file.bytes) return false;
  }
  return true;
}

/** Size, seed and the generator's own code: a changed generator gives different bytes for the same seed. */
async function cacheKey({ size, seed, fromFixture }) {
  const hash = createHash('sha256').update(JSON.stringify({ INPUTS_VERSION, bytes: size.bytes, seed, fromFixture }));
  if (fromFixture) hash.update(await readFile(FIXTURE));
  else {
    const dir = dirname(fileURLToPath(import.meta.resolve('@tempeh/core/testing/large-state')));
    const files = (await readdir(dir)).filter((name) => /^(large-state.*|go-json|random)\.js$/.test(name)).sort();
    for (const name of files) hash.update(name).update(await readFile(join(dir, name)));
  }
  return hash.digest('hex');
}

function runToFile(command, args, path) {
  const out = openSync(path, 'w');
  try {
    const result = spawnSync(command, args, { stdio: ['ignore', out, 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.trim()}`);
  } finally {
    closeSync(out);
  }
}
