import type { Readable } from 'node:stream';
import type { LockInfo } from '../errors.js';
import type { z } from 'zod';

/**
 * What a backend can do beyond the required operations. Code asks these
 * questions; it never asks which type a backend is.
 */
export interface BackendCapabilities {
  /** readStream/writeStream move bytes without holding the whole state in memory. */
  readonly streaming: boolean;
  /** The store itself enforces the lock (advisory lock, conditional write), not just Tempeh clients. */
  readonly nativeLocks: boolean;
  /** `WriteOptions.ifRevision` is honoured atomically: a stale revision gives ConflictError('revision'). */
  readonly compareAndSwap: boolean;
  /** `backend.versions` is present: earlier states are kept and can be listed and read. */
  readonly versions: boolean;
}

/** Opaque token identifying one stored revision (etag, sha256, version id). */
export type Revision = string;

export interface StoredState {
  data: Buffer;
  revision: Revision | undefined;
}

export interface StateReadHandle {
  stream: Readable;
  revision: Revision | undefined;
  /** Size in bytes, when the store knows it up front. */
  size: number | undefined;
  /**
   * A file descriptor open on exactly the bytes `stream` yields, readable by
   * position (`fs.read` with a position) from any thread of this process
   * until the stream ends or is destroyed. Optional: stores that keep
   * states in files (the local backend) set it, and the engine then lets
   * its workers read large states by byte range.
   */
  fd?: number;
}

export interface ReadOptions {
  /**
   * Whether the caller needs `StateReadHandle.revision` (default true). A
   * read-only caller (list, stats, diff) passes false: a backend whose
   * revision costs a pass over the bytes (the local backend hashes the file)
   * may then skip it and return `revision: undefined`. Backends that get the
   * revision for free (an ETag, a version row) return it either way.
   */
  revision?: boolean;
}

export interface WriteOptions {
  /** The lock the caller holds. A backend refuses a write to a workspace locked under another ID. */
  lockId?: string;
  /** Compare-and-swap: write only if the stored revision is still this one (`null`: only if absent). */
  ifRevision?: Revision | null;
  /** Size in bytes when known; lets streaming stores pick a strategy. */
  size?: number;
}

export interface WriteResult {
  revision: Revision | undefined;
  size: number;
}

/** How a lock is held, beyond Terraform's LockInfo. */
export interface LockOptions {
  /**
   * The lock is meant to outlive the calling process (`tempeh lock` takes it
   * and exits). A backend that judges staleness by the holder's process or
   * session must not do so for it: only unlock or force-unlock ends it.
   */
  detached?: boolean;
}

/** Input to `lock()`: everything but the ID, which the backend assigns. */
export type LockRequest = Omit<LockInfo, 'ID'> & { ID?: string };

export interface LockStatus {
  info: LockInfo | undefined;
  /** The backend has evidence that the holder is gone. */
  stale: boolean;
  /** Why it is considered stale (or why the holder is unknown), for humans. */
  detail: string | undefined;
}

export interface StateVersion {
  id: string;
  serial: number | undefined;
  lineage: string | undefined;
  size: number;
  createdAt: string;
  revision: Revision | undefined;
}

/** Optional capability: history of earlier writes (`capabilities.versions`). */
export interface VersionsApi {
  list(workspace: string): Promise<StateVersion[]>;
  get(workspace: string, versionId: string): Promise<StoredState>;
}

/**
 * The contract every backend implements. Workspaces are named as in
 * Terraform; `default` always exists implicitly. Bytes are opaque here:
 * parsing and Terraform's serial/lineage rules live in StateManager.
 */
export interface StateBackend {
  readonly type: string;
  readonly capabilities: BackendCapabilities;
  /** Optional capability objects; present exactly when the matching flag is true. */
  readonly versions?: VersionsApi;

  /** Create whatever the store needs (directories, tables). Idempotent. */
  init(): Promise<void>;
  /** Release connections and timers. */
  close(): Promise<void>;
  /**
   * Optional. For a backend whose capabilities depend on the store's own
   * settings (an S3 bucket's versioning): asks the store, so that
   * `capabilities` and the capability objects (`versions`) are current
   * afterwards. `init()` does it too; a caller that checks a capability
   * without having called `init()` calls this first. Reads only.
   */
  refreshCapabilities?(): Promise<void>;

  /** All workspaces with a stored state, `default` first, then sorted. Reserved names are hidden. */
  listWorkspaces(): Promise<string[]>;
  /** Create an empty workspace (no state yet); a no-op if it exists. */
  createWorkspace(workspace: string): Promise<void>;
  /** Remove a workspace's state. Refused for `default` and while locked by another ID. */
  deleteWorkspace(workspace: string, options?: { lockId?: string }): Promise<void>;

  /** The stored bytes, or `undefined` when the workspace has no state. */
  getState(workspace: string): Promise<StoredState | undefined>;
  /** Store bytes atomically: after a crash the old or the new state is there, never a mix. */
  putState(workspace: string, data: Uint8Array, options?: WriteOptions): Promise<WriteResult>;
  deleteState(workspace: string, options?: { lockId?: string }): Promise<void>;

  /** Stream the stored bytes, or `undefined` when there is no state. */
  readStream(workspace: string, options?: ReadOptions): Promise<StateReadHandle | undefined>;
  /** Stream bytes in; atomic like putState. */
  writeStream(workspace: string, source: AsyncIterable<Uint8Array>, options?: WriteOptions): Promise<WriteResult>;

  /** Take the lock; throws LockedError with the holder's info when held. Returns the stored LockInfo. */
  lock(workspace: string, request: LockRequest, options?: LockOptions): Promise<LockInfo>;
  /** Release a lock this caller holds; LockMismatchError for another ID, NotLockedError if none. */
  unlock(workspace: string, lockId: string): Promise<void>;
  /** Release whatever lock has this ID, whoever took it (the operator's escape hatch). */
  forceUnlock(workspace: string, lockId: string): Promise<void>;
  /** The current lock, if any, with staleness. */
  getLock(workspace: string): Promise<LockStatus | undefined>;
}

/** Passed to a backend factory: where relative paths resolve, who is asking. */
export interface BackendContext {
  cwd: string;
}

/** A registered backend type: its config schema and its factory. */
export interface BackendDefinition<Schema extends z.ZodType = z.ZodType> {
  type: string;
  description: string;
  /** zod schema of the config; `.parse({})` yields the defaults. */
  configSchema: Schema;
  create(config: z.output<Schema>, context: BackendContext): StateBackend | Promise<StateBackend>;
  /** Turn a `--backend` URL into a config, for types that have a URL form. */
  configFromUrl?(url: URL, env: NodeJS.ProcessEnv): z.input<Schema>;
  /**
   * URL schemes (`memory:`, `postgres:`; with or without the colon) that pick
   * this type in `BackendRegistry.fromUrl`. Without it, the scheme equal to
   * `type` does.
   */
  urlSchemes?: readonly string[];
}
