import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, IoError, LockMismatchError, NotLockedError, isTempehError, type LockInfo, type TempehError } from '../errors.js';
import type { LockRequest, LockStatus, Revision, StateBackend, StateReadHandle, WriteOptions, WriteResult } from '../backend/types.js';
import { assertValidWorkspaceName } from '../backend/workspace-name.js';
import { bytesToIterable, collectBytes } from '../backend/streams.js';
import type { Kernel } from '../kernel/kernel.js';
import type { LoadContext, LockContext, SaveContext, StreamContext } from '../kernel/hooks.js';
import { parseState, serializeState } from '../state/index.js';
import type { TerraformState } from '../state/types.js';
import { DEFAULT_LOCK_RETRY_MS, LockOperation, defaultWho, lockRetryDelay, tempehVersion } from './lock-request.js';
import { assertValidState, checkReplaceRules } from './save-rules.js';
import { attachSuppressed } from './suppressed-errors.js';

export interface StateManagerOptions {
  kernel: Kernel;
  backend: StateBackend;
  /** LockInfo.Who; default `user@host`. */
  who?: string;
  /** LockInfo.Version; default the version of @tempeh/core. */
  version?: string;
}

/** What `lock` asks for; everything else in LockInfo is filled in. */
export interface LockRequestOptions {
  /** LockInfo.Operation, e.g. `LockOperation.apply`; default `OperationTypeInvalid`. */
  operation?: string;
  /** LockInfo.Info: free text for humans. */
  info?: string;
  /** LockInfo.ID; default a random UUID. */
  id?: string;
}

export interface LockWaitOptions {
  /** Keep retrying while the lock is held by someone else, up to this long. Default 0: one attempt. */
  timeoutMs?: number;
  /** First delay between attempts; it doubles (capped at 1 s) with jitter. Default 500. */
  retryMs?: number;
  /** The lock outlives this process (see LockOptions.detached). */
  detached?: boolean;
  /** Stops the waiting: no further attempt once aborted, and the wait between attempts ends with CancelledError. */
  signal?: AbortSignal;
}

export interface LoadedState {
  state: TerraformState;
  /** The backend's revision of what was read; pass to compare-and-swap writes. */
  revision: Revision | undefined;
  /** Size in bytes of the state JSON that was parsed (after transformRead). */
  size: number;
}

export interface SaveOptions {
  /** A lock the caller holds; without it, `save` takes the lock for its own duration. */
  lockId?: string;
  /** Skip Terraform's lineage/serial/content rules. */
  force?: boolean;
  /** LockInfo.Operation when `save` takes the lock itself; default `OperationTypePush`. */
  operation?: string;
  /** When `save` takes the lock itself: how long to wait for it (`LockWaitOptions.timeoutMs`). Default 0. */
  lockTimeoutMs?: number;
}

export interface SaveResult {
  /** The state as stored: after beforeSave taps, or the stored one when `unchanged`. */
  state: TerraformState;
  revision: Revision | undefined;
  /** Bytes stored by the backend (after transformWrite); for `unchanged`, the parsed JSON size of the stored state. */
  size: number;
  /** The stored state already had this serial and content; nothing was written, no save hooks ran. */
  unchanged: boolean;
}

/** What the backend held when `save` looked, after transformRead. */
interface StoredSnapshot {
  /** `undefined` only with `force`, when the stored bytes do not parse. */
  state: TerraformState | undefined;
  revision: Revision | undefined;
  size: number;
}

/** What `openRead` returns: the stored bytes after transformRead, and how many there are when that is known. */
export interface StateReadStream extends AsyncIterable<Uint8Array> {
  /**
   * Bytes the iteration yields, when known before reading: the backend's
   * `StateReadHandle.size` when no transformRead tap is registered;
   * `undefined` when one is (its output size differs from the stored one)
   * or when the backend does not know the size.
   */
  readonly size: number | undefined;
  /** The backend's `StateReadHandle.fd` when no transformRead tap is registered (the engine reads such a file by range). */
  readonly fd?: number;
}

/**
 * Terraform's state discipline on top of any backend: locking with
 * Terraform's LockInfo, serial and lineage checks on save, and every read,
 * write and lock passed through the kernel's hooks. Every error it throws
 * is a TempehError, reported to `kernel.hooks.error` first.
 */
export class StateManager {
  readonly kernel: Kernel;
  readonly backend: StateBackend;
  readonly who: string;
  readonly version: string;
  readonly #reported = new WeakSet<object>();

