import { isTempehError } from '@tempeh/core';
import { expect, it } from 'vitest';
import { LAYOUT_VERSION, createPostgresBackend } from '../src/index.js';
import { describeWithPostgres } from './support/pg-server.js';

async function rejection(action: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isTempehError(outcome)) throw new Error(`expected a Tempeh error, got ${String(outcome)}`);
  return outcome;
}

describeWithPostgres('postgres layout', (db) => {
  async function tablesIn(schema: string): Promise<string[]> {
    const result = await db.query<{ tablename: string }>('SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema]);
    return result.rows.map((r) => r.tablename);
  }

  it('init creates the schema, the tables and the layout version; again it changes nothing', async () => {
    const schema = db.freshSchema('layout');
    const backend = createPostgresBackend(db.config({ schema }));
    await backend.init();
    expect(await tablesIn(schema)).toEqual(['kolumn_locks', 'kolumn_state', 'kolumn_state_chunks', 'kolumn_state_layout', 'kolumn_state_workspaces']);
    const layout = await db.query<{ version: number }>(`SELECT version FROM "${schema}".kolumn_state_layout`);
    expect(layout.rows).toEqual([{ version: LAYOUT_VERSION }]);

    await backend.putState('default', Buffer.from('kept'));
    await backend.init();
    const second = createPostgresBackend(db.config({ schema }));
    await second.init();
    await second.close();
    expect((await backend.getState('default'))?.data.toString()).toBe('kept');
    expect((await db.query(`SELECT version FROM "${schema}".kolumn_state_layout`)).rows).toEqual([{ version: LAYOUT_VERSION }]);
    await backend.close();
  });

  it('concurrent inits of one store, from separate backends, all succeed', async () => {
    const schema = db.freshSchema('race');
    const backends = Array.from({ length: 6 }, () => createPostgresBackend(db.config({ schema })));
    await Promise.all(backends.map((backend) => backend.init()));
    expect(await tablesIn(schema)).toHaveLength(5);
    await Promise.all(backends.map((backend) => backend.close()));
  });

  it('two table_names in one schema are two stores; they may share the lock table', async () => {
    const schema = db.freshSchema('shared');
    const a = createPostgresBackend(db.config({ schema, table_name: 'team_a' }));
    const b = createPostgresBackend(db.config({ schema, table_name: 'team_b' }));
    await a.init();
    await b.init();
    await a.putState('default', Buffer.from('a'));
    expect(await b.getState('default')).toBeUndefined();
    const held = await a.lock('default', { Operation: 'apply', Info: '', Who: 'a@ci', Version: '1', Created: '', Path: '' });
    // Same lock table, same workspace name: the lock is shared, as lock_table is meant to be.
    expect((await b.getLock('default'))?.info?.ID).toBe(held.ID);
    await a.unlock('default', held.ID);
    await a.close();
    await b.close();
  });

  it('a layout written by a newer release is refused, by init and by every operation', async () => {
    const schema = db.freshSchema('newer');
    const backend = createPostgresBackend(db.config({ schema }));
    await backend.init();
    await backend.close();
    await db.query(`UPDATE "${schema}".kolumn_state_layout SET version = version + 1`);
    const later = createPostgresBackend(db.config({ schema }));
    expect((await rejection(later.getState('default'))).code).toBe('TEMPEH_E_IO');
    const error = await rejection(later.init());
    expect(error.code).toBe('TEMPEH_E_IO');
    expect(error.hint).toContain('upgrade');
    await later.close();
  });

  it('without the privilege to create tables, init fails with TEMPEH_E_IO naming what to grant, and leaves nothing behind', async ({ skip }) => {
    const may = await db.query<{ may: boolean }>('SELECT rolsuper OR rolcreaterole AS may FROM pg_catalog.pg_roles WHERE rolname = current_user');
    skip(may.rows[0]?.may !== true, 'the test user cannot create roles (needs CREATEROLE)');
    const schema = db.freshSchema('noperm');
    const role = `tempeh_ro_${schema}`;
    const password = 'ro-password-1';
    await db.query(`CREATE ROLE "${role}" LOGIN PASSWORD '${password}'`);
    try {
      await db.query(`CREATE SCHEMA "${schema}"`);
      await db.query(`GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`);
      await db.query(`GRANT CONNECT ON DATABASE "${db.name()}" TO "${role}"`);
      const backend = createPostgresBackend({ ...db.config({ schema }), username: role, password });
      const error = await rejection(backend.init());
      expect(error.code).toBe('TEMPEH_E_IO');
      expect(error.hint).toMatch(/grant/i);
      expect(error.message).not.toContain(password);
      await backend.close();
      expect(await tablesIn(schema)).toEqual([]);
    } finally {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.query(`REVOKE ALL ON DATABASE "${db.name()}" FROM "${role}"`);
      await db.query(`DROP ROLE IF EXISTS "${role}"`);
    }
  });
});
