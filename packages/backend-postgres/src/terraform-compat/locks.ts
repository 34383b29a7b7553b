import { hostname } from 'node:os';
import { LockMismatchError, LockedError, NotLockedError, type LockInfo, type LockStatus } from '@tempeh/core';
import type pg from 'pg';
import type { Database } from '../connection.js';
import { CREATION_KEY, type TerraformSql } from './layout.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

/** Tempeh's record of one of its locks in the Terraform layout. */
interface LockRow {
  lock_id: string;
  operation: string;
  info: string;
  who: string;
  version: string;
  created: string;
  path: string;
  advisory_key: string;
  session_pid: number;
  /** That session still holds that key: the row describes a live lock. */
  alive: boolean;
}

/** Who holds a workspace's advisory lock right now, as the server sees it. */
interface Holder {
  pid: number;
  /** Tempeh's record, when the holder is a Tempeh lock; Terraform records nothing. */
  row: LockRow | undefined;
}

const NO_HOLDER_INFO = "Terraform's pg backend records no holder information";

/** `pg_locks` columns of a bigint advisory key `k`: classid = k >> 32, objid = the low 32 bits (both unsigned), objsubid = 1. */
const KEY_MATCH = `p.locktype = 'advisory' AND p.granted AND p.objsubid = 1
  AND p.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
  AND p.classid = ((KEY >> 32) & 4294967295)::oid AND p.objid = (KEY & 4294967295)::oid`;

function keyMatch(key: string): string {
  return KEY_MATCH.replaceAll('KEY', key);
}

/**
 * Locks that Terraform's pg backend honours, because they are its own:
 * session-level advisory locks on the workspace row's id, or on -1 while a
 * workspace that has no row yet is being created, taken with Terraform's
 * own statement. A Tempeh lock holds one on a connection of its own; when
 * that session ends (unlock, exit, crash), the lock is gone, for both tools,
 * as with Terraform. Tempeh also records its locks' LockInfo in a table of
 * its own so that other Tempeh clients can name the holder; a lock
 * Terraform holds has no such record.
 */
export class TerraformLocks {
  readonly #db: Database;
  readonly #sql: TerraformSql;
  readonly #sessions = new Map<string, { client: pg.Client; key: string }>();

  constructor(db: Database, sql: TerraformSql) {
    this.#db = db;
    this.#sql = sql;
  }

  async acquire(workspace: string, info: LockInfo): Promise<void> {
    const action = `lock '${workspace}'`;
    const session = await this.#db.session(action);
    let key: string | undefined;
    try {
      key = await this.#takeTerraformLock(session, workspace);
      if (key === undefined) throw await this.#lockedError(workspace);
      // Any earlier record for this workspace is a dead lock's: the key was free.
      await session.query(
        `INSERT INTO ${this.#sql.locks} (workspace, lock_id, operation, info, who, version, created, path, advisory_key, session_pid, client_host, client_pid)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::bigint, pg_backend_pid(), $10, $11)
         ON CONFLICT (workspace) DO UPDATE SET lock_id = EXCLUDED.lock_id, operation = EXCLUDED.operation, info = EXCLUDED.info,
           who = EXCLUDED.who, version = EXCLUDED.version, created = EXCLUDED.created, path = EXCLUDED.path,
           advisory_key = EXCLUDED.advisory_key, session_pid = EXCLUDED.session_pid, client_host = EXCLUDED.client_host,
           client_pid = EXCLUDED.client_pid, locked_at = now()`,
        [workspace, info.ID, info.Operation, info.Info, info.Who, info.Version, info.Created, info.Path, key, hostname(), process.pid],
      );
    } catch (error) {
      await this.#db.endSession(session); // ending the session releases whatever key it took
      throw this.#db.wrap(error, action);
    }
    this.#sessions.set(sessionId(workspace, info.ID), { client: session, key });
  }

