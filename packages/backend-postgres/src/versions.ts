import { NotFoundError, type StateReadHandle, type StateVersion, type StoredState, type VersionsApi } from '@tempeh/core';
import { revisionOf, type RetentionPolicy, type StateStore, type VersionRow } from './state-store.js';

/** A version as the postgres backend lists it: core's StateVersion plus what the version row records. */
export interface PostgresStateVersion extends StateVersion {
  /** The version number (1, 2, 3 … per workspace); `id` is the same number as text. */
  version: number;
  sha256: string;
  /** The holder of the lock it was written under, else the writing user@host. */
  who: string;
  /** It is the workspace's state now. */
  current: boolean;
}

/** The versions capability of the postgres backend: core's VersionsApi, plus streaming reads and retention. */
export interface PostgresVersionsApi extends VersionsApi {
  /** Every version of the workspace, newest first (empty when it has none). */
  list(workspace: string): Promise<PostgresStateVersion[]>;
  /** Version `versionId` (its number, as text); NotFoundError when there is no such version. */
  get(workspace: string, versionId: string): Promise<StoredState>;
  /** Version `versionId` as a stream, like `readStream`. */
  readStream(workspace: string, versionId: string): Promise<StateReadHandle>;
  /**
   * Deletes the versions `policy` does not keep: it keeps the last
   * `keepLast`, and everything younger than `maxAgeMs`; with both, a version
   * either keeps stays. The current version always stays. Returns the
   * numbers of the versions removed, oldest first.
   */
  prune(workspace: string, policy: RetentionPolicy): Promise<number[]>;
}

export class PostgresVersions implements PostgresVersionsApi {
  readonly #states: StateStore;
  readonly #prepare: (workspace: string) => Promise<void>;
  readonly #commitKey: (workspace: string) => string;

  constructor(states: StateStore, prepare: (workspace: string) => Promise<void>, commitKey: (workspace: string) => string) {
    this.#states = states;
    this.#prepare = prepare;
    this.#commitKey = commitKey;
  }

  async list(workspace: string): Promise<PostgresStateVersion[]> {
    await this.#prepare(workspace);
    return (await this.#states.list(workspace)).map(toStateVersion);
  }

  async get(workspace: string, versionId: string): Promise<StoredState> {
    await this.#prepare(workspace);
    const stored = await this.#states.readWhole(workspace, { version: parseVersionId(workspace, versionId) });
    if (!stored) throw noSuchVersion(workspace, versionId);
    return stored;
  }

  async readStream(workspace: string, versionId: string): Promise<StateReadHandle> {
    await this.#prepare(workspace);
    const row = await this.#states.version(workspace, parseVersionId(workspace, versionId));
    if (!row) throw noSuchVersion(workspace, versionId);
    return this.#states.openStream(row);
  }

  async prune(workspace: string, policy: RetentionPolicy): Promise<number[]> {
    await this.#prepare(workspace);
    return this.#states.prune(workspace, policy, this.#commitKey(workspace));
  }
}

function toStateVersion(row: VersionRow): PostgresStateVersion {
  return {
    id: String(row.version),
    serial: row.serial,
    lineage: row.lineage,
    size: row.size,
    createdAt: row.createdAt.toISOString(),
    revision: revisionOf(row),
    version: row.version,
    sha256: row.sha256,
    who: row.who,
    current: row.current,
  };
}

function parseVersionId(workspace: string, versionId: string): number {
  const version = /^[1-9]\d{0,15}$/.test(versionId) ? Number(versionId) : Number.NaN;
  if (!Number.isSafeInteger(version)) throw noSuchVersion(workspace, versionId);
  return version;
}

function noSuchVersion(workspace: string, versionId: string): NotFoundError {
  return new NotFoundError(`'${workspace}' has no version ${JSON.stringify(versionId)}`, {
    hint: 'list the versions with `tempeh versions`; ids are version numbers (1, 2, 3 …)',
  });
}
