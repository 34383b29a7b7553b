import { isTempehError } from '@tempeh/core';
import { HOSTILE_WORKSPACE_NAMES } from '@tempeh/core/testing';
import { expect, it } from 'vitest';
import { createPostgresBackend, createTerraformPgBackend } from '../src/index.js';
import { describeWithPostgres } from './support/pg-server.js';

const REQUEST = { Operation: 'apply', Info: '', Who: 'hostile@ci', Version: '1', Created: '', Path: '' };

/** Schema and table names an unquoted or concatenated statement would break on. All fit PostgreSQL's 63 bytes. */
const HOSTILE_IDENTIFIERS: ReadonlyArray<readonly [label: string, schema: string, table: string, locks: string]> = [
  ['double quotes', 'sch"ema', 'ta""ble', '"locks"'],
  ['quote and semicolon', `x"; DROP TABLE sentinel; --`, `t'; DROP TABLE sentinel; --`, `l"); DROP TABLE sentinel; --`],
  ['SQL in single quotes', `'; DROP TABLE sentinel; --`, `'); DELETE FROM sentinel; --`, `$$; DROP TABLE sentinel; $$`],
  ['unicode and spaces', 'Zürich 東京 🌍', 'états ☃', 'λ locks'],
  ['backslashes and percent', 'a\\b%s', '\\x00%d', 'E\'\\\''],
];

async function outcome(action: Promise<unknown>): Promise<string> {
  return action.then(
    () => 'resolved',
    (error: unknown) => (isTempehError(error) ? error.code : String(error)),
  );
}

describeWithPostgres('postgres hostile names', (db) => {
  async function sentinelRows(): Promise<number> {
    const result = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM public.sentinel');
    return Number(result.rows[0]?.n);
  }

  for (const [label, schema, table, locks] of HOSTILE_IDENTIFIERS) {
    it(`schema, table and lock table names with ${label} are only names: everything works, nothing else is touched`, async () => {
      await db.query('CREATE TABLE IF NOT EXISTS public.sentinel (n integer)');
      await db.query('INSERT INTO public.sentinel VALUES (1)');
      const before = await sentinelRows();

      const backend = createPostgresBackend(db.config({ schema, table_name: table, lock_table: locks, chunk_size: 1024 }));
      await backend.init();
      await backend.init();
      const data = Buffer.from(`{"version": 4, "serial": 1, "lineage": "${label}", "pad": "${'x'.repeat(3000)}"}`);
      const held = await backend.lock('default', REQUEST);
      await backend.putState('default', data, { lockId: held.ID });
      await backend.putState('x$&+:=@y', data, { lockId: undefined });
      expect((await backend.getState('default'))?.data.equals(data)).toBe(true);
      expect((await backend.getLock('default'))?.info?.ID).toBe(held.ID);
      expect(await backend.listWorkspaces()).toEqual(['default', 'x$&+:=@y']);
      expect((await backend.versions.list('default')).map((v) => v.lineage)).toEqual([label]);
      await backend.versions.prune('default', { keepLast: 1 });
      await backend.unlock('default', held.ID);
      await backend.deleteWorkspace('x$&+:=@y');

      // Exactly the five tables, under exactly these names, in exactly this schema.
      const tables = await db.query<{ tablename: string }>('SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema]);
      expect(tables.rows.map((r) => r.tablename)).toEqual([locks, table, `${table}_chunks`, `${table}_layout`, `${table}_workspaces`].sort());
      expect(await sentinelRows()).toBe(before);
      await backend.close();
    });
  }

  it("compat 'terraform' quotes hostile schema and lock table names the same way", async () => {
    await db.query('CREATE TABLE IF NOT EXISTS public.sentinel (n integer)');
    const before = await sentinelRows();
    const schema = `tf"; DROP TABLE sentinel; --`;
    const backend = createTerraformPgBackend(db.config({ schema, lock_table: `l'; DELETE FROM sentinel; --` }));
    await backend.init();
    const held = await backend.lock('default', REQUEST);
    await backend.putState('default', Buffer.from('{"version": 4}\n'), { lockId: held.ID });
    expect((await backend.getLock('default'))?.info?.ID).toBe(held.ID);
    await backend.unlock('default', held.ID);
    expect((await backend.getState('default'))?.data.toString()).toBe('{"version": 4}\n');
    const tables = await db.query<{ tablename: string }>('SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema]);
    expect(tables.rows.map((r) => r.tablename)).toEqual([`l'; DELETE FROM sentinel; --`, 'states']);
    expect(await sentinelRows()).toBe(before);
    await backend.close();
  });

  it("workspace names with quotes, semicolons, '; DROP TABLE …', unicode or 10 KB are refused before any SQL runs", async () => {
    const backend = createPostgresBackend(db.config({ schema: db.freshSchema('ws') }));
    await backend.init();
    const names = [
      ...HOSTILE_WORKSPACE_NAMES.map(([, name]) => name),
      `'; DROP TABLE sentinel; --`,
      'a"b',
      'semi;colon',
      '東京',
      'w'.repeat(10 * 1024),
    ];
    for (const name of names) {
      for (const [operation, run] of [
        ['getState', () => backend.getState(name)],
        ['putState', () => backend.putState(name, Buffer.from('x'))],
        ['lock', () => backend.lock(name, REQUEST)],
        ['versions.list', () => backend.versions.list(name)],
        ['versions.prune', () => backend.versions.prune(name, { keepLast: 1 })],
      ] as const) {
        expect(await outcome(run()), `${operation}(${JSON.stringify(name.slice(0, 30))})`).toBe('TEMPEH_E_INVALID_WORKSPACE');
      }
    }
    expect(await backend.listWorkspaces()).toEqual(['default']);
    await backend.close();
  });
});