  /**
   * Terraform's Lock, statement for statement: try the row's id and -1
   * together; with no row, try -1 alone (creating a workspace); keep the one
   * that stands for the workspace. Returns the key held, or undefined.
   */
  async #takeTerraformLock(session: pg.Client, workspace: string): Promise<string | undefined> {
    const s = this.#sql.states;
    const both = await session.query<[string, boolean, boolean]>({
      text: `SELECT states.id, pg_try_advisory_lock(states.id), pg_try_advisory_lock(-1) FROM ${s} WHERE states.name = $1`,
      values: [workspace],
      rowMode: 'array',
    });
    const row = both.rows[0];
    if (!row) {
      const creation = await session.query<[boolean]>({ text: 'SELECT pg_try_advisory_lock(-1)', rowMode: 'array' });
      return creation.rows[0]?.[0] === true ? CREATION_KEY : undefined;
    }
    const [id, didLock, didLockForCreate] = row;
    if (!didLock) {
      if (didLockForCreate) await session.query('SELECT pg_advisory_unlock(-1)');
      return undefined;
    }
    if (!didLockForCreate) {
      // Someone is creating a workspace; Terraform backs off here too.
      await session.query('SELECT pg_advisory_unlock($1::bigint)', [String(id)]);
      return undefined;
    }
    await session.query('SELECT pg_advisory_unlock(-1)');
    return String(id);
  }

  /**
   * Releases the lock with this ID. This backend's own lock: its key is
   * unlocked and its session ended. Another live Tempeh client's lock with
   * this ID: advisory locks can only be released by the session holding
   * them, so that session is ended (pg_terminate_backend). A lock Terraform
   * holds has no ID, so no ID matches it (LockMismatchError).
   */
  async release(workspace: string, lockId: string): Promise<void> {
    const action = `unlock '${workspace}'`;
    const own = this.#sessions.get(sessionId(workspace, lockId));
    if (own) {
      this.#sessions.delete(sessionId(workspace, lockId));
      try {
        await this.#db.query(action, `DELETE FROM ${this.#sql.locks} WHERE workspace = $1 AND lock_id = $2`, [workspace, lockId]);
      } finally {
        await this.#db.endSession(own.client);
      }
      return;
    }
    const holder = await this.#holder(workspace);
    if (!holder) throw new NotLockedError(workspace);
    if (!holder.row) throw new LockMismatchError(workspace, lockId, undefined, { hint: `${NO_HOLDER_INFO}; only the terraform holding it can release it` });
    if (holder.row.lock_id !== lockId) throw new LockMismatchError(workspace, lockId, infoOf(holder.row));
    const ended = await this.#db.query<{ ended: boolean }>(action, 'SELECT pg_terminate_backend($1) AS ended', [holder.pid]);
    if (ended.rows[0]?.ended !== true) {
      throw new LockedError(workspace, infoOf(holder.row), {
        hint: `the holder's session (server pid ${holder.pid}) could not be ended: that needs the same database role or pg_signal_backend`,
      });
    }
    await this.#db.query(action, `DELETE FROM ${this.#sql.locks} WHERE workspace = $1 AND lock_id = $2`, [workspace, lockId]);
  }

  /**
   * After a write under this backend's own lock created the workspace's row
   * (the lock was on -1, the creation key), move the lock onto the new row's
   * id, so that terraform, which locks by id from now on, stays out. Run
   * before the write commits: nobody else can know the id yet.
   */
  async adoptRow(workspace: string, lockId: string, id: string): Promise<void> {
    const own = this.#sessions.get(sessionId(workspace, lockId));
    if (!own || own.key !== CREATION_KEY) return;
    const action = `lock the new row of '${workspace}'`;
    try {
      await own.client.query('SELECT pg_advisory_lock($1::bigint)', [id]);
      await own.client.query(`UPDATE ${this.#sql.locks} SET advisory_key = $3::bigint WHERE workspace = $1 AND lock_id = $2`, [workspace, lockId, id]);
      await own.client.query('SELECT pg_advisory_unlock(-1)');
    } catch (error) {
      throw this.#db.wrap(error, action);
    }
    own.key = id;
  }

  async observe(workspace: string): Promise<LockStatus | undefined> {
    const holder = await this.#holder(workspace);
    if (!holder) return undefined;
    if (holder.row) return { info: infoOf(holder.row), stale: false, detail: undefined };
    return { info: undefined, stale: false, detail: `held by server pid ${holder.pid}; ${NO_HOLDER_INFO}` };
  }

  /**
   * The write check, inside the writer's transaction. With `lockId`: the
   * caller's lock must be live. Without: the workspace's key (its id, or -1
   * for a workspace without a row) is taken for the transaction, which fails
   * while any session, Terraform's included, holds it.
   */
  async checkWrite(client: Queryable, workspace: string, id: string | undefined, lockId: string | undefined): Promise<void> {
    if (lockId !== undefined) {
      const row = await this.#row(client, workspace);
      if (row?.alive && row.lock_id === lockId) return;
      const holder = await this.#holder(workspace, client);
      if (holder) throw this.#lockedFrom(workspace, holder);
      throw new NotLockedError(workspace);
    }
    const key = id ?? CREATION_KEY;
    const got = await client.query<[boolean]>({ text: 'SELECT pg_try_advisory_xact_lock($1::bigint)', values: [key], rowMode: 'array' });
    if (got.rows[0]?.[0] === true) return;
    const holder = await this.#holder(workspace, client);
    throw holder ? this.#lockedFrom(workspace, holder) : creationLocked(workspace);
  }

  async closeSessions(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((held) => this.#db.endSession(held.client)));
  }

  async #lockedError(workspace: string): Promise<LockedError> {
    const holder = await this.#holder(workspace);
    return holder ? this.#lockedFrom(workspace, holder) : creationLocked(workspace);
  }

  #lockedFrom(workspace: string, holder: Holder): LockedError {
    if (holder.row) return new LockedError(workspace, infoOf(holder.row));
    return new LockedError(workspace, undefined, {
      message: `state '${workspace}' is locked by another client (server pid ${holder.pid}), probably terraform: ${NO_HOLDER_INFO}`,
    });
  }

  /** The live holder of the workspace's key: its id when it has a row, else -1 when a Tempeh lock records it. */
  async #holder(workspace: string, client?: Queryable): Promise<Holder | undefined> {
    const run = async (c: Queryable): Promise<Holder | undefined> => {
      const row = await this.#row(c, workspace);
      const states = await c.query<{ id: string }>(`SELECT id::text AS id FROM ${this.#sql.states} WHERE name = $1`, [workspace]);
      const key = states.rows[0]?.id ?? (row?.alive ? row.advisory_key : undefined);
      if (key === undefined || !/^-?\d+$/.test(key)) return undefined;
      const held = await c.query<{ pid: number }>(`SELECT p.pid FROM pg_catalog.pg_locks p WHERE ${keyMatch(`(${key})::bigint`)} LIMIT 1`);
      const pid = held.rows[0]?.pid;
      if (pid === undefined) return undefined;
      return { pid, row: row?.alive && row.session_pid === pid ? row : undefined };
    };
    return client ? run(client) : this.#db.withClient(`read the lock of '${workspace}'`, run);
  }

  async #row(client: Queryable, workspace: string): Promise<LockRow | undefined> {
    const result = await client.query<LockRow>(
      `SELECT l.lock_id, l.operation, l.info, l.who, l.version, l.created, l.path, l.advisory_key::text AS advisory_key, l.session_pid,
              EXISTS (SELECT 1 FROM pg_catalog.pg_locks p WHERE p.pid = l.session_pid AND ${keyMatch('l.advisory_key')}) AS alive
       FROM ${this.#sql.locks} l WHERE l.workspace = $1`,
      [workspace],
    );
    return result.rows[0];
  }
}

function sessionId(workspace: string, lockId: string): string {
  return `${workspace}\u0000${lockId}`;
}

function infoOf(row: LockRow): LockInfo {
  return { ID: row.lock_id, Operation: row.operation, Info: row.info, Who: row.who, Version: row.version, Created: row.created, Path: row.path };
}

function creationLocked(workspace: string): LockedError {
  return new LockedError(workspace, undefined, {
    message: `state '${workspace}' cannot be locked: another client holds the workspace-creation lock (-1), probably terraform creating a workspace; ${NO_HOLDER_INFO}`,
    hint: 'retry in a moment; the creation lock is held only while a workspace is created',
  });
}
