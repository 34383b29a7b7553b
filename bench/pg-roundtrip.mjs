// PostgreSQL round trip: wall time and peak RSS of putting and getting a generated state of 100 MB and 1 GB
// through the real CLI on Tempeh's layout (`tempeh push FILE`, `tempeh pull > FILE`, compat 'tempeh'), against,
// in the same run and on the same server, `terraform state push FILE` / `terraform state pull` on Terraform's
// own `pg` backend (when terraform is installed; it runs offline, its pg backend is built in). Each command is a
// fresh process, so start-up counts. Ratios are terraform ÷ tempeh: above 1, tempeh is faster or smaller.
// A second tempeh put, `tempeh migrate --from file://FILE --to postgres://…`, streams the file's bytes in
// without parsing them (push parses the state to apply Terraform's lineage/serial rules), then reads the copy
// back and compares checksums; `tempeh pull` reads that copy. Every pull is checked: tempeh's bytes must equal
// the file's (sha256); terraform's pull re-serialises the state, so its sha256 is only shown as same/differs.
//
//   eval "$(scripts/services/postgres/start.sh)"
//   node bench/pg-roundtrip.mjs [--sizes 100MB,1GB] [--pg-url URL] [--data-dir DIR] [--runs N] [--timeout SECONDS]
//
// The server is --pg-url, else $TEMPEH_TEST_PG_URL; its user needs CREATEDB: the run works in a database of its
// own, dropped at the end. Run `npx tsc -b packages/cli` first (the CLI and @tempeh/core from dist/).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { rssMethod } from './lib/measure.mjs';
import { createRoundtrip, hasTerraform as terraformInstalled, terraformEnv, terraformVersion } from './lib/roundtrip.mjs';
import { formatBytes, parseSizes } from './lib/sizes.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TEMPEH = join(REPO, 'packages/cli/bin/tempeh.js');

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100MB,1GB' },
    'pg-url': { type: 'string' },
    'data-dir': { type: 'string', default: join(tmpdir(), 'tempeh-bench-pg') },
    runs: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '1800' },
    seed: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log('usage: node bench/pg-roundtrip.mjs [--sizes 100MB,1GB] [--pg-url URL] [--data-dir DIR] [--runs N] [--timeout SECONDS] [--seed N]');
  process.exit(0);
}
const serverUrl = flags['pg-url'] ?? process.env.TEMPEH_TEST_PG_URL;
if (!serverUrl) {
  console.error('no server: pass --pg-url or set TEMPEH_TEST_PG_URL (eval "$(scripts/services/postgres/start.sh)" starts one)');
  process.exit(2);
}
const sizes = parseSizes(flags.sizes);
const runs = Number(flags.runs);
const timeoutSeconds = Number(flags.timeout);
const seed = Number(flags.seed);
const log = (line) => process.stderr.write(`${line}\n`);
const method = rssMethod();
const hasTerraform = terraformInstalled();

// pg is a dependency of @tempeh/backend-postgres; the bench only needs it to create and drop its database.
const pg = createRequire(join(REPO, 'packages/backend-postgres/package.json'))('pg');
const database = `tempeh_bench_${randomBytes(4).toString('hex')}`;
const databaseUrl = new URL(serverUrl);
databaseUrl.pathname = `/${database}`;
const password = decodeURIComponent(databaseUrl.password) || process.env.PGPASSWORD || '';

