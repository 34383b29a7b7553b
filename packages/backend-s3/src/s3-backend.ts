import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import {
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
import { S3Bucket } from './client.js';
import type { S3BackendConfig } from './config.js';
import { KeyLayout } from './keys.js';
import { LockStore } from './lock-store.js';
import { SafetyProbe, bucketVersioning, type ConditionalWriteSupport } from './probe.js';
import { StateStore } from './state-store.js';
import { S3Versions, type S3VersionsApi } from './versions.js';

/** How an S3Backend is built beyond its config. */
export interface S3BackendOptions {
  /** An SDK client to use instead of one built from the config (its settings then win). */
  client?: S3Client;
}

/**
 * Terraform states in an S3 bucket, in Terraform's s3 backend layout and
 * with its use_lockfile locks, so Terraform and Tempeh share a bucket and
 * exclude each other. Writes are compare-and-swap on the ETag and carry a
 * sha256 that reads verify; large states stream both ways. The package
 * README has the layout, the guarantees and what each server supports.
 */
export class S3Backend implements StateBackend {
  readonly type = 's3';
  /**
   * nativeLocks: the server itself refuses a second lock object
   * (`If-None-Match: *`), whoever writes it. compareAndSwap: `If-Match` on
   * the ETag. Both are checked on the real bucket (the safety probe) before
   * they are relied on, and refused with a CapabilityError where the server
   * ignores them. versions: from bucket versioning, when it is on.
   */
  get capabilities(): BackendCapabilities {
    return Object.freeze({ streaming: true, nativeLocks: true, compareAndSwap: true, versions: this.#versioned });
  }
  /** Present once `init()` or `refreshCapabilities()` found bucket versioning on (enabled or suspended). */
  get versions(): S3VersionsApi | undefined {
    return this.#versioned ? this.#versions : undefined;
  }
  readonly layout: KeyLayout;
  readonly config: Readonly<S3BackendConfig>;

  readonly #bucket: S3Bucket;
  readonly #probe: SafetyProbe;
  readonly #states: StateStore;
  readonly #locks: LockStore;
  readonly #versions: S3Versions;
  #versioned = false;

  constructor(config: S3BackendConfig, options: S3BackendOptions = {}) {
    this.config = Object.freeze({ ...config });
    this.#bucket = new S3Bucket(config, options.client);
    this.layout = new KeyLayout(config);
    this.#probe = new SafetyProbe(this.#bucket);
    this.#states = new StateStore(this.#bucket, this.layout, this.#probe);
    this.#locks = new LockStore(this.#bucket, this.layout, this.#probe);
    this.#versions = new S3Versions(this.#bucket, this.layout, this.#states, async (workspace) => assertValidWorkspaceName(workspace));
  }

  /** Where the bucket is, for messages. */
  get where(): { endpoint: string; bucket: string } {
    return { ...this.#bucket.where };
  }

  /**
   * Creates nothing (the bucket must exist: a missing one is a NotFoundError
   * naming it) and runs the safety probe, which fails with a
   * CapabilityError where the server does not enforce conditional writes.
   */
  async init(): Promise<void> {
    const support = await this.#probe.refresh();
    this.#versioned = support.versioning === 'Enabled' || support.versioning === 'Suspended';
    if (!support.ifNoneMatch || !support.ifMatch) await this.#probe.assertCompareAndSwap();
  }

  /** Reads the bucket's versioning status (GetBucketVersioning; writes nothing). */
  async refreshCapabilities(): Promise<void> {
    const status = await bucketVersioning(this.#bucket);
    this.#versioned = status === 'Enabled' || status === 'Suspended';
  }

  /** What the server did with conditional writes on this bucket (probed once per backend). */
  probe(): Promise<ConditionalWriteSupport> {
    return this.#probe.support();
  }

  async close(): Promise<void> {
    this.#bucket.destroy();
  }

  async listWorkspaces(): Promise<string[]> {
    return sortWorkspaces(await this.#states.workspaces());
  }

  async createWorkspace(workspace: string): Promise<void> {
    assertValidWorkspaceName(workspace);
    if (workspace === DEFAULT_WORKSPACE) return;
    // Looked up first: a server that ignores If-None-Match (radosgw on a versioned bucket) would
    // otherwise replace an existing state with the empty marker. The conditional PUT still guards the race where it works.
    if (await this.#states.head(workspace)) return;
    await this.#states.createMarker(workspace);
  }

  async deleteWorkspace(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    assertValidWorkspaceName(workspace);
    if (workspace === DEFAULT_WORKSPACE) {
      throw new InvalidWorkspaceError(workspace, 'the default workspace cannot be deleted', {
        hint: 'the default workspace always exists; delete its state (deleteState) instead',
      });
    }
    const head = await this.#states.head(workspace);
    if (!head) throw new NotFoundError(`workspace '${workspace}' does not exist`, { hint: 'see `tempeh workspace list`' });
    await this.#locks.checkWrite(workspace, options.lockId);
    await this.#states.delete(workspace);
  }

  async getState(workspace: string): Promise<StoredState | undefined> {
    assertValidWorkspaceName(workspace);
    return this.#states.readWhole(workspace);
  }

  /** The ETag comes with the object, so `revision: false` saves nothing here. */
  async readStream(workspace: string, _options: ReadOptions = {}): Promise<StateReadHandle | undefined> {
    assertValidWorkspaceName(workspace);
    return this.#states.read(workspace);
  }

  async putState(workspace: string, data: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidWorkspaceName(workspace);
    await this.#locks.checkWrite(workspace, options.lockId);
    return this.#states.writeBuffer(workspace, data, this.#storeOptions(workspace, options));
  }

  async writeStream(workspace: string, source: AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidWorkspaceName(workspace);
    // Fail fast, before the source is read; checked again right before the upload commits.
    await this.#locks.checkWrite(workspace, options.lockId);
    return this.#states.writeStream(workspace, source, this.#storeOptions(workspace, options));
  }

  #storeOptions(workspace: string, options: WriteOptions) {
    return {
      ...(options.ifRevision === undefined ? {} : { ifRevision: options.ifRevision }),
      check: () => this.#locks.checkWrite(workspace, options.lockId),
    };
  }

  /** The default workspace's object is deleted; a named workspace keeps an empty object, so it stays listed. */
  async deleteState(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    assertValidWorkspaceName(workspace);
    await this.#locks.checkWrite(workspace, options.lockId);
    if (workspace === DEFAULT_WORKSPACE) await this.#states.delete(workspace);
    else if (await this.#states.head(workspace)) await this.#states.clear(workspace);
  }

  /**
   * Creates `<state key>.tflock` with `If-None-Match: *`. The first lock in
   * a process runs the safety probe first and refuses (CapabilityError) on
   * a bucket where the server would not make the create exclusive.
   */
  async lock(workspace: string, request: LockRequest): Promise<LockInfo> {
    assertValidWorkspaceName(workspace);
    const info: LockInfo = {
      ID: request.ID || randomUUID(),
      Operation: request.Operation,
      Info: request.Info,
      Who: request.Who || defaultWho(),
      Version: request.Version,
      Created: request.Created || new Date().toISOString(),
      Path: request.Path || this.layout.lockPath(workspace),
    };
    await this.#locks.acquire(workspace, info);
    return { ...info };
  }

  async unlock(workspace: string, lockId: string): Promise<void> {
    assertValidWorkspaceName(workspace);
    await this.#locks.release(workspace, lockId);
  }

  /** As Terraform's force-unlock: the ID must name the lock held, whoever took it. */
  async forceUnlock(workspace: string, lockId: string): Promise<void> {
    assertValidWorkspaceName(workspace);
    await this.#locks.release(workspace, lockId);
  }

  /** The lock with its holder and age; never `stale` (S3 keeps no session to tell). */
  async getLock(workspace: string): Promise<LockStatus | undefined> {
    assertValidWorkspaceName(workspace);
    return this.#locks.observe(workspace);
  }
}

/** `user@host`, as Terraform records who holds a lock. */
export function defaultWho(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers).
    user = process.env['USER'] ?? 'unknown';
  }
  return `${user}@${hostname()}`;
}
