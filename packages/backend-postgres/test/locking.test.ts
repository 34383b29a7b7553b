import { isTempehError, type LockInfo, type LockRequest } from '@tempeh/core';
import { afterEach, expect, it } from 'vitest';
import { createPostgresBackend, type PostgresBackend, type PostgresBackendConfigInput } from '../src/index.js';
import { describeWithPostgres } from './support/pg-server.js';
import { COUNTER_WORKER, LOCK_HOLDER, eventually, exitCode, killHard, readLines, spawnNode } from './support/processes.js';

const REQUEST: LockRequest = { Operation: 'OperationTypeApply', Info: 'locking test', Who: 'tester@ci', Version: '1.11.4', Created: '', Path: '' };

async function rejection(action: Promise<unknown>): Promise<Error & { code?: string; stale?: boolean; lock?: LockInfo }> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isTempehError(outcome)) throw new Error(`expected a Tempeh error, got ${String(outcome)}`);
  return outcome;
}

function parseLockInfo(line: string): LockInfo {
  const value: unknown = JSON.parse(line);
  if (typeof value !== 'object' || value === null) throw new Error(`not lock info: ${line}`);
  const field = (key: string): string => String(Reflect.get(value, key));
  return { ID: field('ID'), Operation: field('Operation'), Info: field('Info'), Who: field('Who'), Version: field('Version'), Created: field('Created'), Path: field('Path') };
}

