import { createServer } from 'node:net';
import { isTempehError } from '@tempeh/core';
import { expect, it } from 'vitest';
import { createPostgresBackend, type PostgresBackend } from '../src/index.js';
import { describeWithPostgres } from './support/pg-server.js';

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function rejection(action: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isTempehError(outcome)) throw new Error(`expected a Tempeh error, got ${String(outcome)}`);
  return outcome;
}

/** Message, hint, JSON and the whole cause chain with stacks: all a user or a log could see. */
function visibleText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.message, String(Reflect.get(current, 'hint') ?? ''), String(current.stack));
    if (isTempehError(current)) parts.push(JSON.stringify(current.toJSON()));
    current = current.cause;
  }
  return parts.join('\n');
}

describeWithPostgres('postgres connections', (db) => {
  it('a server that is down is TEMPEH_E_CONNECTION naming host and port, after retries, without the password', async () => {
    const port = await closedPort();
    const password = 'never-shown-Pa55word';
    const backend = createPostgresBackend({ host: '127.0.0.1', port, database: 'tf', username: 'ci', password, connect_retries: 1 });
    const error = await rejection(backend.init());
    expect(error.code).toBe('TEMPEH_E_CONNECTION');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(visibleText(error)).not.toContain(password);
    await backend.close();
  });

  it('a wrong password is TEMPEH_E_CONNECTION with a hint about credentials, and neither password is shown', async () => {
    const right = db.config();
    const wrong = 'Wr0ng-but-still-secret';
    const backend = createPostgresBackend({ ...right, password: wrong });
    const error = await rejection(backend.init());
    expect(error.code).toBe('TEMPEH_E_CONNECTION');
    expect(error.hint).toMatch(/password/);
    const text = visibleText(error);
    expect(text).not.toContain(wrong);
    if (typeof right.password === 'string') expect(text).not.toContain(right.password);
    await backend.close();
  });

  it("ssl_mode 'prefer' falls back to a plain connection; 'require' against a server without SSL is TEMPEH_E_CONNECTION", async ({ skip }) => {
    // The test server started by start.sh has no SSL; against another server this is not known.
    skip(process.env['TEMPEH_TEST_PG_DIR'] === undefined, 'needs the throwaway server of start.sh (no SSL)');
    const prefer = createPostgresBackend(db.config({ schema: db.freshSchema('ssl'), ssl_mode: 'prefer' }));
    await prefer.init();
    expect(await prefer.listWorkspaces()).toEqual(['default']);
    await prefer.close();
    const require = createPostgresBackend(db.config({ schema: db.freshSchema('ssl'), ssl_mode: 'require' }));
    expect((await rejection(require.init())).code).toBe('TEMPEH_E_CONNECTION');
    await require.close();
  });

  it('a database that does not exist is TEMPEH_E_CONNECTION with a hint to create it', async () => {
    const backend = createPostgresBackend({ ...db.config(), database: 'tempeh_no_such_database' });
    const error = await rejection(backend.init());
    expect(error.code).toBe('TEMPEH_E_CONNECTION');
    expect(error.hint).toContain('createdb tempeh_no_such_database');
    await backend.close();
  });

  it('operations before init are TEMPEH_E_IO with a hint to run init, and work once it ran', async () => {
    const backend = createPostgresBackend(db.config({ schema: db.freshSchema('uninit') }));
    const error = await rejection(backend.getState('default'));
    expect(error.code).toBe('TEMPEH_E_IO');
    expect(error.hint).toContain('init');
    await backend.init();
    expect(await backend.getState('default')).toBeUndefined();
    await backend.close();
  });

  it('a closed backend refuses work with TEMPEH_E_CONNECTION', async () => {
    const backend = createPostgresBackend(db.config({ schema: db.freshSchema('closed') }));
    await backend.init();
    await backend.close();
    expect((await rejection(backend.listWorkspaces())).code).toBe('TEMPEH_E_CONNECTION');
  });

  it('sessions dropped in the middle of a put (as by a server restart) fail it cleanly: no partial version, no orphan chunks, the lock can be cleared', async () => {
    const application = `tempeh-restart-${Date.now()}`;
    const schema = db.freshSchema('restart');
    const backend: PostgresBackend = createPostgresBackend(db.config({ schema, chunk_size: 1024, application_name: application }));
    await backend.init();
    const before = await backend.putState('default', Buffer.from('{"before": true}'));
    const held = await backend.lock('default', { Operation: 'apply', Info: '', Who: 'writer@test', Version: '1', Created: '', Path: '' });

    async function* source(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(4096, 0x61);
      // Every session of this backend goes, as when the server restarts: the pool's and the lock's.
      await db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [application]);
      for (let i = 0; i < 8; i++) yield Buffer.alloc(4096, 0x62);
    }
    const error = await rejection(backend.writeStream('default', source(), { lockId: held.ID }));
    expect(error.code).toBe('TEMPEH_E_CONNECTION');

    // The pool reconnects; nothing of the failed put is visible.
    const stored = await backend.getState('default');
    expect(stored?.data.toString()).toBe('{"before": true}');
    expect(stored?.revision).toBe(before.revision);
    expect((await backend.versions.list('default')).map((v) => v.version)).toEqual([1]);
    const orphans = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM "${schema}".kolumn_state_chunks c WHERE NOT EXISTS (SELECT 1 FROM "${schema}".kolumn_state v WHERE v.id = c.version_id)`,
    );
    expect(orphans.rows[0]?.n).toBe('0');

    // The lock's session died with the others: the lock is stale, and force-unlock clears it.
    const status = await backend.getLock('default');
    expect(status?.stale).toBe(true);
    await backend.forceUnlock('default', held.ID);
    expect(await backend.getLock('default')).toBeUndefined();
    await backend.putState('default', Buffer.from('{"after": true}'));
    expect((await backend.getState('default'))?.data.toString()).toBe('{"after": true}');
    await backend.close();
  });
});
