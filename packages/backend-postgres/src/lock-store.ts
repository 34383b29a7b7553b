import { hostname } from 'node:os';
import { LockMismatchError, LockedError, NotLockedError, type LockInfo, type LockOptions, type LockStatus } from '@tempeh/core';
import type pg from 'pg';
import { commitKey, randomSessionKey } from './advisory-keys.js';
import type { Database } from './connection.js';
import type { TableNames } from './identifiers.js';

/** Options of `PostgresBackend.lock` beyond the StateBackend contract. */
export interface PostgresLockOptions extends LockOptions {
  /**
   * The lock expires this many milliseconds after it is taken: from then on
   * it is reported stale, whatever its holder. The only staleness signal a
   * detached lock has.
   */
  ttlMs?: number;
}

/** How many idle lock sessions a backend keeps for its next locks. */
const MAX_SPARE_SESSIONS = 2;

/** A lock row, with what the server knows about its holder right now. */
interface LockRow {
  lock_id: string;
  operation: string;
  info: string;
  who: string;
  version: string;
  created: string;
  path: string;
  detached: boolean;
  session_key: string | null;
  session_pid: number | null;
  client_host: string | null;
  client_pid: number | null;
  expires_at: Date | null;
  /** Some session of this database holds the row's advisory key. */
  holder_alive: boolean;
  expired: boolean;
}

/** Anything that can run a statement: the pool (through Database) or a client inside a transaction. */
type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Locks in the Tempeh layout. One row per locked workspace (the primary key
 * makes it exclusive) carries the full LockInfo, so a lock outlives its
 * taker and can be seen and force-unlocked from anywhere. Liveness comes
 * from PostgreSQL itself: the taker holds a session-level advisory lock on
 * a key recorded in the row, on a connection of its own, for as long as the
 * lock is held. When that session ends (the process exits or is killed,
 * the connection drops), the server releases the key; a row whose key no
 * session holds is stale. Detached locks (meant to outlive their taker)
 * record no key and are stale only once their TTL, if any, has passed.
 *
 * lock(), unlock() and each write's final check take the workspace's
 * commit key (a transaction-scoped advisory lock) first, so "read the lock
 * row, then act on it" is atomic among Tempeh clients.
 */
export class LockStore {
  readonly #db: Database;
  readonly #t: TableNames;
  /** Sessions holding the advisory key of a lock this backend took, by workspace and lock ID. */
  readonly #sessions = new Map<string, { client: pg.Client; key: string }>();
  /** Sessions of released locks, kept for the next lock. */
  readonly #spare: pg.Client[] = [];

  constructor(db: Database, t: TableNames) {
    this.#db = db;
    this.#t = t;
  }

  commitKey(workspace: string): string {
    return commitKey(this.#t.raw.schema, this.#t.raw.locks, workspace);
  }

  async acquire(workspace: string, info: LockInfo, options: PostgresLockOptions): Promise<void> {
    const action = `lock '${workspace}'`;
    let session: pg.Client | undefined;
    let sessionKey: string | null = null;
    let sessionPid: number | null = null;
    if (!options.detached) {
      sessionKey = randomSessionKey();
      ({ session, pid: sessionPid } = await this.#holdKey(sessionKey, action));
    }
    try {
      await this.#db.transaction(action, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.commitKey(workspace)]);
        const existing = await this.#read(client, workspace);
        if (existing) throw lockedError(workspace, existing);
        await client.query(
          `INSERT INTO ${this.#t.locks}
             (workspace, lock_id, operation, info, who, version, created, path, detached, session_key, session_pid, client_host, client_pid, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint, $11, $12, $13,
             CASE WHEN $14::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $14::float8 / 1000) END)`,
          [
            workspace,
            info.ID,
            info.Operation,
            info.Info,
            info.Who,
            info.Version,
            info.Created,
            info.Path,
            options.detached === true,
            sessionKey,
            sessionPid,
            hostname(),
            process.pid,
            options.ttlMs ?? null,
          ],
        );
      });
    } catch (error) {
      if (session && sessionKey !== null) await this.#releaseKey(session, sessionKey);
      throw error;
    }
    if (session && sessionKey !== null) this.#sessions.set(sessionId(workspace, info.ID), { client: session, key: sessionKey });
  }

  /**
   * A session holding `key`: a spare one from an earlier lock when there is
   * one (opening a connection costs a round of authentication), else a new
   * one. A spare that has died meanwhile is dropped and replaced.
   */
  async #holdKey(key: string, action: string): Promise<{ session: pg.Client; pid: number | null }> {
    for (;;) {
      const spare = this.#spare.pop();
      const session = spare ?? (await this.#db.session(action));
      try {
        const held = await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_advisory_lock($1::bigint)', [key]);
        return { session, pid: held.rows[0]?.pid ?? null };
      } catch (error) {
        await this.#db.endSession(session);
        if (!spare) throw this.#db.wrap(error, action);
      }
    }
  }

  /** Lets go of `key` and keeps the session as a spare, or ends it when there are spares enough or it failed. */
  async #releaseKey(session: pg.Client, key: string): Promise<void> {
    try {
      await session.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
    } catch {
      // Whatever failed, the session is unusable or gone, and ending it releases the key too: the lock is released either way.
      await this.#db.endSession(session);
      return;
    }
    if (this.#spare.length < MAX_SPARE_SESSIONS) this.#spare.push(session);
    else await this.#db.endSession(session);
  }

