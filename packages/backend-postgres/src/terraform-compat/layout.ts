import type { Database } from '../connection.js';
import { quoteIdentifier } from '../identifiers.js';

/**
 * Terraform's pg backend layout (terraform 1.11, internal/backend/remote-state/pg):
 * schema `terraform_remote_state` by default, one table `states(id, name,
 * data)` with one row per workspace, ids from a sequence that lives in
 * `public` whatever the schema. The statements below are the ones Terraform
 * sends, byte for byte where it matters (see the SQL trace in
 * shared/fixtures/terraform/pg), so that both tools create, read and lock
 * the same objects.
 */
export const STATES_TABLE = 'states';
export const STATES_INDEX = 'states_by_name';
export const STATES_SEQUENCE = 'public.global_states_id_seq';
/** Terraform's advisory lock key while a workspace is created (no row, so no id yet). */
export const CREATION_KEY = '-1';

/** Statements of the Terraform layout, for one schema. */
export interface TerraformSql {
  schema: string;
  /** `"schema".states` */
  states: string;
  /** Tempeh's record of its own locks' LockInfo, beside Terraform's table (Terraform never reads it). */
  locks: string;
  raw: { schema: string; locks: string };
}

export function terraformSql(schema: string, lockTable: string): TerraformSql {
  const quoted = quoteIdentifier(schema);
  return { schema: quoted, states: `${quoted}.${STATES_TABLE}`, locks: `${quoted}.${quoteIdentifier(lockTable)}`, raw: { schema, locks: lockTable } };
}

/**
 * What `terraform init` creates, the way it creates it, plus Tempeh's lock
 * table; idempotent, in one transaction.
 */
export async function createTerraformLayout(db: Database, sql: TerraformSql): Promise<void> {
  await db.transaction(`create Terraform's pg tables in schema "${sql.raw.schema}"`, async (client) => {
    // As Terraform: look before creating, since CREATE SCHEMA needs a privilege that reading does not.
    const count = await client.query<{ count: string }>('select count(1) from information_schema.schemata where schema_name = $1', [sql.raw.schema]);
    if (Number(count.rows[0]?.count ?? 0) < 1) await client.query(`CREATE SCHEMA IF NOT EXISTS ${sql.schema}`);
    await client.query(`CREATE SEQUENCE IF NOT EXISTS ${STATES_SEQUENCE} AS bigint`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${sql.states} (
				id bigint NOT NULL DEFAULT nextval('${STATES_SEQUENCE}') PRIMARY KEY,
				name text UNIQUE,
				data text
				)`);
    await client.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${STATES_INDEX} ON ${sql.states} (name)`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${sql.locks} (
      workspace text PRIMARY KEY,
      lock_id text NOT NULL,
      operation text NOT NULL,
      info text NOT NULL,
      who text NOT NULL,
      version text NOT NULL,
      created text NOT NULL,
      path text NOT NULL,
      advisory_key bigint NOT NULL,
      session_pid integer NOT NULL,
      client_host text,
      client_pid integer,
      locked_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
}
