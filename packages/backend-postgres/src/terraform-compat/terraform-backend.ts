import { isUtf8 } from 'node:buffer';
import { createHash, randomUUID } from 'node:crypto';
import {
  CapabilityError,
  ConflictError,
  DEFAULT_WORKSPACE,
  InvalidStateError,
  InvalidWorkspaceError,
  IoError,
  NotFoundError,
  assertValidWorkspaceName,
  bytesToReadable,
  collectBytes,
  createState,
  serializeState,
  sortWorkspaces,
  type BackendCapabilities,
  type LockInfo,
  type LockRequest,
  type LockStatus,
  type Revision,
  type StateBackend,
  type StateReadHandle,
  type StoredState,
  type WriteOptions,
  type WriteResult,
} from '@tempeh/core';
import type pg from 'pg';
import { DEFAULTS, type PostgresBackendConfig } from '../config.js';
import { defaultWho } from '../who.js';
import { Database, resolveConnection, type ConnectionSettings } from '../connection.js';
import type { PostgresLockOptions } from '../lock-store.js';
import type { PostgresBackendOptions } from '../postgres-backend.js';
import { createTerraformLayout, terraformSql, type TerraformSql } from './layout.js';
import { TerraformLocks } from './locks.js';

/**
 * The `postgres` backend with `compat: 'terraform'`: Terraform's own pg
 * backend tables (one `states` row per workspace, the state as text) and
 * Terraform's own session advisory locks, so that Tempeh and `terraform`
 * read each other's states and exclude each other. What the layout cannot
 * hold, this mode does not offer: no history (capabilities.versions is
 * false), no chunking (a state is one text value: streaming is false), no
 * lock that outlives its session (detached locks are refused). See the
 * package README.
 */
export class TerraformPgBackend implements StateBackend {
  readonly type = 'postgres';
  /** nativeLocks: Terraform takes and honours the same advisory locks. */
  readonly capabilities: BackendCapabilities = Object.freeze({
    streaming: false,
    nativeLocks: true,
    compareAndSwap: true,
    versions: false,
  });
  readonly settings: Readonly<ConnectionSettings>;
  readonly sql: TerraformSql;

  readonly #db: Database;
  readonly #locks: TerraformLocks;
  readonly #defaultWho: string;
  #ready: Promise<void> | undefined;

  constructor(config: PostgresBackendConfig, options: PostgresBackendOptions = {}) {
    const { settings, password } = resolveConnection(config, options.env ?? process.env);
    this.settings = Object.freeze({ ...settings });
    this.sql = terraformSql(config.schema ?? DEFAULTS.terraformSchema, config.lock_table);
    this.#db = new Database(settings, password, `schema "${this.sql.raw.schema}" (Terraform's states table)`);
    this.#locks = new TerraformLocks(this.#db, this.sql);
    this.#defaultWho = defaultWho(settings.user);
  }

