// S3 round trip: wall time and peak RSS of putting and getting a generated state of 100 MB and 1 GB on an
// S3 server (radosgw from scripts/services/ceph-s3), each command a fresh process, all in the same run:
//   - tempeh migrate --from file://FILE --to s3://…   the streamed put: spooled to TMPDIR with its sha256,
//                                                     then one PUT from the file (no parsing)
//   - tempeh pull > FILE                              the streamed get, sha256-verified as it streams
//   - terraform state push FILE / state pull          Terraform's own s3 backend on the same server (when
//                                                     terraform is installed; it runs offline)
//   - sdk put / sdk get (bench/lib/s3-raw.mjs)        the AWS SDK alone: the floor for any client
// Every pull is checked: tempeh's and the SDK's bytes must equal the file's (sha256); terraform's pull
// re-serialises the state, so its sha256 is only shown as same/differs. Ratios are peer ÷ tempeh (above 1:
// tempeh is faster or smaller); a second table compares tempeh with the bare SDK.
//
//   eval "$(bash scripts/services/ceph-s3/start.sh)"     # prints S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY
//   node bench/s3-roundtrip.mjs [--sizes 100MB,1GB] [--endpoint URL] [--data-dir DIR] [--runs N] [--timeout SECONDS]
//
// The endpoint is --endpoint, else $S3_ENDPOINT, else $TEMPEH_TEST_S3_ENDPOINT; keys from S3_ACCESS_KEY /
// S3_SECRET_KEY, TEMPEH_TEST_S3_*, else AWS_*. A bucket of its own is made and removed with every version.
// Run `npx tsc -b packages/cli` first (the CLI from dist/).
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
const RAW = join(REPO, 'bench/lib/s3-raw.mjs');

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100MB,1GB' },
    endpoint: { type: 'string' },
    'data-dir': { type: 'string', default: join(tmpdir(), 'tempeh-bench-s3') },
    runs: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '1800' },
    seed: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log('usage: node bench/s3-roundtrip.mjs [--sizes 100MB,1GB] [--endpoint URL] [--data-dir DIR] [--runs N] [--timeout SECONDS] [--seed N]');
  process.exit(0);
}
const endpoint = flags.endpoint ?? process.env.S3_ENDPOINT ?? process.env.TEMPEH_TEST_S3_ENDPOINT;
const accessKey = process.env.S3_ACCESS_KEY ?? process.env.TEMPEH_TEST_S3_ACCESS_KEY ?? process.env.AWS_ACCESS_KEY_ID;
const secretKey = process.env.S3_SECRET_KEY ?? process.env.TEMPEH_TEST_S3_SECRET_KEY ?? process.env.AWS_SECRET_ACCESS_KEY;
if (!endpoint || !accessKey || !secretKey) {
  console.error('no server: pass --endpoint (or set S3_ENDPOINT) and the keys; eval "$(bash scripts/services/ceph-s3/start.sh)" starts radosgw');
  process.exit(2);
}
const sizes = parseSizes(flags.sizes);
const runs = Number(flags.runs);
const seed = Number(flags.seed);
const log = (line) => process.stderr.write(`${line}\n`);
const method = rssMethod();
const hasTerraform = terraformInstalled();
const redact = (text) => text.split(secretKey).join('***');
const env = {
  ...process.env,
  NO_COLOR: '1',
  AWS_ACCESS_KEY_ID: accessKey,
  AWS_SECRET_ACCESS_KEY: secretKey,
  AWS_REGION: 'us-east-1',
  S3_BENCH_ENDPOINT: endpoint,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const { S3Client, CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand } = createRequire(
  join(REPO, 'packages/backend-s3/package.json'),
)('@aws-sdk/client-s3');
const admin = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
const bucket = `tempeh-bench-${randomBytes(4).toString('hex')}`;
const dataDir = flags['data-dir'];
const workDir = join(dataDir, `work-${bucket}`);
await mkdir(workDir, { recursive: true });
await admin.send(new CreateBucketCommand({ Bucket: bucket }));

const { rows, measure, skipped, report, inputFor } = createRoundtrip({
  name: 's3-roundtrip',
  workDir,
  dataDir,
  seed,
  method,
  timeoutSeconds: Number(flags.timeout),
  redact,
  log,
  peers: { 'tempeh migrate file → s3': 'terraform state push', 'tempeh pull': 'terraform state pull' },
});
const url = (key) => `s3://${bucket}/${key}?${new URLSearchParams({ endpoint, region: 'us-east-1', force_path_style: 'true' })}`;
try {
  for (const size of sizes) {
    const input = await inputFor(size);
    log(`${size.label}: ${input.path} (${formatBytes(input.size)}, sha256 ${input.sha256.slice(0, 16)}…)`);
    const options = { env, bytes: input.size };
    for (let run = 0; run < runs; run++) {
      const prefix = `${size.label.toLowerCase()}-${run}`;
      const raw = await measure(size, 'sdk put (baseline)', 'put', process.execPath, [RAW, 'put', bucket, `${prefix}/raw.tfstate`, input.path], options);
      const rawGet = raw.ok ? await measure(size, 'sdk get (baseline)', 'get', process.execPath, [RAW, 'get', bucket, `${prefix}/raw.tfstate`], options) : skipped(size, 'sdk get (baseline)', 'get');
      if (rawGet.ok && rawGet.stdoutSha256 !== input.sha256) throw new Error(`the SDK read other bytes back at ${size.label}`);
      const key = `${prefix}/tempeh.tfstate`;
      const put = await measure(size, 'tempeh migrate file → s3', 'put', process.execPath, [TEMPEH, '--no-progress', 'migrate', '--from', pathToFileURL(input.path).href, '--to', url(key)], options);
      const pulled = put.ok ? await measure(size, 'tempeh pull', 'get', process.execPath, [TEMPEH, '--backend', url(key), '--no-progress', 'pull'], options) : skipped(size, 'tempeh pull', 'get');
      if (pulled.ok && pulled.stdoutSha256 !== input.sha256) throw new Error(`tempeh pull returned other bytes at ${size.label} (sha256 ${pulled.stdoutSha256})`);
      if (hasTerraform) {
        const dir = await terraformInit(`${prefix}/terraform.tfstate`);
        const tfEnv = terraformEnv({ ...env });
        const tfPushed = await measure(size, 'terraform state push', 'put', 'terraform', ['state', 'push', input.path], { cwd: dir, env: tfEnv, bytes: input.size });
        const tfPulled = tfPushed.ok
          ? await measure(size, 'terraform state pull', 'get', 'terraform', ['state', 'pull'], { cwd: dir, env: tfEnv, bytes: input.size })
          : skipped(size, 'terraform state pull', 'get');
        if (tfPulled.ok) tfPulled.same = tfPulled.stdoutSha256 === input.sha256;
      }
    }
  }
} finally {
  await removeBucket();
  await rm(workDir, { recursive: true, force: true });
  admin.destroy();
}
report(
  `s3-roundtrip: ${new Date().toISOString()}, node ${process.version}, ${hasTerraform ? terraformVersion() : 'terraform not installed'}, ` +
    `server ${endpoint}, peak RSS by ${method}, ${runs} run(s), median`,
);
sdkComparison();

/** Tempeh against the bare SDK on the same bytes: what the spooling, hashing and checks cost. */
function sdkComparison() {
  const pairs = [
    ['put', 'tempeh migrate file → s3', 'sdk put (baseline)'],
    ['get', 'tempeh pull', 'sdk get (baseline)'],
  ];
  const lines = ['', '| size | op | tempeh ÷ sdk time | tempeh − sdk peak RSS MiB |', '| --- | --- | --- | --- |'];
  for (const size of sizes) {
    for (const [op, tempehTool, sdkTool] of pairs) {
      const tempeh = rows.find((r) => r.size === size.label && r.tool === tempehTool && r.ok);
      const sdk = rows.find((r) => r.size === size.label && r.tool === sdkTool && r.ok);
      if (!tempeh || !sdk) continue;
      lines.push(`| ${size.label} | ${op} | ${(tempeh.seconds / sdk.seconds).toFixed(2)}× | ${((tempeh.rssKiB - sdk.rssKiB) / 1024).toFixed(0)} |`);
    }
  }
  console.log(lines.join('\n'));
}

/** A terraform working directory on Terraform's s3 backend, against the same server and bucket. */
async function terraformInit(key) {
  const dir = join(workDir, `terraform-${key.replace(/[^a-z0-9]+/gi, '-')}`);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'main.tf'),
    `terraform {
  backend "s3" {
    bucket                      = "${bucket}"
    key                         = "${key}"
    region                      = "us-east-1"
    endpoints                   = { s3 = "${endpoint}" }
    use_path_style              = true
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_s3_checksum            = true
    use_lockfile                = true
  }
}
`,
  );
  const init = spawnSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env: terraformEnv(env), encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`terraform init failed: ${redact(init.stderr + init.stdout)}`);
  return dir;
}

async function removeBucket() {
  for (;;) {
    const page = await admin.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
    if (objects.length > 0) await admin.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    if (!page.IsTruncated) break;
  }
  await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
}
