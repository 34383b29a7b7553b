import { randomUUID } from 'node:crypto';
import {
  CapabilityError,
  DEFAULT_WORKSPACE,
  InvalidWorkspaceError,
  NotFoundError,
  assertValidWorkspaceName,
  sortWorkspaces,
  type BackendCapabilities,
  type LockInfo,
  type LockRequest,
  type LockStatus,
  type ReadOptions,
  type StateBackend,
  type StateReadHandle,
  type StoredState,
  type WriteOptions,
  type WriteResult,
} from '@tempeh/core';
import { DEFAULTS, type PostgresBackendConfig } from './config.js';
import { defaultWho } from './who.js';
import { Database, resolveConnection, type ConnectionSettings } from './connection.js';
import { tableNames, type TableNames } from './identifiers.js';
import { checkLayout, createLayout } from './layout.js';
import { LockStore, type PostgresLockOptions } from './lock-store.js';
import { StateStore, checkRevisionEarly, type RetentionPolicy } from './state-store.js';
import { PostgresVersions, type PostgresVersionsApi } from './versions.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How a PostgresBackend is built beyond its config. */
export interface PostgresBackendOptions {
  /** Where PGPASSWORD and PGUSER are read from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Terraform states in PostgreSQL, in Tempeh's layout: every write is a new
 * version (kept for the versions API), stored in `chunk_size` pieces and
 * streamed both ways, committed in one transaction with a compare-and-swap
 * on the current version; locks are rows carrying Terraform's LockInfo,
 * with a session advisory lock beside each to tell a live holder from a
 * crashed one. See the package README for the layout and the guarantees.
 */
export class PostgresBackend implements StateBackend {
  readonly type = 'postgres';
  /**
   * nativeLocks: false, because the lock row binds Tempeh clients only (a
   * tool writing the tables directly would not see it). compareAndSwap: the
   * revision check and the commit are one transaction under the workspace's
   * commit key.
   */
  readonly capabilities: BackendCapabilities = Object.freeze({
    streaming: true,
    nativeLocks: false,
    compareAndSwap: true,
    versions: true,
  });
  readonly versions: PostgresVersionsApi;
  /** Where and how it connects; the password is not in here. */
  readonly settings: Readonly<ConnectionSettings>;
  readonly tables: TableNames;

  readonly #db: Database;
  readonly #states: StateStore;
  readonly #locks: LockStore;
  readonly #defaultWho: string;
  #ready: Promise<void> | undefined;

  constructor(config: PostgresBackendConfig, options: PostgresBackendOptions = {}) {
    if (config.compat === 'terraform') {
      throw new CapabilityError('postgres', "compat 'terraform' in PostgresBackend (Tempeh's layout)", {
        hint: 'create it with createTerraformPgBackend(), or through the kernel, which picks the class by compat',
      });
    }
    const { settings, password } = resolveConnection(config, options.env ?? process.env);
    this.settings = Object.freeze({ ...settings });
    this.tables = tableNames(config.schema ?? DEFAULTS.tempehSchema, config.table_name, config.lock_table);
    this.#db = new Database(settings, password, `schema "${this.tables.raw.schema}" (tables ${this.tables.raw.versions}*, ${this.tables.raw.locks})`);
    const retention: RetentionPolicy | undefined =
      config.versions_keep_last === undefined && config.versions_keep_days === undefined
        ? undefined
        : { keepLast: config.versions_keep_last, maxAgeMs: config.versions_keep_days === undefined ? undefined : config.versions_keep_days * DAY_MS };
    this.#states = new StateStore(this.#db, this.tables, { chunkSize: config.chunk_size, retention });
    this.#locks = new LockStore(this.#db, this.tables);
    this.versions = new PostgresVersions(this.#states, (workspace) => this.#prepare(workspace), (workspace) => this.#locks.commitKey(workspace));
    this.#defaultWho = defaultWho(settings.user);
  }

  /** Creates the schema and tables, or migrates them; idempotent, one transaction. */
  async init(): Promise<void> {
    await createLayout(this.#db, this.tables);
    this.#ready = Promise.resolve();
  }

  /** Ends the pool and the lock sessions; locks this backend still holds then read as stale (their rows stay). */
  async close(): Promise<void> {
    await this.#locks.closeSessions();
    await this.#db.close();
  }

  async listWorkspaces(): Promise<string[]> {
    await this.#ensureReady();
    return sortWorkspaces(await this.#states.workspaces());
  }

  async createWorkspace(workspace: string): Promise<void> {
    await this.#prepare(workspace);
    await this.#states.createWorkspace(workspace);
  }

  async deleteWorkspace(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    assertValidWorkspaceName(workspace);
    if (workspace === DEFAULT_WORKSPACE) {
      throw new InvalidWorkspaceError(workspace, 'the default workspace cannot be deleted', {
        hint: 'the default workspace always exists; delete its state (deleteState) instead',
      });
    }
    await this.#ensureReady();
    const deleted = await this.#states.deleteWorkspace(workspace, this.#locks.commitKey(workspace), (client) =>
      this.#locks.checkWrite(client, workspace, options.lockId),
    );
    if (!deleted) throw new NotFoundError(`workspace '${workspace}' does not exist`, { hint: 'see `tempeh workspace list`' });
  }

  async getState(workspace: string): Promise<StoredState | undefined> {
    await this.#prepare(workspace);
    return this.#states.readWhole(workspace, { current: true });
  }

  /** The revision is the version row's, so `revision: false` saves nothing here and is ignored. */
  async readStream(workspace: string, _options: ReadOptions = {}): Promise<StateReadHandle | undefined> {
    await this.#prepare(workspace);
    const row = await this.#states.currentVersion(workspace);
    return row ? this.#states.openStream(row) : undefined;
  }

  putState(workspace: string, data: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    // Copied into chunks as it is read, so the caller's buffer is not kept.
    return this.writeStream(workspace, once(data), options);
  }

  async writeStream(workspace: string, source: AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<WriteResult> {
    await this.#prepare(workspace);
    // Fail fast, before reading the source; the commit step checks both again under the commit key.
    const current = await this.#db.withClient(`check the lock of '${workspace}'`, async (client) => {
      await this.#locks.checkWrite(client, workspace, options.lockId);
      return this.#states.current(client, workspace);
    });
    checkRevisionEarly(workspace, current, options.ifRevision);
    return this.#states.write(workspace, source, {
      commitKey: this.#locks.commitKey(workspace),
      ifRevision: options.ifRevision,
      check: (client) => this.#locks.checkWrite(client, workspace, options.lockId),
      defaultWho: this.#defaultWho,
    });
  }