  /** What `terraform init` creates (schema, the sequence in public, states, its index), plus Tempeh's lock table. */
  async init(): Promise<void> {
    await createTerraformLayout(this.#db, this.sql);
    this.#ready = Promise.resolve();
  }

  async close(): Promise<void> {
    await this.#locks.closeSessions();
    await this.#db.close();
  }

  async listWorkspaces(): Promise<string[]> {
    await this.#ensureReady();
    const result = await this.#db.query<{ name: string }>('list the workspaces', `SELECT name FROM ${this.sql.states} WHERE name != 'default' ORDER BY name`);
    // Terraform lists every row; names Tempeh cannot address are left out, as the local backend leaves out such directories.
    return sortWorkspaces(result.rows.map((r) => r.name).filter(isValidWorkspaceName));
  }

  /**
   * As `terraform workspace new`: a workspace is a row, and Terraform fails on
   * a row without a state, so the new row holds an empty state (serial 1, a
   * fresh lineage). `getState` therefore returns it. Taken under Terraform's
   * workspace-creation lock (-1).
   */
  async createWorkspace(workspace: string): Promise<void> {
    await this.#prepare(workspace);
    if (workspace === DEFAULT_WORKSPACE) return;
    await this.#db.transaction(`create workspace '${workspace}'`, async (client) => {
      const exists = await client.query(`SELECT 1 FROM ${this.sql.states} WHERE name = $1`, [workspace]);
      if (exists.rowCount !== 0) return;
      await this.#locks.checkWrite(client, workspace, undefined, undefined);
      await this.#upsert(client, workspace, serializeState(createState({ serial: 1 })));
    });
  }

  async deleteWorkspace(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    assertValidWorkspaceName(workspace);
    if (workspace === DEFAULT_WORKSPACE) {
      throw new InvalidWorkspaceError(workspace, 'the default workspace cannot be deleted', { hint: 'delete its state (deleteState) instead' });
    }
    await this.#ensureReady();
    await this.#db.transaction(`delete workspace '${workspace}'`, async (client) => {
      const row = await this.#rowForUpdate(client, workspace);
      if (!row) throw new NotFoundError(`workspace '${workspace}' does not exist`, { hint: 'see `tempeh workspace list`' });
      await this.#locks.checkWrite(client, workspace, row.id, options.lockId);
      await client.query(`DELETE FROM ${this.sql.states} WHERE name = $1`, [workspace]);
    });
  }

  async getState(workspace: string): Promise<StoredState | undefined> {
    await this.#prepare(workspace);
    const result = await this.#db.query<{ data: string | null }>(`read the state of '${workspace}'`, `SELECT data FROM ${this.sql.states} WHERE name = $1`, [
      workspace,
    ]);
    const text = result.rows[0]?.data;
    // No row, or a row without data: no state, as Terraform's Get says.
    if (text === undefined || text === null || text === '') return undefined;
    const data = Buffer.from(text, 'utf8');
    return { data, revision: revisionOf(data) };
  }

  /** The state is one text value: read whole, then streamed from memory (capabilities.streaming is false). */
  async readStream(workspace: string): Promise<StateReadHandle | undefined> {
    const stored = await this.getState(workspace);
    return stored ? { stream: bytesToReadable(stored.data), revision: stored.revision, size: stored.data.byteLength } : undefined;
  }

  async writeStream(workspace: string, source: AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<WriteResult> {
    await this.#prepare(workspace);
    return this.putState(workspace, await collectBytes(source, `stream written to '${workspace}'`), options);
  }

  /**
   * Terraform's write, `INSERT … ON CONFLICT (name) DO UPDATE`, in a
   * transaction that first checks the lock (the caller's, or Terraform's
   * advisory key taken for the transaction) and `ifRevision`. The column is
   * text: bytes that are not UTF-8, or hold NUL, are refused.
   */
  async putState(workspace: string, data: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    await this.#prepare(workspace);
    const bytes = Buffer.from(data);
    if (!isUtf8(bytes) || bytes.includes(0)) {
      throw new InvalidStateError(`the state for '${workspace}' is not UTF-8 text without NUL bytes, which Terraform's pg table (a text column) requires`, {
        hint: "a Terraform state is UTF-8 JSON; use compat 'tempeh' to store arbitrary bytes",
      });
    }
    return this.#db.transaction(`write the state of '${workspace}'`, async (client) => {
      const row = await this.#rowForUpdate(client, workspace);
      await this.#locks.checkWrite(client, workspace, row?.id, options.lockId);
      assertRevision(workspace, row?.data ? revisionOf(Buffer.from(row.data, 'utf8')) : null, options.ifRevision);
      await this.#upsert(client, workspace, bytes);
      if (!row && options.lockId !== undefined) {
        const created = await this.#rowForUpdate(client, workspace);
        if (created) await this.#locks.adoptRow(workspace, options.lockId, created.id);
      }
      return { revision: revisionOf(bytes), size: bytes.byteLength };
    });
  }

  /** As Terraform's Delete: the row goes, so a workspace other than default goes with its state. */
  async deleteState(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    await this.#prepare(workspace);
    await this.#db.transaction(`delete the state of '${workspace}'`, async (client) => {
      const row = await this.#rowForUpdate(client, workspace);
      await this.#locks.checkWrite(client, workspace, row?.id, options.lockId);
      if (row) await client.query(`DELETE FROM ${this.sql.states} WHERE name = $1`, [workspace]);
    });
  }

  /**
   * Takes Terraform's lock: the workspace row's advisory key (-1 for a
   * workspace without a row, as Terraform does while creating one), held on
   * a connection of its own until unlock or close. The LockInfo is recorded
   * for other Tempeh clients. Detached locks and TTLs are refused: such a
   * lock ends with its session, whatever is recorded.
   */
  async lock(workspace: string, request: LockRequest, options: PostgresLockOptions = {}): Promise<LockInfo> {
    await this.#prepare(workspace);
    if (options.detached || options.ttlMs !== undefined) {
      throw new CapabilityError('postgres', `${options.detached ? 'detached locks' : 'lock TTLs'} with compat 'terraform'`, {
        hint: "Terraform's pg locks live exactly as long as the session that took them; hold the lock in a running process (`tempeh exec`)",
      });
    }
    const info: LockInfo = {
      ID: request.ID || randomUUID(),
      Operation: request.Operation,
      Info: request.Info,
      Who: request.Who || this.#defaultWho,
      Version: request.Version,
      Created: request.Created || new Date().toISOString(),
      Path: request.Path || `${this.sql.raw.schema}.states/${workspace}`,
    };
    await this.#locks.acquire(workspace, info);
    return { ...info };
  }

  async unlock(workspace: string, lockId: string): Promise<void> {
    await this.#prepare(workspace);
    await this.#locks.release(workspace, lockId);
  }

  /** Like unlock; a lock held by another live Tempeh client is ended by terminating its lock session. */
  async forceUnlock(workspace: string, lockId: string): Promise<void> {
    await this.#prepare(workspace);
    await this.#locks.release(workspace, lockId);
  }

  /** The lock as the server sees it; `info` is undefined for a lock Terraform holds (it records none). Never stale: a lock ends with its session. */
  async getLock(workspace: string): Promise<LockStatus | undefined> {
    await this.#prepare(workspace);
    return this.#locks.observe(workspace);
  }

  async #upsert(client: pg.PoolClient, workspace: string, data: Buffer): Promise<void> {
    // Terraform's statement. The Buffer goes as a binary parameter: for text, that is its UTF-8 bytes, unconverted.
    await client.query(
      `INSERT INTO ${this.sql.states} (name, data) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE
			SET data = $2 WHERE states.name = $1`,
      [workspace, data],
    );
  }

  async #rowForUpdate(client: pg.PoolClient, workspace: string): Promise<{ id: string; data: string | null } | undefined> {
    const result = await client.query<{ id: string; data: string | null }>(`SELECT id::text AS id, data FROM ${this.sql.states} WHERE name = $1 FOR UPDATE`, [
      workspace,
    ]);
    return result.rows[0];
  }

  async #prepare(workspace: string): Promise<void> {
    assertValidWorkspaceName(workspace);
    await this.#ensureReady();
  }

  #ensureReady(): Promise<void> {
    this.#ready ??= this.#checkTables().catch((error: unknown) => {
      // Not memoised: after init (maybe by terraform or another process) the next call succeeds.
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #checkTables(): Promise<void> {
    const result = await this.#db.query<{ tablename: string }>(
      "check Terraform's tables",
      'SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = ANY($2)',
      [this.sql.raw.schema, ['states', this.sql.raw.locks]],
    );
    if (result.rowCount === 2) return;
    throw new IoError(`Terraform's pg tables (or Tempeh's lock table beside them) do not exist in schema "${this.sql.raw.schema}"`, {
      hint: 'run init (`tempeh init`, backend.init()); it creates what `terraform init` creates, and the lock table, and changes nothing else',
    });
  }
}

function revisionOf(data: Buffer): Revision {
  return createHash('sha256').update(data).digest('hex');
}

function assertRevision(workspace: string, actual: Revision | null, expected: Revision | null | undefined): void {
  if (expected === undefined || actual === expected) return;
  throw new ConflictError(
    'revision',
    expected === null
      ? `state '${workspace}' was written by someone else meanwhile (expected no state)`
      : `state '${workspace}' changed since revision ${expected} was read`,
  );
}

function isValidWorkspaceName(name: string): boolean {
  try {
    assertValidWorkspaceName(name);
    return true;
  } catch (error) {
    // The check's only failure is InvalidWorkspaceError: such a row is not a workspace Tempeh can address.
    if (error instanceof InvalidWorkspaceError) return false;
    throw error;
  }
}
