import { createHash } from 'node:crypto';
import { isTempehError } from '@tempeh/core';
import { terraformFixtureState } from '@tempeh/core/testing';
import { afterEach, expect, it } from 'vitest';
import { createPostgresBackend, type PostgresBackend, type PostgresBackendConfigInput } from '../src/index.js';
import { describeWithPostgres } from './support/pg-server.js';

function state(serial: number, lineage = 'c0ffee00-0000-4000-8000-000000000001', extra = ''): Buffer {
  return Buffer.from(`{\n  "version": 4,\n  "terraform_version": "1.11.4",\n  "serial": ${serial},\n  "lineage": "${lineage}",\n  "outputs": {${extra}},\n  "resources": [],\n  "check_results": null\n}\n`);
}

async function rejection(action: Promise<unknown>): Promise<Error & { code?: string }> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isTempehError(outcome)) throw new Error(`expected a Tempeh error, got ${String(outcome)}`);
  return outcome;
}

describeWithPostgres('postgres versions', (db) => {
  const open: PostgresBackend[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((backend) => backend.close()));
  });

  async function fresh(extra: Partial<PostgresBackendConfigInput> = {}): Promise<{ backend: PostgresBackend; schema: string }> {
    const schema = db.freshSchema('versions');
    const backend = createPostgresBackend(db.config({ schema, ...extra }));
    open.push(backend);
    await backend.init();
    return { backend, schema };
  }

  it('every put is a version with its number, serial, lineage, sha256, size, time and author; get returns the latest', async () => {
    const { backend } = await fresh();
    const fixture = terraformFixtureState();
    const first = await backend.putState('default', fixture);
    const held = await backend.lock('default', { Operation: 'apply', Info: '', Who: 'alice@ci', Version: '1', Created: '', Path: '' });
    const second = await backend.putState('default', state(9), { lockId: held.ID, ifRevision: first.revision });
    await backend.unlock('default', held.ID);

    const versions = await backend.versions.list('default');
    expect(versions.map((v) => [v.id, v.version, v.current])).toEqual([
      ['2', 2, true],
      ['1', 1, false],
    ]);
    const [latest, earliest] = versions;
    const parsedFixture: unknown = JSON.parse(fixture.toString());
    expect(earliest).toMatchObject({
      serial: Reflect.get(Object(parsedFixture), 'serial'),
      lineage: Reflect.get(Object(parsedFixture), 'lineage'),
      size: fixture.byteLength,
      sha256: createHash('sha256').update(fixture).digest('hex'),
      revision: first.revision,
    });
    expect(latest).toMatchObject({ serial: 9, lineage: 'c0ffee00-0000-4000-8000-000000000001', who: 'alice@ci', revision: second.revision });
    expect(Date.parse(latest?.createdAt ?? '')).toBeGreaterThanOrEqual(Date.parse(earliest?.createdAt ?? ''));
    // The revision is the version number and the content hash.
    expect(second.revision).toBe(`2:${createHash('sha256').update(state(9)).digest('hex')}`);

    expect((await backend.getState('default'))?.data.equals(state(9))).toBe(true);
    expect((await backend.versions.get('default', '1')).data.equals(fixture)).toBe(true);
    const handle = await backend.versions.readStream('default', '1');
    const chunks: Buffer[] = [];
    for await (const chunk of handle.stream) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).equals(fixture)).toBe(true);
    expect(handle.revision).toBe(first.revision);
  });

  it('asking for a version that does not exist is TEMPEH_E_NOT_FOUND', async () => {
    const { backend } = await fresh();
    await backend.putState('default', state(1));
    for (const id of ['2', '0', '-1', 'one', '1.0', '', '99999999999999999999']) {
      expect((await rejection(backend.versions.get('default', id))).code, id).toBe('TEMPEH_E_NOT_FOUND');
    }
    expect((await rejection(backend.versions.get('elsewhere', '1'))).code).toBe('TEMPEH_E_NOT_FOUND');
    expect(await backend.versions.list('elsewhere')).toEqual([]);
  });

  it('deleteState keeps the history; deleteWorkspace removes it, and a recreated workspace never reuses a revision', async () => {
    const { backend } = await fresh();
    const old = await backend.putState('ws', state(1));
    await backend.deleteState('ws');
    expect(await backend.getState('ws')).toBeUndefined();
    expect((await backend.versions.list('ws')).map((v) => [v.version, v.current])).toEqual([[1, false]]);
    expect((await backend.versions.get('ws', '1')).data.equals(state(1))).toBe(true);
    // A write after the delete continues the numbering.
    expect((await backend.putState('ws', state(2))).revision?.startsWith('2:')).toBe(true);

    await backend.deleteWorkspace('ws');
    expect(await backend.versions.list('ws')).toEqual([]);
    const again = await backend.putState('ws', state(7, 'c0ffee00-0000-4000-8000-000000000002'));
    expect(again.revision?.startsWith('1:')).toBe(true);
    // Number 1 again, but other bytes: the old revision does not match it.
    const conflict = await rejection(backend.putState('ws', state(8), { ifRevision: old.revision ?? null }));
    expect(conflict.code).toBe('TEMPEH_E_CONFLICT');
  });

  it('prune keeps the last N, or what is younger than an age, or (both) either; never the current version', async () => {
    const { backend, schema } = await fresh();
    for (let serial = 1; serial <= 6; serial++) await backend.putState('default', state(serial));
    // Versions 1-3 are ten days old, 4-6 are new.
    await db.query(`UPDATE "${schema}".kolumn_state SET created_at = now() - interval '10 days' WHERE version <= 3`);
    const day = 24 * 60 * 60 * 1000;

    expect(await backend.versions.prune('default', { keepLast: 5 })).toEqual([1]);
    expect(await backend.versions.prune('default', { keepLast: 1, maxAgeMs: 5 * day })).toEqual([2, 3]);
    expect((await backend.versions.list('default')).map((v) => v.version)).toEqual([6, 5, 4]);
    expect(await backend.versions.prune('default', { maxAgeMs: 0 })).toEqual([4, 5]);
    expect((await backend.versions.list('default')).map((v) => [v.version, v.current])).toEqual([[6, true]]);
    expect((await backend.getState('default'))?.data.equals(state(6))).toBe(true);

    const orphans = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${schema}".kolumn_state_chunks`);
    expect(orphans.rows[0]?.n).toBe('1');
    expect((await rejection(backend.versions.prune('default', {}))).code).toBe('TEMPEH_E_CONFIG');
    expect((await rejection(backend.versions.prune('default', { keepLast: 0 }))).code).toBe('TEMPEH_E_CONFIG');
  });

  it('versions_keep_last in the config prunes after every write', async () => {
    const { backend } = await fresh({ versions_keep_last: 3 });
    for (let serial = 1; serial <= 7; serial++) await backend.putState('default', state(serial));
    expect((await backend.versions.list('default')).map((v) => v.version)).toEqual([7, 6, 5]);
  });

  it('a write that loses the compare-and-swap adds no version', async () => {
    const { backend } = await fresh();
    const base = await backend.putState('default', state(1));
    await backend.putState('default', state(2), { ifRevision: base.revision ?? null });
    const lost = await rejection(backend.putState('default', state(3), { ifRevision: base.revision ?? null }));
    expect(lost.code).toBe('TEMPEH_E_CONFLICT');
    expect((await backend.versions.list('default')).map((v) => v.version)).toEqual([2, 1]);
  });
});
