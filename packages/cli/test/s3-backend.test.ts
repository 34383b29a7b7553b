import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createS3Backend } from '@tempeh/backend-s3';
import { describeWithS3 } from '@tempeh/backend-s3/testing';
import { expect, it } from 'vitest';
import { MAIN_FIXTURE, errorCode, tempDir, tempeh } from './helpers/cli.js';
import { SDK_NODE_WARNING, jsonError, tempehS3 as run } from './helpers/s3.js';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A small state with this serial, as Terraform would write it. */
function stateBytes(serial: number): Buffer {
  return Buffer.from(JSON.stringify({ version: 4, terraform_version: '1.11.4', serial, lineage: 'cli-versions', outputs: {}, resources: [] }));
}

describeWithS3('cli s3 backend', (s3) => {
  it('init, push, pull, list, status and workspaces through --backend s3://…', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli' });
    const backend = ['--backend', s3.url(bucket, 'net/terraform.tfstate')];
    expect((await run([...backend, 'init'], { cwd: dir })).code).toBe(0);
    const push = await run([...backend, 'push', MAIN_FIXTURE], { cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    const pulled = await run([...backend, 'pull'], { cwd: dir });
    expect(sha256(pulled.stdout)).toBe(sha256(await readFile(MAIN_FIXTURE)));
    const listed = await run([...backend, 'list'], { cwd: dir });
    expect(listed.out.split('\n')).toContain('terraform_data.network');
    const status = await run([...backend, 'status', '--json'], { cwd: dir });
    expect(JSON.parse(status.out).environments[0]).toMatchObject({ backend: 's3', reachable: true });
    expect((await run([...backend, '--workspace', 'staging', 'push', MAIN_FIXTURE], { cwd: dir })).code).toBe(0);
    expect((await run([...backend, 'workspace', 'new', 'qa'], { cwd: dir })).code).toBe(0);
    expect(JSON.parse((await run([...backend, 'workspace', 'list', '--json'], { cwd: dir })).out).workspaces).toEqual(['default', 'qa', 'staging']);
    // Terraform's layout: workspace `staging` is at env:/staging/<key>.
    const staging = await run([...backend, '--workspace', 'staging', 'pull'], { cwd: dir });
    expect(sha256(staging.stdout)).toBe(sha256(await readFile(MAIN_FIXTURE)));
    // A created workspace has no state yet.
    const qa = await run([...backend, '--workspace', 'qa', 'pull'], { cwd: dir });
    expect(qa.code).toBe(1);
    expect(errorCode(qa.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });

  it('a config file with type "s3" works like the URL', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-config' });
    // Credentials stay out of the file: they come from the AWS environment.
    const config = { environments: { prod: { backend: { type: 's3', config: s3.config(bucket, { access_key: undefined, secret_key: undefined, key: 'prod/terraform.tfstate' }) } } } };
    await writeFile(path.join(dir, 'tempeh.config.json'), JSON.stringify(config));
    expect((await run(['--env', 'prod', 'init'], { cwd: dir })).code).toBe(0);
    expect((await run(['--env', 'prod', 'push', MAIN_FIXTURE], { cwd: dir })).code).toBe(0);
    expect(sha256((await run(['--env', 'prod', 'pull'], { cwd: dir })).stdout)).toBe(sha256(await readFile(MAIN_FIXTURE)));
    // The same object, reached by URL.
    const byUrl = await run(['--backend', s3.url(bucket, 'prod/terraform.tfstate'), 'pull'], { cwd: dir });
    expect(sha256(byUrl.stdout)).toBe(sha256(await readFile(MAIN_FIXTURE)));
    const status = await run(['status'], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    expect(status.out).toContain('environment prod (s3, default): reachable');
  });

  it('a config field of the wrong type is TEMPEH_E_CONFIG naming it, exit 1', async () => {
    const dir = await tempDir();
    const config = { environments: { prod: { backend: { type: 's3', config: { bucket: 'Not_A_Bucket', encrypt: 'yes' } } } } };
    await writeFile(path.join(dir, 'tempeh.config.json'), JSON.stringify(config));
    const result = await run(['list', '--json'], { cwd: dir });
    expect(result.code).toBe(1);
    const error = jsonError(result.stderr);
    expect(error.code).toBe('TEMPEH_E_CONFIG');
    expect(result.stderr).toContain('bucket');
    expect(result.stderr).toContain('encrypt');
  });

  it('versions and pull --version ID on a versioned bucket; prune is left to lifecycle rules', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-versions', versioned: true });
    const bodies = [stateBytes(1), stateBytes(2)];
    const writer = createS3Backend(s3.config(bucket));
    try {
      // Locked writes are refused on a versioned radosgw bucket (the safety probe), so these go in unlocked.
      for (const body of bodies) await writer.putState('default', body);
    } finally {
      await writer.close();
    }
    const backend = ['--backend', s3.url(bucket)];
    const listed = await run([...backend, 'versions', '--json'], { cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    const versions = JSON.parse(listed.out).versions as { version: string; serial: number; current: boolean; sha256: string }[];
    expect(versions.map((v) => [v.serial, v.current, v.sha256])).toEqual([
      [2, true, sha256(bodies[1] ?? Buffer.alloc(0))],
      [1, false, sha256(bodies[0] ?? Buffer.alloc(0))],
    ]);
    // S3 version IDs are opaque strings, not numbers.
    for (const version of versions) expect(version.version).toMatch(/\S/);
    const old = await run([...backend, 'pull', '--version', versions[1]?.version ?? ''], { cwd: dir });
    expect(old.code, old.stderr).toBe(0);
    expect(old.stdout.toString('utf8'), JSON.stringify(versions)).toBe((bodies[0] ?? Buffer.alloc(0)).toString('utf8'));

    const table = await run([...backend, 'versions'], { cwd: dir });
    expect(table.out).toContain(versions[1]?.version ?? '');
    expect(table.out).toMatch(/^\*/m);

    const missing = await run([...backend, 'pull', '--version', 'no-such-version-id'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(errorCode(missing.stderr)).toBe('TEMPEH_E_NOT_FOUND');

    const prune = await run([...backend, 'versions', 'prune', '--keep-last', '1', '--json'], { cwd: dir });
    expect(prune.code).toBe(1);
    const error = jsonError(prune.stderr);
    expect(error.code).toBe('TEMPEH_E_CAPABILITY');
    expect(error.hint).toContain('NoncurrentVersionExpiration');
    // Nothing was removed.
    expect(JSON.parse((await run([...backend, 'versions', '--json'], { cwd: dir })).out).versions).toHaveLength(2);
  });

  it('an unversioned bucket has no versions: exit 1, TEMPEH_E_CAPABILITY, with how to turn versioning on', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-noversions' });
    const result = await run(['--backend', s3.url(bucket), 'versions'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_CAPABILITY');
    expect(result.stderr).toContain('put-bucket-versioning');
    const pull = await run(['--backend', s3.url(bucket), 'pull', '--version', 'abc', '--json'], { cwd: dir });
    expect(pull.code).toBe(1);
    expect(jsonError(pull.stderr).code).toBe('TEMPEH_E_CAPABILITY');
  });

  it('wrong credentials exit 1 with TEMPEH_E_AUTH; a missing bucket with TEMPEH_E_NOT_FOUND; no secret printed', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-auth' });
    const secret = `bad-${randomBytes(8).toString('hex')}`;
    const auth = await run(['--backend', s3.url(bucket), 'list'], { cwd: dir, env: { AWS_SECRET_ACCESS_KEY: secret } });
    expect(auth.code).toBe(1);
    expect(errorCode(auth.stderr)).toBe('TEMPEH_E_AUTH');
    expect(auth.stderr).not.toContain(secret);
    const unknown = await run(['--backend', s3.url(bucket), 'list', '--json'], { cwd: dir, env: { AWS_ACCESS_KEY_ID: 'no-such-access-key', AWS_SECRET_ACCESS_KEY: secret } });
    expect(unknown.code).toBe(1);
    expect(jsonError(unknown.stderr).code).toBe('TEMPEH_E_AUTH');
    expect(unknown.stderr).not.toContain(secret);
    const name = `missing-${randomBytes(4).toString('hex')}`;
    const missing = await run(['--backend', s3.url(name), 'list'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(errorCode(missing.stderr)).toBe('TEMPEH_E_NOT_FOUND');
    expect(missing.stderr).toContain(name);
  });

  it('a secret in the URL is refused (TEMPEH_E_CONFIG, exit 1) without echoing it', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-urlsecret' });
    const secret = `url-${randomBytes(8).toString('hex')}`;
    const result = await run(['--backend', s3.url(bucket, 'terraform.tfstate', { secret_key: secret }), 'list'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_CONFIG');
    expect(result.stderr).not.toContain(secret);
  });

  it('SSE-C with TEMPEH_S3_SSE_CUSTOMER_KEY: read back with the key; without it or with another, TEMPEH_E_ENCRYPTION_KEY; the key never printed', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-ssec' });
    const key = randomBytes(32).toString('base64');
    const other = randomBytes(32).toString('base64');
    const backend = ['--backend', s3.url(bucket)];
    const push = await run([...backend, 'push', MAIN_FIXTURE], { cwd: dir, env: { TEMPEH_S3_SSE_CUSTOMER_KEY: key } });
    expect(push.code, push.stderr).toBe(0);
    const pulled = await run([...backend, 'pull'], { cwd: dir, env: { TEMPEH_S3_SSE_CUSTOMER_KEY: key } });
    expect(sha256(pulled.stdout)).toBe(sha256(await readFile(MAIN_FIXTURE)));
    for (const env of [{}, { TEMPEH_S3_SSE_CUSTOMER_KEY: other }]) {
      const refused = await run([...backend, 'pull'], { cwd: dir, env });
      expect(refused.code).toBe(1);
      expect(errorCode(refused.stderr)).toBe('TEMPEH_E_ENCRYPTION_KEY');
      expect(refused.stderr).not.toContain(key);
      expect(refused.stderr).not.toContain(other);
    }
  });

  it("the SDK's Node-version notice does not show, even when the calling environment does not silence it", async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-notice' });
    const quiet = await run(['--backend', s3.url(bucket), 'workspace', 'list'], { cwd: dir, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined } });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
  });

  it.skipIf(NODE_MAJOR >= 22)("a user's own AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED wins (skipped on Node 22+, where the SDK never warns)", async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-notice' });
    const loud = await tempeh(['--backend', s3.url(bucket), 'workspace', 'list'], {
      cwd: dir,
      env: { ...s3.env(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' },
    });
    expect(loud.code, loud.stderr).toBe(0);
    expect(loud.stderr).toContain(SDK_NODE_WARNING);
  });
});