const dataDir = flags['data-dir'];
const workDir = join(dataDir, `work-${database}`);
await mkdir(workDir, { recursive: true });
await admin(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
const { rows, measure, skipped, report, inputFor } = createRoundtrip({
  name: 'pg-roundtrip',
  workDir,
  dataDir,
  seed,
  method,
  timeoutSeconds,
  redact,
  log,
  peers: { 'tempeh push': 'terraform state push', 'tempeh migrate file → pg': 'terraform state push', 'tempeh pull': 'terraform state pull' },
});
try {
  const terraformDir = hasTerraform ? await terraformInit() : undefined;
  const init = spawnSync(process.execPath, [TEMPEH, '--backend', url({ schema: 'tempeh_bench' }), 'init'], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`tempeh init failed: ${redact(init.stderr)}`);
  for (const size of sizes) {
    const input = await inputFor(size);
    log(`${size.label}: ${input.path} (${formatBytes(input.size)}, sha256 ${input.sha256.slice(0, 16)}…)`);
    for (let run = 0; run < runs; run++) {
      // Each round writes a new workspace, so every put is a first write for both tools (no lineage check against an older state).
      const workspace = `bench-${size.label.toLowerCase()}-${run}`;
      const tempehUrl = url({ schema: 'tempeh_bench' });
      await measure(size, 'tempeh push', 'put', process.execPath, [TEMPEH, '--backend', tempehUrl, '--workspace', workspace, '--no-progress', 'push', input.path]);
      // The streamed put: `migrate` copies the file's bytes without parsing them (no lineage/serial rules,
      // which `push` applies to the parsed state), then reads the copy back to compare checksums. A schema
      // per round, since migrate keeps the workspace's name and the file's is `default`.
      const streamedUrl = url({ schema: `tempeh_bench_${size.label.toLowerCase()}_${run}` });
      await measure(size, 'tempeh migrate file → pg', 'put', process.execPath, [TEMPEH, '--no-progress', 'migrate', '--from', pathToFileURL(input.path).href, '--to', streamedUrl]);
      // A pull is measured only after its put worked: a pull of nothing says nothing.
      const copied = rows.at(-1).ok;
      const pulled = copied ? await measure(size, 'tempeh pull', 'get', process.execPath, [TEMPEH, '--backend', streamedUrl, '--no-progress', 'pull']) : skipped(size, 'tempeh pull', 'get');
      if (pulled.exitCode === 0 && pulled.stdoutSha256 !== input.sha256) throw new Error(`tempeh pull returned other bytes at ${size.label} (sha256 ${pulled.stdoutSha256})`);
      if (terraformDir) {
        const env = terraformEnv({ TF_WORKSPACE: workspace });
        // `state push` to a workspace that does not exist yet: terraform creates it (TF_WORKSPACE selects it).
        const tfPushed = await measure(size, 'terraform state push', 'put', 'terraform', ['state', 'push', input.path], { cwd: terraformDir, env });
        const tfPulled = tfPushed.ok
          ? await measure(size, 'terraform state pull', 'get', 'terraform', ['state', 'pull'], { cwd: terraformDir, env })
          : skipped(size, 'terraform state pull', 'get');
        if (tfPulled.ok) tfPulled.same = tfPulled.stdoutSha256 === input.sha256;
      }
    }
  }
} finally {
  await admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  await rm(workDir, { recursive: true, force: true });
}
report(
  `pg-roundtrip: ${new Date().toISOString()}, node ${process.version}, ${hasTerraform ? terraformVersion() : 'terraform not installed'}, peak RSS by ${method}, ${runs} run(s), median`,
);

/** An initialised terraform working directory on the bench database's Terraform pg layout. */
async function terraformInit() {
  const dir = join(workDir, 'terraform');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'main.tf'), 'terraform {\n  backend "pg" {}\n}\n');
  // lib/pq's default sslmode is require; a local test server may have no SSL.
  const conn = new URL(databaseUrl);
  if (!conn.searchParams.has('sslmode')) conn.searchParams.set('sslmode', 'disable');
  if (!conn.password && password) conn.password = encodeURIComponent(password);
  const init = spawnSync('terraform', ['init', '-input=false', '-no-color', `-backend-config=conn_str=${conn.href}`, '-backend-config=schema_name=terraform_bench'], {
    cwd: dir,
    env: terraformEnv(),
    encoding: 'utf8',
  });
  if (init.status !== 0) throw new Error(`terraform init failed: ${redact(init.stderr + init.stdout)}`);
  return dir;
}

function url(query) {
  const u = new URL(databaseUrl);
  for (const [key, value] of Object.entries(query)) u.searchParams.set(key, value);
  if (!u.searchParams.has('sslmode')) u.searchParams.set('sslmode', 'disable');
  return u.href;
}

/** Error output may quote a connection string; the password never goes to the terminal. */
function redact(text) {
  return password ? text.split(password).join('***').split(encodeURIComponent(password)).join('***') : text;
}

async function admin(sql) {
  const server = new URL(serverUrl);
  const mode = server.searchParams.get('sslmode');
  const client = new pg.Client({
    host: decodeURIComponent(server.hostname.replace(/^\[(.*)\]$/, '$1')) || 'localhost',
    port: server.port ? Number(server.port) : 5432,
    user: decodeURIComponent(server.username) || undefined,
    password: password || undefined,
    database: decodeURIComponent(server.pathname.replace(/^\//, '')) || undefined,
    ssl: mode === 'require' || mode === 'verify-ca' || mode === 'verify-full' ? { rejectUnauthorized: mode !== 'require' } : false,
  });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
