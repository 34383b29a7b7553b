import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isTempehError, type LockInfo, type LockRequest } from '@tempeh/core';
import { exitCode, killHard, readLines, spawnNode } from '@tempeh/core/testing';
import { afterEach, expect, it } from 'vitest';
import { S3Backend, clientConfig, createS3Backend, parseS3BackendConfig, type S3BackendConfigInput } from '../src/index.js';
import { describeWithS3 } from '../src/testing/index.js';

/** Fixtures run as real node processes against the built package (dist/), so `tsc -b` must have run. */
const COUNTER_WORKER = fileURLToPath(new URL('./fixtures/counter-worker.mjs', import.meta.url));
const LOCK_HOLDER = fileURLToPath(new URL('./fixtures/lock-holder.mjs', import.meta.url));

const REQUEST: LockRequest = { Operation: 'OperationTypeApply', Info: 'locking test', Who: 'tester@ci', Version: '1.11.4', Created: '', Path: '' };

async function rejection(action: Promise<unknown>): Promise<Error & { code?: string; stale?: boolean; lock?: LockInfo }> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isTempehError(outcome)) throw new Error(`expected a Tempeh error, got ${String(outcome)}`);
  return outcome;
}

describeWithS3('s3 locks', (s3) => {
  const open: S3Backend[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((backend) => backend.close()));
  });

  async function fresh(extra: Partial<S3BackendConfigInput> = {}, options: { versioned?: boolean } = {}) {
    const bucket = await s3.freshBucket({ prefix: 'locks', versioned: options.versioned });
    const config = s3.config(bucket, extra);
    const backend = createS3Backend(config);
    open.push(backend);
    return { backend, config, bucket };
  }

  async function objectText(bucket: string, key: string): Promise<string> {
    const out = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await out.Body?.transformToString()) ?? '';
  }

  async function keys(bucket: string): Promise<string[]> {
    const out = await s3.client().send(new ListObjectsV2Command({ Bucket: bucket }));
    return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
  }

  it("is the object <state key>.tflock holding Terraform's LockInfo, Path <bucket>/<state key>", async () => {
    const { backend, bucket } = await fresh();
    const held = await backend.lock('default', REQUEST);
    const ws = await backend.lock('prod', REQUEST);
    expect(await keys(bucket)).toEqual(['env:/prod/terraform.tfstate.tflock', 'terraform.tfstate.tflock']);
    const stored: unknown = JSON.parse(await objectText(bucket, 'terraform.tfstate.tflock'));
    expect(Object.keys(stored as object)).toEqual(['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path']);
    expect(stored).toEqual({ ...REQUEST, ID: held.ID, Created: held.Created, Path: `${bucket}/terraform.tfstate` });
    expect(ws.Path).toBe(`${bucket}/env:/prod/terraform.tfstate`);
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: bucket, Key: 'terraform.tfstate.tflock' }));
    expect(head.ContentType).toBe('application/json');
  });

  it('a second lock is refused with TEMPEH_E_LOCKED carrying the holder, its age in the message; never stale', async () => {
    const { backend, config } = await fresh();
    const held = await backend.lock('default', REQUEST);
    const other = createS3Backend(config);
    open.push(other);
    const error = await rejection(other.lock('default', { ...REQUEST, Who: 'second@ci' }));
    expect(error.code).toBe('TEMPEH_E_LOCKED');
    expect(error.lock).toEqual(held);
    expect(error.stale).toBe(false);
    expect(error.message).toContain('tester@ci');
    expect(error.message).toMatch(/held by tester@ci for \d+s \(since /);
    const status = await other.getLock('default');
    expect(status?.info).toEqual(held);
    expect(status?.stale).toBe(false);
    expect(status?.detail).toMatch(/held by tester@ci for \d+s/);
  });

  it('unlock checks the ID: a wrong one is TEMPEH_E_LOCK_MISMATCH and the lock stays; none held is TEMPEH_E_NOT_LOCKED', async () => {
    const { backend } = await fresh();
    expect((await rejection(backend.unlock('default', 'nope'))).code).toBe('TEMPEH_E_NOT_LOCKED');
    const held = await backend.lock('default', REQUEST);
    expect((await rejection(backend.unlock('default', 'not-the-id'))).code).toBe('TEMPEH_E_LOCK_MISMATCH');
    expect((await backend.getLock('default'))?.info?.ID).toBe(held.ID);
    expect((await rejection(backend.forceUnlock('default', 'not-the-id'))).code).toBe('TEMPEH_E_LOCK_MISMATCH');
    await backend.forceUnlock('default', held.ID);
    expect(await backend.getLock('default')).toBeUndefined();
  });

  it("reads a lock Terraform wrote (Go's nanosecond timestamps), and reports an unreadable lock object", async () => {
    const { backend, bucket } = await fresh();
    const terraformInfo = {
      ID: '5c2b4a9e-0a2e-4d8b-9b1e-2f1f7d1c0a11',
      Operation: 'OperationTypeApply',
      Info: '',
      Who: 'alice@laptop',
      Version: '1.11.4',
      Created: '2026-11-22T09:00:00.123456789Z',
      Path: `${bucket}/terraform.tfstate`,
    };
    await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'terraform.tfstate.tflock', Body: JSON.stringify(terraformInfo) }));
    const error = await rejection(backend.lock('default', REQUEST));
    expect(error.code).toBe('TEMPEH_E_LOCKED');
    expect(error.lock).toEqual(terraformInfo);
    expect(error.message).toContain('(since 2026-11-22T09:00:00.123Z)');
    await backend.forceUnlock('default', terraformInfo.ID);

    await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'terraform.tfstate.tflock', Body: 'garbage' }));
    const unreadable = await rejection(backend.lock('default', REQUEST));
    expect(unreadable.code).toBe('TEMPEH_E_LOCKED');
    expect(unreadable.lock).toBeUndefined();
    expect(isTempehError(unreadable) ? unreadable.hint : '').toContain(`s3://${bucket}/terraform.tfstate.tflock`);
  });

  it('writes check the lock: a foreign lock refuses an unlocked write; the holder writes with its ID', async () => {
    const { backend } = await fresh();
    const held = await backend.lock('default', REQUEST);
    expect((await rejection(backend.putState('default', Buffer.from('x')))).code).toBe('TEMPEH_E_LOCKED');
    await backend.putState('default', Buffer.from('mine'), { lockId: held.ID });
    await backend.unlock('default', held.ID);
    expect((await rejection(backend.putState('default', Buffer.from('late'), { lockId: held.ID }))).code).toBe('TEMPEH_E_NOT_LOCKED');
    expect((await backend.getState('default'))?.data.toString()).toBe('mine');
  });

  it('the safety probe: on a versioned bucket init() and lock() are refused with TEMPEH_E_CAPABILITY, and nothing is left behind', async () => {
    const { backend, bucket } = await fresh({}, { versioned: true });
    const initError = await rejection(backend.init());
    expect(initError.code).toBe('TEMPEH_E_CAPABILITY');
    const hint = isTempehError(initError) ? initError.hint ?? '' : '';
    expect(hint).toContain('versioning is enabled');
    expect(hint).toContain('Options:');
    expect((await rejection(backend.lock('default', REQUEST))).code).toBe('TEMPEH_E_CAPABILITY');
    expect((await rejection(backend.putState('default', Buffer.from('x'), { ifRevision: null }))).code).toBe('TEMPEH_E_CAPABILITY');
    expect(await keys(bucket)).toEqual([]);
    const support = await backend.probe();
    expect(support).toEqual({ ifNoneMatch: false, ifMatch: false, versioning: 'Enabled' });
  });

  it('the safety probe: on an unversioned bucket both conditions hold; it runs once per backend and leaves no object', async () => {
    const bucket = await s3.freshBucket({ prefix: 'probe' });
    // A capture, not a mock: the requests still go to radosgw; the middleware only counts the probe's PUTs.
    const client = new S3Client(clientConfig(parseS3BackendConfig(s3.config(bucket))));
    let probePuts = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: unknown };
        if (context.commandName === 'PutObjectCommand' && typeof input.Key === 'string' && input.Key.startsWith('.tempeh/probe/')) probePuts++;
        return next(args);
      },
      { step: 'initialize', name: 'countProbePuts' },
    );
    const backend = new S3Backend(parseS3BackendConfig(s3.config(bucket)), { client });
    open.push(backend);
    expect(await backend.probe()).toEqual({ ifNoneMatch: true, ifMatch: true, versioning: undefined });
    const held = await backend.lock('default', REQUEST);
    await backend.unlock('default', held.ID);
    await backend.lock('prod', REQUEST);
    expect(probePuts).toBe(4);
    expect(await keys(bucket)).toEqual(['env:/prod/terraform.tfstate.tflock']);
    expect(await backend.listWorkspaces()).toEqual(['default']);
  });

  it('a SIGKILLed holder leaves its lock: reported with holder and age, cleared by forceUnlock', async () => {
    const { backend, config } = await fresh();
    const holder = spawnNode(LOCK_HOLDER, [JSON.stringify(config), 'default']);
    const info = JSON.parse(await readLines(holder).first) as LockInfo;
    await killHard(holder);
    const status = await backend.getLock('default');
    expect(status?.info).toEqual(info);
    expect(status?.stale).toBe(false);
    expect(status?.detail).toMatch(/held by holder@test for \d+s/);
    await backend.forceUnlock('default', info.ID);
    expect(await backend.getLock('default')).toBeUndefined();
  });

  it('8 processes × 25 locked read-modify-write rounds add exactly 200', async () => {
    const { backend, config } = await fresh();
    const workers = Array.from({ length: 8 }, (_, i) => spawnNode(COUNTER_WORKER, [JSON.stringify(config), '25', `worker-${i}`]));
    const outputs = await Promise.all(workers.map((child) => readLines(child).all));
    const codes = await Promise.all(workers.map((child) => exitCode(child)));
    expect(outputs.map((lines) => lines.join(' '))).toEqual(workers.map((_, i) => `done worker-${i}`));
    expect(codes).toEqual(workers.map(() => 0));
    expect(JSON.parse((await backend.getState('counter'))?.data.toString() ?? '{}')).toEqual({ count: 200 });
    expect(await backend.getLock('counter')).toBeUndefined();
  }, 300_000);
});
