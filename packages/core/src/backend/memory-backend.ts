import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ConflictError,
  InvalidWorkspaceError,
  IoError,
  LockedError,
  LockMismatchError,
  NotFoundError,
  NotLockedError,
  isTempehError,
  type LockInfo,
} from '../errors.js';
import { bytesToReadable } from './streams.js';
import type {
  BackendCapabilities,
  BackendDefinition,
  LockRequest,
  LockStatus,
  Revision,
  StateBackend,
  StateReadHandle,
  StoredState,
  WriteOptions,
  WriteResult,
} from './types.js';
import { DEFAULT_WORKSPACE, assertValidWorkspaceName, sortWorkspaces } from './workspace-name.js';

/** One stored state: the bytes as the chunks they arrived in, so streaming never concatenates. */
interface StoredEntry {
  readonly chunks: readonly Buffer[];
  readonly size: number;
  readonly revision: Revision;
}

/**
 * A backend that keeps states and locks in this process's memory. It is the
 * default backend of a Kernel, the reference the conformance suite is
 * written against, and the store for tests and dry runs.
 *
 * Capabilities: it streams (chunks are kept as written and read back one at
 * a time, so neither direction builds a second full copy); its locks are
 * native because this object is the only way to the data; revisions are the
 * sha256 of the bytes, which makes compare-and-swap exact; no history.
 */
export class MemoryBackend implements StateBackend {
  readonly type = 'memory';
  readonly capabilities: BackendCapabilities = Object.freeze({
    streaming: true,
    nativeLocks: true,
    compareAndSwap: true,
    versions: false,
  });

  readonly #workspaces = new Set<string>();
  readonly #states = new Map<string, StoredEntry>();
  readonly #locks = new Map<string, LockInfo>();

  async init(): Promise<void> {
    // Nothing to create: the maps exist from construction.
  }

  async close(): Promise<void> {
    // Nothing to release. The data stays, so a closed backend read again
    // behaves like a store that was reconnected to.
  }

  async listWorkspaces(): Promise<string[]> {
    return sortWorkspaces([...this.#workspaces, ...this.#states.keys()]);
  }

  async createWorkspace(workspace: string): Promise<void> {
    assertValidWorkspaceName(workspace);
    this.#workspaces.add(workspace);
  }

  async deleteWorkspace(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    assertValidWorkspaceName(workspace);
    if (workspace === DEFAULT_WORKSPACE) {
      throw new InvalidWorkspaceError(workspace, 'the default workspace cannot be deleted', {
        hint: 'delete its state with `tempeh delete-state default` instead',
      });
    }
    if (!this.#workspaces.has(workspace) && !this.#states.has(workspace)) {
      throw new NotFoundError(`workspace '${workspace}' does not exist`, { hint: 'see `tempeh workspace list`' });
    }
    this.#checkLockForWrite(workspace, options.lockId);
    this.#workspaces.delete(workspace);
    this.#states.delete(workspace);
    // The lock is kept: its holder releases it in its own `finally`, and a
    // vanished lock would turn that release into NotLockedError.
  }

  async getState(workspace: string): Promise<StoredState | undefined> {
    assertValidWorkspaceName(workspace);
    const entry = this.#states.get(workspace);
    if (!entry) return undefined;
    // A copy: the caller may mutate what it gets, the store must not change.
    return { data: Buffer.concat(entry.chunks, entry.size), revision: entry.revision };
  }

  async putState(workspace: string, data: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidWorkspaceName(workspace);
    this.#checkWrite(workspace, options);
    const copy = Buffer.from(data);
    const revision = createHash('sha256').update(copy).digest('hex');
    return this.#commit(workspace, { chunks: [copy], size: copy.byteLength, revision });
  }

  async deleteState(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    assertValidWorkspaceName(workspace);
    this.#checkLockForWrite(workspace, options.lockId);
    this.#states.delete(workspace);
  }

  async readStream(workspace: string): Promise<StateReadHandle | undefined> {
    assertValidWorkspaceName(workspace);
    const entry = this.#states.get(workspace);
    if (!entry) return undefined;
    return { stream: bytesToReadable(copyEach(entry.chunks)), revision: entry.revision, size: entry.size };
  }

  async writeStream(workspace: string, source: AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidWorkspaceName(workspace);
    // Checked before reading, to fail fast, and again before committing,
    // because the lock or the stored revision may change while `source` is read.
    this.#checkWrite(workspace, options);
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of source) {
        if (!(chunk instanceof Uint8Array)) {
          throw new IoError(`the stream written to '${workspace}' yielded a ${typeof chunk} chunk instead of bytes`, {
            hint: 'write Uint8Array or Buffer chunks',
          });
        }
        // Copied: the producer owns its buffer and may reuse it.
        const copy = Buffer.from(chunk);
        hash.update(copy);
        chunks.push(copy);
        size += copy.byteLength;
      }
    } catch (error) {
      if (isTempehError(error)) throw error;
      throw new IoError(`reading the stream written to '${workspace}' failed; nothing was stored`, { cause: error });
    }
    this.#checkWrite(workspace, options);
    return this.#commit(workspace, { chunks, size, revision: hash.digest('hex') });
  }