  /** Makes the workspace stateless. Its versions are kept: `versions.list` still shows them. */
  async deleteState(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    await this.#prepare(workspace);
    await this.#states.deleteState(workspace, this.#locks.commitKey(workspace), (client) => this.#locks.checkWrite(client, workspace, options.lockId));
  }

  /**
   * Takes the lock. Unless `detached`, this backend keeps a connection open
   * holding the lock's advisory key until unlock (or close): if this process
   * dies, the lock reads as stale. A detached lock (taken by a command that
   * exits, like `tempeh lock`) records no session and is stale only after
   * `ttlMs`, if given.
   */
  async lock(workspace: string, request: LockRequest, options: PostgresLockOptions = {}): Promise<LockInfo> {
    await this.#prepare(workspace);
    const info: LockInfo = {
      ID: request.ID || randomUUID(),
      Operation: request.Operation,
      Info: request.Info,
      Who: request.Who || this.#defaultWho,
      Version: request.Version,
      Created: request.Created || new Date().toISOString(),
      Path: request.Path || `${this.tables.raw.schema}.${this.tables.raw.versions}/${workspace}`,
    };
    await this.#locks.acquire(workspace, info, options);
    return { ...info };
  }

  async unlock(workspace: string, lockId: string): Promise<void> {
    await this.#prepare(workspace);
    await this.#locks.release(workspace, lockId);
  }

  /**
   * The same ID check as unlock: the row is the lock, and the ID the only
   * proof of which lock is meant. A live holder elsewhere keeps its session
   * open, but it no longer holds anything: its writes are refused.
   */
  async forceUnlock(workspace: string, lockId: string): Promise<void> {
    await this.#prepare(workspace);
    await this.#locks.release(workspace, lockId);
  }

  async getLock(workspace: string): Promise<LockStatus | undefined> {
    await this.#prepare(workspace);
    return this.#locks.observe(workspace);
  }

  /**
   * Removes the workspace's lock if, and only if, it is stale now. Returns
   * what was removed (`undefined`: there was no lock); LockedError for a
   * live lock.
   */
  async breakStaleLock(workspace: string): Promise<LockStatus | undefined> {
    await this.#prepare(workspace);
    return this.#locks.breakStale(workspace);
  }

  /** Validates the name first (nothing touches the server for a bad one), then the layout. */
  async #prepare(workspace: string): Promise<void> {
    assertValidWorkspaceName(workspace);
    await this.#ensureReady();
  }

  #ensureReady(): Promise<void> {
    this.#ready ??= checkLayout(this.#db, this.tables).catch((error: unknown) => {
      // Not memoised: after `init` (maybe by another process) the next call succeeds.
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }
}

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}
