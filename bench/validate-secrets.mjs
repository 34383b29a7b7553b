// Issue #6's acceptance check at full size: secrets planted in a generated state (1 GB by default) are all
// found by `tempeh validate`, and none of them appears in any output format. Each format is a separate
// run of the CLI on the same file (read by byte range, as a user's would be); the secrets planted are the
// generator's list (PEM keys, AWS key IDs, GitHub/GitLab/Slack tokens, JWTs, connection strings).
//
//   node bench/validate-secrets.mjs [--size 1GB] [--every N] [--data-dir DIR] [--keep]
//
// Exit 0 when every secret is found and none leaks; 1 otherwise, with what went wrong on stderr.
// Run `npx tsc -b packages/cli` first (the CLI from dist/).
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeLargeStateFile } from '@tempeh/core/testing/large-state';
import { formatBytes, parseSize } from './lib/sizes.mjs';

const TEMPEH = fileURLToPath(new URL('../packages/cli/bin/tempeh.js', import.meta.url));
const RULE_OF = {
  'pem-private-key': 'TV040',
  'aws-access-key': 'TV041',
  'github-token': 'TV042',
  'gitlab-token': 'TV042',
  'slack-token': 'TV042',
  jwt: 'TV043',
  'connection-string': 'TV044',
};

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '1GB' },
    every: { type: 'string', default: '500' },
    'data-dir': { type: 'string', default: join(tmpdir(), 'tempeh-bench-secrets') },
    keep: { type: 'boolean', default: false },
  },
});
const size = parseSize(flags.size);
const everyNth = Number(flags.every);
const log = (line) => process.stderr.write(`${line}\n`);

await mkdir(flags['data-dir'], { recursive: true });
const file = join(flags['data-dir'], `secrets-${size.label}.tfstate`);
log(`generating ${size.label} with a secret in every ${everyNth}th resource → ${file}`);
const written = await writeLargeStateFile(file, size.bytes, { seed: 3, secrets: { everyNth } });
const planted = written.planted;
log(`${formatBytes(written.size)}, ${planted.length} secrets planted (${new Set(planted.map((p) => p.kind)).size} kinds)`);

/** One CLI run: stdout as text, exit code, wall seconds. */
function run(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [TEMPEH, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout: Buffer.concat(chunks).toString('utf8'), code, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

const problems = [];
const outputs = {};
for (const format of ['json', 'sarif', 'table']) {
  // --fail-on error: planted secrets are errors, so exit 1 is the expected outcome.
  const result = await run(['validate', '--format', format, file]);
  log(`validate --format ${format}: exit ${result.code}, ${result.seconds.toFixed(1)} s, ${formatBytes(Buffer.byteLength(result.stdout))} of output`);
  if (result.code !== 1) problems.push(`--format ${format} exited ${result.code}, expected 1 (findings at error level)`);
  outputs[format] = result.stdout;
}

const report = JSON.parse(outputs.json);
const found = new Set(report.findings.map((f) => `${f.rule} ${f.address} ${f.path}`));
const missed = planted.filter((p) => !found.has(`${RULE_OF[p.kind]} ${p.address} ${p.path}`));
if (missed.length > 0) problems.push(`${missed.length} planted secrets not found, e.g. ${missed.slice(0, 3).map((p) => `${p.kind} at ${p.address} ${p.path}`).join('; ')}`);
const errors = report.summary.error;
if (errors !== planted.length) problems.push(`${errors} findings at error level for ${planted.length} planted secrets`);

let leaks = 0;
for (const secret of planted) {
  // The whole value, 12 characters from its middle, and 12 from just past the 4-character prefix a finding
  // may show (a PEM key's first and last lines are its public header and footer).
  const middle = Math.floor(secret.value.length / 2) - 6;
  const probes = [secret.value, secret.value.slice(middle, middle + 12), ...(secret.kind === 'pem-private-key' ? [] : [secret.value.slice(4, 16)])];
  for (const [format, text] of Object.entries(outputs)) {
    for (const probe of probes) {
      if (text.includes(probe)) {
        leaks++;
        if (leaks <= 3) problems.push(`--format ${format} shows part of a ${secret.kind} (${secret.address})`);
      }
    }
  }
}

if (!flags.keep) await rm(file, { force: true });
const counts = new Map();
for (const p of planted) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
const byKind = [...counts].map(([kind, n]) => `${kind} ${n}`).join(', ');
console.log(`${size.label}: ${planted.length} secrets planted (${byKind}); found ${planted.length - missed.length}; leaked in output: ${leaks}`);
if (problems.length > 0) {
  for (const problem of problems) log(`FAILED: ${problem}`);
  process.exitCode = 1;
}