  /** Removes the lock if it has this ID: NotLockedError when there is none, LockMismatchError (with the holder) for another ID. */
  async release(workspace: string, lockId: string): Promise<void> {
    await this.#db.transaction(`unlock '${workspace}'`, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.commitKey(workspace)]);
      const existing = await this.#read(client, workspace);
      if (!existing) throw new NotLockedError(workspace);
      if (existing.lock_id !== lockId) throw new LockMismatchError(workspace, lockId, infoOf(existing));
      await client.query(`DELETE FROM ${this.#t.locks} WHERE workspace = $1 AND lock_id = $2`, [workspace, lockId]);
    });
    await this.#endSession(workspace, lockId);
  }

  /** The lock, if any, with staleness. */
  async observe(workspace: string): Promise<LockStatus | undefined> {
    const row = await this.#db.withClient(`read the lock of '${workspace}'`, (client) => this.#read(client, workspace));
    return row ? statusOf(row) : undefined;
  }

  /**
   * Removes the lock only if it is stale at this moment. Returns what was
   * removed, `undefined` when there was no lock; LockedError for a live one.
   */
  async breakStale(workspace: string): Promise<LockStatus | undefined> {
    const removed = await this.#db.transaction(`break the stale lock of '${workspace}'`, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.commitKey(workspace)]);
      const existing = await this.#read(client, workspace);
      if (!existing) return undefined;
      const status = statusOf(existing);
      if (!status.stale) throw lockedError(workspace, existing, 'the holder is alive; wait for it, or force-unlock if you are sure');
      await client.query(`DELETE FROM ${this.#t.locks} WHERE workspace = $1 AND lock_id = $2`, [workspace, existing.lock_id]);
      return status;
    });
    if (removed?.info) await this.#endSession(workspace, removed.info.ID);
    return removed;
  }

  /**
   * The write check, to be run inside the writer's transaction after it took
   * the commit key (and once before, without it, to fail fast): a lock held
   * under another ID refuses the write (LockedError), naming a lock that is
   * not held is NotLockedError. Returns the caller's lock, if it holds one.
   */
  async checkWrite(client: Queryable, workspace: string, lockId: string | undefined): Promise<LockInfo | undefined> {
    const existing = await this.#read(client, workspace);
    if (existing) {
      if (existing.lock_id !== lockId) throw lockedError(workspace, existing);
      return infoOf(existing);
    }
    if (lockId !== undefined) throw new NotLockedError(workspace);
    return undefined;
  }

  /** Ends every advisory-lock session this backend holds; their locks then read as stale. */
  async closeSessions(): Promise<void> {
    const sessions = [...[...this.#sessions.values()].map((held) => held.client), ...this.#spare];
    this.#sessions.clear();
    this.#spare.length = 0;
    await Promise.all(sessions.map((session) => this.#db.endSession(session)));
  }

  async #endSession(workspace: string, lockId: string): Promise<void> {
    const id = sessionId(workspace, lockId);
    const held = this.#sessions.get(id);
    if (!held) return;
    this.#sessions.delete(id);
    await this.#releaseKey(held.client, held.key);
  }

  async #read(client: Queryable, workspace: string): Promise<LockRow | undefined> {
    // A bigint key k is held as classid = k >> 32, objid = k & 0xffffffff, objsubid = 1 (see pg_locks).
    const result = await client.query<LockRow>(
      `SELECT l.lock_id, l.operation, l.info, l.who, l.version, l.created, l.path, l.detached, l.session_key::text AS session_key,
              l.session_pid, l.client_host, l.client_pid, l.expires_at,
              (l.session_key IS NOT NULL AND EXISTS (
                 SELECT 1 FROM pg_catalog.pg_locks p
                 WHERE p.locktype = 'advisory' AND p.granted AND p.objsubid = 1
                   AND p.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
                   AND p.classid = (l.session_key >> 32)::oid AND p.objid = (l.session_key & 4294967295)::oid)) AS holder_alive,
              (l.expires_at IS NOT NULL AND l.expires_at <= now()) AS expired
       FROM ${this.#t.locks} l WHERE l.workspace = $1`,
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

function statusOf(row: LockRow): LockStatus {
  const info = infoOf(row);
  if (row.expired) return { info, stale: true, detail: `the lock expired at ${row.expires_at?.toISOString() ?? 'an earlier time'}` };
  if (row.detached) return { info, stale: false, detail: undefined };
  if (row.holder_alive) return { info, stale: false, detail: undefined };
  const holder = [row.client_host && row.client_pid !== null ? `process ${row.client_pid} on ${row.client_host}` : undefined, row.session_pid !== null ? `server pid ${row.session_pid}` : undefined]
    .filter(Boolean)
    .join(', ');
  return {
    info,
    stale: true,
    detail: `the PostgreSQL session that took it${holder ? ` (${holder})` : ''} has ended: no session holds its advisory lock, so its holder crashed, exited or lost its connection`,
  };
}

function lockedError(workspace: string, row: LockRow, hint?: string): LockedError {
  const status = statusOf(row);
  const staleHint = status.stale ? `${status.detail ?? 'the holder is gone'}; run \`tempeh force-unlock ${row.lock_id}\` to clear it` : undefined;
  return new LockedError(workspace, status.info, { stale: status.stale, hint: staleHint ?? hint });
}