describeWithPostgres('postgres locks', (db) => {
  const open: PostgresBackend[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((backend) => backend.close()));
  });

  async function fresh(extra: Partial<PostgresBackendConfigInput> = {}): Promise<{ backend: PostgresBackend; config: PostgresBackendConfigInput }> {
    const config = db.config({ schema: db.freshSchema('locks'), ...extra });
    const backend = createPostgresBackend(config);
    open.push(backend);
    await backend.init();
    return { backend, config };
  }

  it('a lock is a row with the full LockInfo and its holder; another backend sees it, live', async () => {
    const { backend, config } = await fresh();
    const held = await backend.lock('prod', { ...REQUEST, Info: 'with "quotes" & <angles>' });
    const rows = await db.query(`SELECT workspace, lock_id, operation, info, who, version, path, detached, session_key IS NOT NULL AS has_key, client_pid FROM "${config.schema}".kolumn_locks`);
    expect(rows.rows).toEqual([
      {
        workspace: 'prod',
        lock_id: held.ID,
        operation: 'OperationTypeApply',
        info: 'with "quotes" & <angles>',
        who: 'tester@ci',
        version: '1.11.4',
        path: held.Path,
        detached: false,
        has_key: true,
        client_pid: process.pid,
      },
    ]);
    const other = createPostgresBackend(config);
    open.push(other);
    expect(await other.getLock('prod')).toEqual({ info: held, stale: false, detail: undefined });
    const refused = await rejection(other.lock('prod', REQUEST));
    expect(refused.code).toBe('TEMPEH_E_LOCKED');
    expect(refused.stale).toBe(false);
    expect(refused.lock).toEqual(held);
  });

  it('a client killed with SIGKILL while holding a lock leaves it, reported stale; writes are still refused; force-unlock clears it', async () => {
    const { backend, config } = await fresh();
    await backend.putState('default', Buffer.from('{"kept": true}'));
    const child = spawnNode(LOCK_HOLDER, [JSON.stringify(config), 'default']);
    const held = parseLockInfo(await readLines(child).first);
    expect((await backend.getLock('default'))?.stale).toBe(false);

    await killHard(child);
    // The row survives the crash; the server ends the dead client's session, and with it the advisory lock.
    expect(await eventually(async () => (await backend.getLock('default'))?.stale === true)).toBe(true);
    const status = await backend.getLock('default');
    expect(status?.info).toEqual(held);
    expect(status?.detail).toContain('has ended');

    const write = await rejection(backend.putState('default', Buffer.from('intruder')));
    expect(write.code).toBe('TEMPEH_E_LOCKED');
    expect(write.stale).toBe(true);
    const again = await rejection(backend.lock('default', REQUEST));
    expect(again.code).toBe('TEMPEH_E_LOCKED');
    expect(again.stale).toBe(true);
    expect((await backend.getState('default'))?.data.toString()).toBe('{"kept": true}');

    await backend.forceUnlock('default', held.ID);
    expect(await backend.getLock('default')).toBeUndefined();
    const next = await backend.lock('default', REQUEST);
    await backend.unlock('default', next.ID);
  });

  it('breakStaleLock removes a stale lock, and refuses a live one', async () => {
    const { backend, config } = await fresh();
    const live = await backend.lock('live', REQUEST);
    expect((await rejection(backend.breakStaleLock('live'))).code).toBe('TEMPEH_E_LOCKED');
    expect((await backend.getLock('live'))?.info?.ID).toBe(live.ID);

    const child = spawnNode(LOCK_HOLDER, [JSON.stringify(config), 'dead']);
    const held = parseLockInfo(await readLines(child).first);
    await killHard(child);
    expect(await eventually(async () => (await backend.getLock('dead'))?.stale === true)).toBe(true);
    const removed = await backend.breakStaleLock('dead');
    expect(removed?.info?.ID).toBe(held.ID);
    expect(await backend.getLock('dead')).toBeUndefined();
    expect(await backend.breakStaleLock('dead')).toBeUndefined();
  });

  it('a detached lock outlives the process that took it and is not stale; with a TTL it is stale once expired', async () => {
    const { backend, config } = await fresh();
    const child = spawnNode(LOCK_HOLDER, [JSON.stringify(config), 'ops', 'exit', 'detached']);
    const lines = readLines(child);
    const held = parseLockInfo(await lines.first);
    expect(await exitCode(child)).toBe(0);
    expect(await backend.getLock('ops')).toEqual({ info: held, stale: false, detail: undefined });
    await backend.unlock('ops', held.ID);

    const leased = await backend.lock('leased', REQUEST, { detached: true, ttlMs: 3_600_000 });
    expect((await backend.getLock('leased'))?.stale).toBe(false);
    // Move the expiry into the past rather than waiting for it.
    await db.query(`UPDATE "${config.schema}".kolumn_locks SET expires_at = now() - interval '1 second' WHERE workspace = 'leased'`);
    const expired = await backend.getLock('leased');
    expect(expired?.stale).toBe(true);
    expect(expired?.detail).toContain('expired');
    await backend.forceUnlock('leased', leased.ID);
  });

  it("close() ends the backend's lock sessions: its locks then read as stale", async () => {
    const { backend, config } = await fresh();
    const held = await backend.lock('default', REQUEST);
    await backend.close();
    const other = createPostgresBackend(config);
    open.push(other);
    expect(await eventually(async () => (await other.getLock('default'))?.stale === true)).toBe(true);
    await other.forceUnlock('default', held.ID);
  });

  it('8 processes × 25 locked read-modify-write rounds add exactly 200', async () => {
    const { backend, config } = await fresh({ pool_size: 2 });
    const workers = Array.from({ length: 8 }, (_, i) => spawnNode(COUNTER_WORKER, [JSON.stringify(config), '25', `worker-${i}`]));
    const outputs = await Promise.all(workers.map((child) => readLines(child).all));
    const codes = await Promise.all(workers.map((child) => exitCode(child)));
    expect(outputs.map((lines) => lines.join(' '))).toEqual(workers.map((_, i) => `done worker-${i}`));
    expect(codes).toEqual(workers.map(() => 0));

    const stored = await backend.getState('counter');
    expect(JSON.parse(stored?.data.toString() ?? '{}')).toEqual({ count: 200 });
    const versions = await backend.versions.list('counter');
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 200 }, (_, i) => 200 - i));
    // Each version records the lock holder that wrote it: every worker wrote 25.
    const perWorker = new Map<string, number>();
    for (const version of versions) perWorker.set(version.who, (perWorker.get(version.who) ?? 0) + 1);
    expect([...perWorker.values()]).toEqual(workers.map(() => 25));
    expect(await backend.getLock('counter')).toBeUndefined();
  }, 120_000);
});
