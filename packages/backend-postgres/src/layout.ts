import { IoError } from '@tempeh/core';
import type pg from 'pg';
import { layoutKey } from './advisory-keys.js';
import type { Database } from './connection.js';
import type { TableNames } from './identifiers.js';

/**
 * The Tempeh layout, version by version. `init()` brings a store to
 * LAYOUT_VERSION in one transaction; a later release appends a step here
 * and stores that run it migrate on their next init. Every step is written
 * to be re-runnable (IF NOT EXISTS), so a half-created store from before
 * the layout table existed is completed, not refused.
 */
export const LAYOUT_VERSION = 1;

type Step = (t: TableNames) => string[];

const STEPS: readonly Step[] = [
  // 0 → 1
  (t) => [
    `CREATE TABLE IF NOT EXISTS ${t.workspaces} (
      workspace text PRIMARY KEY,
      current_version bigint,
      last_version bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE TABLE IF NOT EXISTS ${t.versions} (
      id bigserial PRIMARY KEY,
      workspace text NOT NULL,
      version bigint NOT NULL,
      serial bigint,
      lineage text,
      sha256 text NOT NULL,
      size bigint NOT NULL,
      chunk_count integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      who text NOT NULL,
      UNIQUE (workspace, version)
    )`,
    // Deferred: a write inserts its chunks as they stream in and the version row only at the end, in the same transaction.
    `CREATE TABLE IF NOT EXISTS ${t.chunks} (
      version_id bigint NOT NULL REFERENCES ${t.versions} (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
      seq integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (version_id, seq)
    )`,
    `CREATE TABLE IF NOT EXISTS ${t.locks} (
      workspace text PRIMARY KEY,
      lock_id text NOT NULL,
      operation text NOT NULL,
      info text NOT NULL,
      who text NOT NULL,
      version text NOT NULL,
      created text NOT NULL,
      path text NOT NULL,
      detached boolean NOT NULL DEFAULT false,
      session_key bigint,
      session_pid integer,
      client_host text,
      client_pid integer,
      expires_at timestamptz,
      locked_at timestamptz NOT NULL DEFAULT now()
    )`,
  ],
];

/** Creates or migrates the layout; idempotent, one transaction. */
export async function createLayout(db: Database, t: TableNames): Promise<void> {
  await db.transaction(`create the Tempeh tables in schema "${t.raw.schema}"`, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [layoutKey(t.raw.schema, t.raw.versions)]);
    // Checked first, because CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the database even when the schema exists.
    const schema = await client.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [t.raw.schema]);
    if (schema.rowCount === 0) await client.query(`CREATE SCHEMA ${t.schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.layout} (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        migrated_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const current = await readVersion(client, t, true);
    if (current > LAYOUT_VERSION) throw newerLayoutError(t, current);
    for (let version = current; version < LAYOUT_VERSION; version++) {
      const step = STEPS[version];
      if (!step) throw new IoError(`no migration step from layout version ${version}`, { hint: 'this release is broken; report it' });
      for (const statement of step(t)) await client.query(statement);
    }
    if (current === 0) await client.query(`INSERT INTO ${t.layout} (version) VALUES ($1)`, [LAYOUT_VERSION]);
    else if (current < LAYOUT_VERSION) await client.query(`UPDATE ${t.layout} SET version = $1, migrated_at = now()`, [LAYOUT_VERSION]);
  });
}

/**
 * Checks, once per backend, that the store has this release's layout:
 * IoError when init has not run (or ran with an older release), or when a
 * newer release has migrated it.
 */
export async function checkLayout(db: Database, t: TableNames): Promise<void> {
  const exists = await db.query<{ present: boolean }>(
    'check the Tempeh tables',
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = $2) AS present`,
    [t.raw.schema, t.raw.layout],
  );
  const current = exists.rows[0]?.present ? await db.withClient('read the layout version', (client) => readVersion(client, t, false)) : 0;
  if (current === LAYOUT_VERSION) return;
  if (current > LAYOUT_VERSION) throw newerLayoutError(t, current);
  throw new IoError(
    current === 0
      ? `the Tempeh tables do not exist in schema "${t.raw.schema}" (no ${t.raw.layout} table)`
      : `the Tempeh tables in schema "${t.raw.schema}" have layout version ${current}; this release uses ${LAYOUT_VERSION}`,
    { hint: `run init (\`tempeh init\`, backend.init()) first; it ${current === 0 ? 'creates' : 'migrates'} them` },
  );
}

async function readVersion(client: pg.PoolClient, t: TableNames, forUpdate: boolean): Promise<number> {
  const result = await client.query<{ version: number }>(`SELECT version FROM ${t.layout}${forUpdate ? ' FOR UPDATE' : ''}`);
  return result.rows[0]?.version ?? 0;
}

function newerLayoutError(t: TableNames, version: number): IoError {
  return new IoError(`the Tempeh tables in schema "${t.raw.schema}" have layout version ${version}, newer than this release knows (${LAYOUT_VERSION})`, {
    hint: 'upgrade @tempeh/backend-postgres; an older release must not write a newer layout',
  });
}