  async lock(workspace: string, request: LockRequest): Promise<LockInfo> {
    assertValidWorkspaceName(workspace);
    const held = this.#locks.get(workspace);
    if (held) throw new LockedError(workspace, { ...held });
    const info: LockInfo = {
      ID: request.ID || randomUUID(),
      Operation: request.Operation,
      Info: request.Info,
      Who: request.Who,
      Version: request.Version,
      Created: request.Created || new Date().toISOString(),
      Path: request.Path || `memory:${workspace}`,
    };
    this.#locks.set(workspace, info);
    return { ...info };
  }

  async unlock(workspace: string, lockId: string): Promise<void> {
    assertValidWorkspaceName(workspace);
    this.#release(workspace, lockId);
  }

  async forceUnlock(workspace: string, lockId: string): Promise<void> {
    assertValidWorkspaceName(workspace);
    // In one process there is no other holder to bypass: the ID check is the
    // same as unlock's and protects against releasing a lock taken since.
    this.#release(workspace, lockId);
  }

  async getLock(workspace: string): Promise<LockStatus | undefined> {
    assertValidWorkspaceName(workspace);
    const held = this.#locks.get(workspace);
    return held ? { info: { ...held }, stale: false, detail: undefined } : undefined;
  }

  #release(workspace: string, lockId: string): void {
    const held = this.#locks.get(workspace);
    if (!held) throw new NotLockedError(workspace);
    if (held.ID !== lockId) throw new LockMismatchError(workspace, lockId, { ...held });
    this.#locks.delete(workspace);
  }

  #checkWrite(workspace: string, options: WriteOptions): void {
    this.#checkLockForWrite(workspace, options.lockId);
    if (options.ifRevision === undefined) return;
    const current = this.#states.get(workspace)?.revision ?? null;
    if (current !== options.ifRevision) {
      throw new ConflictError(
        'revision',
        options.ifRevision === null
          ? `state '${workspace}' was written by someone else meanwhile (expected no state)`
          : `state '${workspace}' changed since revision ${options.ifRevision} was read`,
      );
    }
  }

  /** A write is allowed when nobody holds the lock and no ID is named, or when the named ID holds it. */
  #checkLockForWrite(workspace: string, lockId: string | undefined): void {
    const held = this.#locks.get(workspace);
    if (held) {
      if (held.ID !== lockId) throw new LockedError(workspace, { ...held });
      return;
    }
    if (lockId !== undefined) throw new NotLockedError(workspace);
  }

  #commit(workspace: string, entry: StoredEntry): WriteResult {
    this.#states.set(workspace, entry);
    this.#workspaces.add(workspace);
    return { revision: entry.revision, size: entry.size };
  }
}

/** Chunks copied one at a time as the reader pulls them: a reader may mutate what it gets. */
function* copyEach(chunks: readonly Buffer[]): Generator<Buffer> {
  for (const chunk of chunks) yield Buffer.from(chunk);
}

/** Config of the memory backend: there is nothing to configure. */
export const memoryBackendConfigSchema = z.strictObject({});

/** The `memory` backend type, registered by every Kernel unless `registerDefaults: false`. */
export const memoryBackendDefinition: BackendDefinition<typeof memoryBackendConfigSchema> = {
  type: 'memory',
  description: 'States and locks in this process\'s memory; lost on exit. For tests and dry runs.',
  configSchema: memoryBackendConfigSchema,
  urlSchemes: ['memory:'],
  create: () => new MemoryBackend(),
  configFromUrl: () => ({}),
};