  constructor(options: StateManagerOptions) {
    this.kernel = options.kernel;
    this.backend = options.backend;
    this.who = options.who ?? defaultWho();
    this.version = options.version ?? tempehVersion();
  }

  /**
   * Takes the lock on `workspace`: beforeLock (may amend the request),
   * backend.lock, afterLock. While the lock is held by someone else it
   * retries until `timeoutMs`, then throws the last LockedError.
   */
  async lock(workspace: string, request: LockRequestOptions = {}, options: LockWaitOptions = {}): Promise<LockInfo> {
    return this.#run('lock', workspace, async () => {
      assertValidWorkspaceName(workspace);
      const context = this.#lockContext(workspace, false);
      const initial: LockRequest = {
        ID: request.id ?? randomUUID(),
        Operation: request.operation ?? LockOperation.invalid,
        Info: request.info ?? '',
        Who: this.who,
        Version: this.version,
        Created: new Date().toISOString(),
        Path: '',
      };
      const amended = await this.kernel.hooks.beforeLock.promise(initial, context);
      const lock = await this.#acquire(workspace, amended, options);
      try {
        await this.kernel.hooks.afterLock.promise(lock, context);
      } catch (error) {
        // The caller never sees this lock, so nobody else would release it.
        await this.backend.unlock(workspace, lock.ID).catch((unlockError: unknown) => attachSuppressed(error, unlockError));
        throw error;
      }
      return lock;
    });
  }

  /** Releases a lock this caller holds: beforeUnlock, backend.unlock, afterUnlock. */
  async unlock(workspace: string, lockId: string): Promise<void> {
    return this.#run('unlock', workspace, () => this.#release(workspace, lockId, false));
  }

  /** Releases the lock with this ID whoever holds it (the operator's escape hatch); same hooks, `context.force` true. */
  async forceUnlock(workspace: string, lockId: string): Promise<void> {
    return this.#run('forceUnlock', workspace, () => this.#release(workspace, lockId, true));
  }

  async getLock(workspace: string): Promise<LockStatus | undefined> {
    return this.#run('getLock', workspace, async () => {
      assertValidWorkspaceName(workspace);
      return this.backend.getLock(workspace);
    });
  }

  /**
   * Runs `fn` holding the lock and releases it afterwards, also when `fn`
   * throws. If both fail, `fn`'s error is thrown and the unlock error is
   * attached to it (see `suppressedErrors`) and reported to hooks.error.
   * `fn`'s own errors are rethrown unchanged.
   */
  async withLock<T>(
    workspace: string,
    request: LockRequestOptions,
    fn: (lock: LockInfo) => Promise<T>,
    options?: LockWaitOptions,
  ): Promise<T> {
    const lock = await this.lock(workspace, request, options);
    let result: T;
    try {
      result = await fn(lock);
    } catch (error) {
      // The unlock failure is secondary: `fn` failed first, and that is what
      // the caller must see. unlock() has already reported it to hooks.error.
      await this.unlock(workspace, lock.ID).catch((unlockError: unknown) => attachSuppressed(error, unlockError));
      throw error;
    }
    await this.unlock(workspace, lock.ID);
    return result;
  }

  /**
   * Reads and parses the state: beforeLoad, backend.readStream,
   * transformRead, parse, afterLoad (may transform). `undefined` when the
   * workspace has no state.
   */
  async load(workspace: string, options: { lockId?: string } = {}): Promise<LoadedState | undefined> {
    return this.#run('load', workspace, async () => {
      assertValidWorkspaceName(workspace);
      const context: LoadContext = { workspace, backend: this.backend, lockId: options.lockId };
      await this.kernel.hooks.beforeLoad.promise(context);
      const stored = await this.#readBytes(workspace);
      if (!stored) return undefined;
      const parsed = parseState(stored.bytes);
      const state = await this.kernel.hooks.afterLoad.promise(parsed, context);
      return { state, revision: stored.revision, size: stored.bytes.byteLength };
    });
  }

  /**
   * The stored bytes through transformRead, unparsed (for `pull` and the
   * inspectors), or `undefined` when there is no state. The caller must
   * consume the stream.
   *
   * The result's `size` is the number of bytes it will yield, when known up
   * front: the backend's `StateReadHandle.size` if no transformRead tap is
   * registered. With a tap it is `undefined`, since a decompressed or
   * decrypted stream is not as long as the stored bytes. Pass it on as the
   * engine's `size` and as a progress bar's total.
   */
  async openRead(workspace: string): Promise<StateReadStream | undefined> {
    return this.#run('openRead', workspace, async () => {
      assertValidWorkspaceName(workspace);
      // Nothing here returns the revision, so a backend may skip computing it (the local backend hashes the whole file).
      const handle = await this.backend.readStream(workspace, { revision: false });
      if (!handle) return undefined;
      const untransformed = this.kernel.hooks.transformRead.taps.length === 0;
      const bytes = this.#transformRead(workspace, handle);
      const fd = untransformed ? handle.fd : undefined;
      return { size: untransformed ? handle.size : undefined, ...(fd === undefined ? {} : { fd }), [Symbol.asyncIterator]: () => bytes[Symbol.asyncIterator]() };
    });
  }

  /**
   * Stores `state` under Terraform's rules. Without `lockId` it takes the
   * lock for its own duration. Under the lock: reads the stored state,
   * refuses another lineage, a lower serial, or the same serial with other
   * content (unless `force`), treats the same serial and content as a no-op,
   * runs beforeSave (the result is validated again), serialises, runs
   * transformWrite, writes with compare-and-swap where the backend has it,
   * then afterSave. Nothing is written if anything before the write fails.
   */
  async save(workspace: string, state: TerraformState, options: SaveOptions = {}): Promise<SaveResult> {
    return this.#run('save', workspace, async () => {
      assertValidWorkspaceName(workspace);
      assertValidState(state, 'the state to save');
      const { lockId } = options;
      if (lockId !== undefined) {
        await this.#assertHolds(workspace, lockId);
        return this.#saveLocked(workspace, state, lockId, options.force ?? false);
      }
      return this.withLock(
        workspace,
        { operation: options.operation ?? LockOperation.push },
        (lock) => this.#saveLocked(workspace, state, lock.ID, options.force ?? false),
        { timeoutMs: options.lockTimeoutMs ?? 0 },
      );
    });
  }

  /** Workspaces with a state, `default` first. */
  async listWorkspaces(): Promise<string[]> {
    return this.#run('listWorkspaces', undefined, () => this.backend.listWorkspaces());
  }

  async createWorkspace(workspace: string): Promise<void> {
    return this.#run('createWorkspace', workspace, async () => {
      assertValidWorkspaceName(workspace);
      await this.backend.createWorkspace(workspace);
    });
  }

  /** Deletes a workspace and its state; `default` is refused by the backend. */
  async deleteWorkspace(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    return this.#run('deleteWorkspace', workspace, async () => {
      assertValidWorkspaceName(workspace);
      await this.backend.deleteWorkspace(workspace, options);
    });
  }

  async #saveLocked(workspace: string, state: TerraformState, lockId: string, force: boolean): Promise<SaveResult> {
    const stored = await this.#readStored(workspace, force);
    if (stored?.state && !force && checkReplaceRules(workspace, stored.state, state) === 'unchanged') {
      return { state: stored.state, revision: stored.revision, size: stored.size, unchanged: true };
    }

    const { hooks } = this.kernel;
    const context: SaveContext = { workspace, backend: this.backend, previous: stored?.state, force, lockId };
    const final = await hooks.beforeSave.promise(state, context);
    if (hooks.beforeSave.taps.length > 0) assertValidState(final, 'the state returned by the beforeSave hook');

    const bytes = serializeState(final);
    const writeOptions: WriteOptions = { lockId };
    if (this.backend.capabilities.compareAndSwap && (stored === undefined || stored.revision !== undefined)) {
      writeOptions.ifRevision = stored ? stored.revision : null;
    }
    const written = await this.#write(workspace, bytes, writeOptions);

    await hooks.afterSave.promise(final, { ...context, revision: written.revision, size: written.size });
    return { state: final, revision: written.revision, size: written.size, unchanged: false };
  }

  async #write(workspace: string, bytes: Buffer, options: WriteOptions): Promise<WriteResult> {
    const { transformWrite } = this.kernel.hooks;
    // Without transforms the size is known and one putState is the cheapest write.
    if (transformWrite.taps.length === 0) return this.backend.putState(workspace, bytes, { ...options, size: bytes.byteLength });
    const context: StreamContext = { workspace, backend: this.backend, direction: 'write' };
    const stream = transformWrite.call(bytesToIterable(bytes), context);
    if (this.backend.capabilities.streaming) return this.backend.writeStream(workspace, stream, options);
    const transformed = await collectBytes(stream, `state written to '${workspace}'`);
    return this.backend.putState(workspace, transformed, { ...options, size: transformed.byteLength });
  }

  /** The stored state for `save`'s checks. With `force`, bytes that do not parse count as no previous state. */
  async #readStored(workspace: string, force: boolean): Promise<StoredSnapshot | undefined> {
    const stored = await this.#readBytes(workspace);
    if (!stored) return undefined;
    try {
      return { state: parseState(stored.bytes), revision: stored.revision, size: stored.bytes.byteLength };
    } catch (error) {
      // --force exists to overwrite a broken state; anything else propagates.
      if (!force || !isTempehError(error) || (error.code !== 'TEMPEH_E_INVALID_STATE' && error.code !== 'TEMPEH_E_STATE_VERSION')) throw error;
      return { state: undefined, revision: stored.revision, size: stored.bytes.byteLength };
    }
  }

  async #readBytes(workspace: string): Promise<{ bytes: Buffer; revision: Revision | undefined } | undefined> {
    const handle = await this.backend.readStream(workspace);
    if (!handle) return undefined;
    try {
      const bytes = await collectBytes(this.#transformRead(workspace, handle), `state of '${workspace}'`);
      return { bytes, revision: handle.revision };
    } finally {
      // A transform that fails early may leave the backend's stream (an open file, a connection) unread.
      if (!handle.stream.destroyed) handle.stream.destroy();
    }
  }

  #transformRead(workspace: string, handle: StateReadHandle): AsyncIterable<Uint8Array> {
    const context: StreamContext = { workspace, backend: this.backend, direction: 'read' };
    try {
      return this.kernel.hooks.transformRead.call(handle.stream, context);
    } catch (error) {
      handle.stream.destroy();
      throw error;
    }
  }

  async #acquire(workspace: string, request: LockRequest, options: LockWaitOptions): Promise<LockInfo> {
    const deadline = Date.now() + Math.max(0, options.timeoutMs ?? 0);
    const retryMs = Math.max(1, options.retryMs ?? DEFAULT_LOCK_RETRY_MS);
    const { signal } = options;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted === true) throw new CancelledError(`taking the lock on workspace '${workspace}'`, { cause: signal.reason });
      try {
        // Created is when the lock was taken, not when we started waiting.
        return await this.backend.lock(workspace, attempt === 0 ? request : { ...request, Created: new Date().toISOString() }, {
          detached: options.detached ?? false,
        });
      } catch (error) {
        // Only "held by someone else" is worth waiting out; anything else is final.
        if (!(isTempehError(error) && error.code === 'TEMPEH_E_LOCKED')) throw error;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw error;
        // An abort during the wait ends it; the check at the top of the loop reports it.
        await sleep(Math.min(remaining, lockRetryDelay(attempt, retryMs)), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #release(workspace: string, lockId: string, force: boolean): Promise<void> {
    assertValidWorkspaceName(workspace);
    const context = this.#lockContext(workspace, force);
    await this.kernel.hooks.beforeUnlock.promise(lockId, context);
    if (force) await this.backend.forceUnlock(workspace, lockId);
    else await this.backend.unlock(workspace, lockId);
    await this.kernel.hooks.afterUnlock.promise(lockId, context);
  }

  /** Fails early, before any hook runs, when the lock the caller names is visibly not held. */
  async #assertHolds(workspace: string, lockId: string): Promise<void> {
    const status = await this.backend.getLock(workspace);
    if (!status) throw new NotLockedError(workspace);
    // Some stores cannot report the holder (info undefined); their write checks the ID.
    if (status.info && status.info.ID !== lockId) throw new LockMismatchError(workspace, lockId, status.info);
  }

  #lockContext(workspace: string, force: boolean): LockContext {
    return { workspace, backend: this.backend, force };
  }

  /** Runs `body`; any error becomes a TempehError, is reported to hooks.error once, and is thrown. */
  async #run<T>(operation: string, workspace: string | undefined, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw this.#report(error, operation, workspace);
    }
  }

  #report(error: unknown, operation: string, workspace: string | undefined): TempehError {
    const reported = isTempehError(error)
      ? error
      : new IoError(`${operation}${workspace ? ` of '${workspace}'` : ''} failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
    if (this.#reported.has(reported)) return reported;
    this.#reported.add(reported);
    try {
      this.kernel.hooks.error.call(reported, { operation, workspace, backend: this.backend });
    } catch (hookError) {
      // An observer failing must not replace the error it was told about.
      attachSuppressed(reported, hookError);
    }
    return reported;
  }
}
