import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createS3Backend } from '@tempeh/backend-s3';
import { S3_ACCESS_KEY, S3_SECRET_KEY, describeWithS3 } from '@tempeh/backend-s3/testing';
import { expect, it } from 'vitest';
import { MAIN_FIXTURE, errorCode, tempDir, tempeh, type RunResult } from './helpers/cli.js';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describeWithS3('cli s3 backend', (s3) => {
  /** Credentials as an operator gives them: the AWS environment. The SDK's Node-version notice must not show. */
  async function run(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<RunResult> {
    const result = await tempeh(args, { ...options, env: { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, ...options.env } });
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(result.stderr).not.toContain(S3_SECRET_KEY);
    expect(result.out).not.toContain(S3_SECRET_KEY);
    return result;
  }

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
    expect(JSON.parse((await run([...backend, 'workspace', 'list', '--json'], { cwd: dir })).out).workspaces).toEqual(['default', 'staging']);
  });

  it('lock, status shows the holder, unlock and force-unlock; a second lock exits 1 with TEMPEH_E_LOCKED', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-lock' });
    const backend = ['--backend', s3.url(bucket)];
    const locked = await run([...backend, 'lock', '--json'], { cwd: dir });
    expect(locked.code, locked.stderr).toBe(0);
    const id = String(JSON.parse(locked.out).ID);
    const again = await run([...backend, 'lock'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(errorCode(again.stderr)).toBe('TEMPEH_E_LOCKED');
    expect(again.stderr).toMatch(/held by .* for \d+s/);
    const status = await run([...backend, 'status', '--json'], { cwd: dir });
    expect(JSON.parse(status.out).environments[0].workspaces[0].lock.info.ID).toBe(id);
    expect((await run([...backend, 'unlock', 'not-the-id'], { cwd: dir })).code).toBe(1);
    expect((await run([...backend, 'force-unlock', id], { cwd: dir })).code).toBe(0);
    expect(JSON.parse((await run([...backend, 'status', '--json'], { cwd: dir })).out).environments[0].workspaces[0].lock).toBeNull();
  });

  it('a config file with type "s3" works like the URL', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-config' });
    const config = { environments: { prod: { backend: { type: 's3', config: s3.config(bucket, { access_key: undefined, secret_key: undefined }) } } } };
    await writeFile(path.join(dir, 'tempeh.config.json'), JSON.stringify(config));
    expect((await run(['--env', 'prod', 'push', MAIN_FIXTURE], { cwd: dir })).code).toBe(0);
    expect(sha256((await run(['--env', 'prod', 'pull'], { cwd: dir })).stdout)).toBe(sha256(await readFile(MAIN_FIXTURE)));
  });

  it('versions and pull --version ID on a versioned bucket; init there is refused with TEMPEH_E_CAPABILITY', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-versions', versioned: true });
    const writer = createS3Backend(s3.config(bucket));
    const bodies = [1, 2].map((serial) => Buffer.from(JSON.stringify({ version: 4, terraform_version: '1.11.4', serial, lineage: 'l', outputs: {}, resources: [] })));
    try {
      // Locked writes are refused on a versioned radosgw bucket (the safety probe), so these go in unlocked.
      for (const body of bodies) await writer.putState('default', body);
    } finally {
      await writer.close();
    }
    const backend = ['--backend', s3.url(bucket)];
    const init = await run([...backend, 'init', '--json'], { cwd: dir });
    expect(init.code).toBe(1);
    expect(JSON.parse(init.stderr.trim().split('\n').at(-1) ?? '{}').error.code).toBe('TEMPEH_E_CAPABILITY');
    const versions = JSON.parse((await run([...backend, 'versions', '--json'], { cwd: dir })).out).versions as { version: string; serial: number; current: boolean }[];
    expect(versions.map((v) => [v.serial, v.current])).toEqual([
      [2, true],
      [1, false],
    ]);
    const old = await run([...backend, 'pull', '--version', versions[1]?.version ?? ''], { cwd: dir });
    expect(old.code, old.stderr).toBe(0);
    expect(old.stdout.equals(bodies[0] ?? Buffer.alloc(0))).toBe(true);
  });

  it('an unversioned bucket has no versions: exit 1, TEMPEH_E_CAPABILITY, with how to turn versioning on', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-noversions' });
    const result = await run(['--backend', s3.url(bucket), 'versions'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_CAPABILITY');
    expect(result.stderr).toContain('put-bucket-versioning');
  });

  it('wrong credentials exit 1 with TEMPEH_E_AUTH; a missing bucket with TEMPEH_E_NOT_FOUND; no secret printed', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-auth' });
    const secret = `bad-${randomBytes(8).toString('hex')}`;
    const auth = await tempeh(['--backend', s3.url(bucket), 'list'], { cwd: dir, env: { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: secret } });
    expect(auth.code).toBe(1);
    expect(errorCode(auth.stderr)).toBe('TEMPEH_E_AUTH');
    expect(auth.stderr).not.toContain(secret);
    const missing = await run(['--backend', s3.url(`missing-${randomBytes(4).toString('hex')}`), 'list'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(errorCode(missing.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });
});
