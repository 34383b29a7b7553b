import { createS3Backend, type S3Backend } from '@tempeh/backend-s3';
import { describeWithS3 } from '@tempeh/backend-s3/testing';
import { expect, it, onTestFinished } from 'vitest';
import { MAIN_FIXTURE, errorCode, tempDir } from './helpers/cli.js';
import { killGroup, startTempeh } from './helpers/pg-server.js';
import { jsonError, tempehS3 as run } from './helpers/s3.js';

describeWithS3('cli s3 locks', (s3) => {
  /** The backend itself, to look behind the CLI's back; closed when the test ends. */
  function directly(bucket: string, extra: Parameters<typeof s3.config>[1] = {}): S3Backend {
    const backend = createS3Backend(s3.config(bucket, extra));
    onTestFinished(() => backend.close());
    return backend;
  }

  it('lock, status shows the holder and its age, a second lock exits 1 with TEMPEH_E_LOCKED, unlock checks the ID', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-lock' });
    const backend = ['--backend', s3.url(bucket)];
    expect((await run([...backend, 'init'], { cwd: dir })).code).toBe(0);
    const locked = await run([...backend, 'lock', '--reason', 'maintenance', '--json'], { cwd: dir });
    expect(locked.code, locked.stderr).toBe(0);
    const info = JSON.parse(locked.out);
    expect(info).toMatchObject({ Operation: 'OperationTypeLock', Info: 'maintenance', Path: `${bucket}/terraform.tfstate` });
    const id = String(info.ID);

    // The LockInfo the CLI printed is the one stored (at <state key>.tflock, Terraform's use_lockfile format: see backend-s3's tests).
    expect((await directly(bucket).getLock('default'))?.info).toEqual(info);

    const again = await run([...backend, 'lock'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(errorCode(again.stderr)).toBe('TEMPEH_E_LOCKED');
    expect(again.stderr).toContain(id);
    expect(again.stderr).toMatch(/held by \S+ for \d+s/);
    const push = await run([...backend, 'push', MAIN_FIXTURE, '--json'], { cwd: dir });
    expect(push.code).toBe(1);
    expect(jsonError(push.stderr).code).toBe('TEMPEH_E_LOCKED');

    const status = await run([...backend, 'status', '--json'], { cwd: dir });
    const lock = JSON.parse(status.out).environments[0].workspaces[0].lock;
    expect(lock).toMatchObject({ info: { ID: id, Who: info.Who }, stale: false });
    expect(lock.ageSeconds).toBeGreaterThanOrEqual(0);
    const table = await run([...backend, 'status'], { cwd: dir });
    expect(table.out).toMatch(new RegExp(`locked by ${info.Who} for \\d+s \\(OperationTypeLock, id ${id}\\)`));

    const wrong = await run([...backend, 'unlock', 'not-the-id'], { cwd: dir });
    expect(wrong.code).toBe(1);
    expect(errorCode(wrong.stderr)).toBe('TEMPEH_E_LOCK_MISMATCH');
    expect((await run([...backend, 'unlock', id], { cwd: dir })).code).toBe(0);
    expect(JSON.parse((await run([...backend, 'status', '--json'], { cwd: dir })).out).environments[0].workspaces[0].lock).toBeNull();
    const twice = await run([...backend, 'unlock', id], { cwd: dir });
    expect(twice.code).toBe(1);
    expect(errorCode(twice.stderr)).toBe('TEMPEH_E_NOT_LOCKED');
  });

  it('force-unlock breaks a lock another tool took (a LockInfo as terraform writes it); status and the refusal show holder and age', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-force' });
    const backend = ['--backend', s3.url(bucket, 'app/terraform.tfstate', { workspace_key_prefix: 'ws' })];
    const terraformLock = {
      ID: 'a1b2c3d4-0000-4000-8000-000000000001',
      Operation: 'OperationTypeApply',
      Info: '',
      Who: 'ops@build-7',
      Version: '1.11.4',
      Created: '2026-01-02T03:04:05.123456789Z',
      Path: `${bucket}/ws/prod/app/terraform.tfstate`,
    };
    expect((await run([...backend, '--workspace', 'prod', 'push', MAIN_FIXTURE], { cwd: dir })).code).toBe(0);
    await directly(bucket, { key: 'app/terraform.tfstate', workspace_key_prefix: 'ws' }).lock('prod', terraformLock);

    const push = await run([...backend, '--workspace', 'prod', 'push', '--force', MAIN_FIXTURE], { cwd: dir });
    expect(push.code).toBe(1);
    expect(errorCode(push.stderr)).toBe('TEMPEH_E_LOCKED');
    expect(push.stderr).toContain('ops@build-7');
    expect(push.stderr).toContain(terraformLock.ID);

    const status = await run([...backend, '--workspace', 'prod', 'status'], { cwd: dir });
    // Created long before the test: the age is in days.
    expect(status.out).toMatch(new RegExp(`locked by ops@build-7 for \\d+d\\d\\dh \\(OperationTypeApply, id ${terraformLock.ID}\\)`));

    const wrong = await run([...backend, '--workspace', 'prod', 'force-unlock', '--force', 'not-the-id'], { cwd: dir });
    expect(wrong.code).toBe(1);
    expect(errorCode(wrong.stderr)).toBe('TEMPEH_E_LOCK_MISMATCH');
    expect((await run([...backend, '--workspace', 'prod', 'force-unlock', '--force', terraformLock.ID], { cwd: dir })).code).toBe(0);
    const after = await run([...backend, '--workspace', 'prod', 'push', '--force', MAIN_FIXTURE], { cwd: dir });
    expect(after.code, after.stderr).toBe(0);
  });

  it('tempeh exec holds the lock while its command runs; another tempeh is refused with the holder', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-exec' });
    const url = s3.url(bucket);
    const running = startTempeh(['--backend', url, 'exec', '--', 'sleep', '600'], { cwd: dir, env: s3.env() });
    onTestFinished(() => killGroup(running));
    await running.waitForStderr('locked workspace');

    const second = await run(['--backend', url, 'push', MAIN_FIXTURE], { cwd: dir });
    expect(second.code).toBe(1);
    expect(errorCode(second.stderr)).toBe('TEMPEH_E_LOCKED');
    expect(second.stderr).toContain('OperationTypeExec');

    // SIGTERM goes on to the child; exec then unlocks.
    running.child.kill('SIGTERM');
    await running.exited;
    const status = await run(['--backend', url, 'status', '--json'], { cwd: dir });
    expect(JSON.parse(status.out).environments[0].workspaces[0].lock).toBeNull();
  });

  it('on a versioned radosgw bucket, init and lock are refused with TEMPEH_E_CAPABILITY (the safety probe), and nothing is written as if locked', async () => {
    const dir = await tempDir();
    const bucket = await s3.freshBucket({ prefix: 'cli-probe', versioned: true });
    const backend = ['--backend', s3.url(bucket)];
    for (const args of [['init'], ['lock'], ['push', MAIN_FIXTURE]]) {
      const result = await run([...backend, ...args, '--json'], { cwd: dir });
      expect(result.code, args.join(' ')).toBe(1);
      const error = jsonError(result.stderr);
      expect(error.code, args.join(' ')).toBe('TEMPEH_E_CAPABILITY');
      expect(error.hint).toContain('versioning');
    }
    const pull = await run([...backend, 'pull'], { cwd: dir });
    expect(pull.code).toBe(1);
    expect(errorCode(pull.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });
});
