import { randomUUID } from 'node:crypto';
import { open, readFile, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  ConflictError,
  DEFAULT_WORKSPACE,
  InvalidWorkspaceError,
  NotFoundError,
  isTempehError,
  sortWorkspaces,
  type BackendCapabilities,
  type BackendContext,
  type LockInfo,
  type LockOptions,
  type LockRequest,
  type LockStatus,
  type ReadOptions,
  type Revision,
  type StateBackend,
  type StateReadHandle,
  type StoredState,
  type WriteOptions,
  type WriteResult,
} from '@tempeh/core';
import { copyAtomically, keepFirstError, removeIfPresent, removeStaleTemps, renameDurably, syncDirectory, writeTemp } from './atomic-file.js';
import { chmodPath, fileSize, hashFile, hashHandle, isDirectory, makeDirectory, refuseSymlink, sha256 } from './file-ops.js';
import { keepTimestampedCopy, rotateCopies } from './backup-dir.js';
import type { LocalBackendConfig } from './config.js';
import { ioError, isErrno } from './errors.js';
import { Layout, type StateFiles } from './layout.js';
import { LockKeeper, defaultWho, holderMark } from './lock-keeper.js';
import { stateFileMutex } from './keyed-mutex.js';
import { isValidWorkspaceName } from './workspace-names.js';

// 1 MiB reads: against Node's 64 KiB default, a 1 GB state reads in 0.45 s instead of 1.2 s, and the splitter cuts batches of this size anyway.
const READ_CHUNK_BYTES = 1024 * 1024;

/** Options of `LocalBackend.lock` beyond the StateBackend contract. */
export interface LocalLockOptions extends LockOptions {
  /**
   * The process whose death makes the lock stale. Default: this process.
   * `null` records no process: for a lock meant to outlive its taker (a CLI
   * that locks and exits), which only unlock or force-unlock ends.
   */
  holderPid?: number | null;
}

/**
 * A state store on the local file system in Terraform's own layout, so
 * `terraform` run in the same directory sees what Tempeh wrote and the
 * reverse. Writes are atomic and durable (temp file, fsync, rename, fsync
 * of the directory); locks are Terraform's `.terraform.tfstate.lock.info`
 * files, taken exclusively with link(2); a running terraform is recognised
 * by its fcntl lock in /proc/locks. See the package README for the limits.
 */
export class LocalBackend implements StateBackend {
  readonly type = 'local';
  /**
   * nativeLocks: false, because only Tempeh honours the lock file (terraform
   * does not read it). compareAndSwap: true, because the revision check and
   * the rename happen while the writer holds the lock file, so no other
   * Tempeh writer can commit between them (limits in the README).
   */
  readonly capabilities: BackendCapabilities = Object.freeze({
    streaming: true,
    nativeLocks: false,
    compareAndSwap: true,
    versions: false,
  });
  readonly config: LocalBackendConfig;
  readonly layout: Layout;
  readonly #mode: number;
  readonly #locks: LockKeeper;

  constructor(config: LocalBackendConfig, context: BackendContext) {
    this.config = config;
    this.layout = new Layout(config, context.cwd);
    this.#mode = config.permissions;
    this.#locks = new LockKeeper({ mode: config.permissions, breakStale: config.break_stale });
  }

  async init(): Promise<void> {
    await makeDirectory(dirname(this.layout.statePath));
  }

  async close(): Promise<void> {
    // Nothing to release: every call opens and closes what it uses.
  }

  /** The absolute paths of a workspace's files (validates the name). */
  files(workspace: string): StateFiles {
    return this.layout.files(workspace);
  }

  async listWorkspaces(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.layout.workspaceDir, { withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return sortWorkspaces([]); // no workspace_dir: only the implicit default
      throw ioError('list the workspace directory', this.layout.workspaceDir, error);
    }
    // Terraform lists every directory; names Tempeh refuses (reserved, unsafe) are not workspaces it can address, so they are left out.
    return sortWorkspaces(entries.filter((e) => e.isDirectory() && isValidWorkspaceName(e.name)).map((e) => e.name));
  }

  async createWorkspace(workspace: string): Promise<void> {
    const files = await this.#resolve(workspace);
    if (workspace === DEFAULT_WORKSPACE) return;
    // Terraform's `workspace new` creates just the directory; so does this.
    await makeDirectory(files.dir);
  }

  async deleteWorkspace(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    const files = await this.#resolve(workspace);
    if (workspace === DEFAULT_WORKSPACE) {
      throw new InvalidWorkspaceError(workspace, 'the default workspace cannot be deleted', {
        hint: 'the default workspace always exists; delete its state (deleteState) instead',
      });
    }
    if (!(await isDirectory(files.dir))) {
      throw new NotFoundError(`workspace '${workspace}' does not exist (no directory ${files.dir})`, { hint: 'see `tempeh workspace list`' });
    }
    await stateFileMutex.run(files.state, () =>
      this.#locks.guard(files, options.lockId, async (recheck) => {
        await recheck();
        // As Terraform's DeleteWorkspace: the whole directory goes, lock info included.
        try {
          await rm(files.dir, { recursive: true });
        } catch (error) {
          throw ioError('remove the workspace directory', files.dir, error);
        }
        await syncDirectory(dirname(files.dir));
      }),
    );
  }

  async getState(workspace: string): Promise<StoredState | undefined> {
    const files = await this.#resolve(workspace);
    let data: Buffer;
    try {
      data = await readFile(files.state);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined; // no state file: the workspace has no state yet
      throw ioError('read the state', files.state, error);
    }
    // Terraform creates an empty state file to lock it before the first write; an empty file is no state.
    if (data.byteLength === 0) return undefined;
    return { data, revision: sha256(data) };
  }

  async readStream(workspace: string, options: ReadOptions = {}): Promise<StateReadHandle | undefined> {
    const files = await this.#resolve(workspace);
    let handle: FileHandle;
    try {
      handle = await open(files.state, 'r');
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined; // no state file
      throw ioError('open the state', files.state, error);
    }
    try {
      const { size } = await handle.stat();
      if (size === 0) {
        await handle.close();
        return undefined;
      }
      // Hashed from the same open file the stream then reads: Tempeh replaces states by rename, so this inode never changes under us.
      // A read-only caller skips it: on a 1 GB state the hash is a second full pass over the file.
      const revision = options.revision === false ? undefined : await hashHandle(handle);
      // The descriptor stays open until the stream ends or is destroyed; the engine's workers read it by position.
      return { stream: handle.createReadStream({ start: 0, highWaterMark: READ_CHUNK_BYTES }), revision, size, fd: handle.fd };
    } catch (error) {
      await handle.close().catch(keepFirstError);
      throw isTempehError(error) ? error : ioError('read the state', files.state, error);
    }
  }

  putState(workspace: string, data: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    return this.#write(workspace, data, options);
  }

  writeStream(workspace: string, source: AsyncIterable<Uint8Array>, options: WriteOptions = {}): Promise<WriteResult> {
    return this.#write(workspace, source, options);
  }

  async deleteState(workspace: string, options: { lockId?: string } = {}): Promise<void> {
    const files = await this.#resolve(workspace);
    await this.#locks.precheck(files, options.lockId);
    if (!(await isDirectory(files.dir))) return; // no directory, no state, nothing to lock
    await stateFileMutex.run(files.state, () =>
      this.#locks.guard(files, options.lockId, async (recheck) => {
        await recheck();
        // The deleted state becomes the backup, as a write's previous state does; an empty placeholder just goes.
        const empty = (await fileSize(files.state)) === 0;
        if (empty) {
          await removeIfPresent(files.state);
          return;
        }
        try {
          await rename(files.state, files.backup);
        } catch (error) {
          if (isErrno(error, 'ENOENT')) return; // no state to delete
          throw ioError('move the state to its backup', files.backup, error);
        }
        await chmodPath(files.backup, this.#mode);
        await syncDirectory(files.dir);
      }),
    );
  }

  /**
   * Takes the lock. The holder's pid is recorded so a dead holder shows as
   * stale; `detached` (or `holderPid: null`) records none, for locks meant to
   * outlive their taker. `holderPid` picks another process (tests).
   */
  async lock(workspace: string, request: LockRequest, options: LocalLockOptions = {}): Promise<LockInfo> {
    const files = await this.#resolve(workspace);
    await makeDirectory(files.dir);
    const info: LockInfo = {
      ID: request.ID || randomUUID(),
      Operation: request.Operation,
      Info: request.Info,
      Who: request.Who || defaultWho(),
      Version: request.Version,
      Created: request.Created || new Date().toISOString(),
      // Terraform's Path is the state file as it names it, whatever the caller passed.
      Path: files.lockPath,
    };
    await this.#locks.acquire(files, info, await holderMark(options.detached ? null : options.holderPid === undefined ? process.pid : options.holderPid));
    return { ...info };
  }

  async unlock(workspace: string, lockId: string): Promise<void> {
    await this.#locks.release(await this.#resolve(workspace), lockId);
  }

  /** The same ID check as unlock: one file, one owner, and the ID is the only proof of ownership. */
  async forceUnlock(workspace: string, lockId: string): Promise<void> {
    await this.#locks.release(await this.#resolve(workspace), lockId);
  }

  async getLock(workspace: string): Promise<LockStatus | undefined> {
    return (await this.#locks.observe(await this.#resolve(workspace))).status;
  }

  /**
   * Removes the workspace's lock if, and only if, it is stale: its Tempeh
   * holder is dead, or it is a lock info file left by a killed terraform.
   * Returns what was removed (`undefined`: there was no lock); throws
   * LockedError for a live lock. `break_stale: true` makes lock() and
   * writes do this themselves.
   */
  async breakStaleLock(workspace: string): Promise<LockStatus | undefined> {
    return this.#locks.breakStale(await this.#resolve(workspace));
  }

  async #resolve(workspace: string): Promise<StateFiles> {
    const files = this.layout.files(workspace);
    await this.layout.assertContained(files);
    return files;
  }

  async #write(workspace: string, source: Uint8Array | AsyncIterable<Uint8Array>, options: WriteOptions): Promise<WriteResult> {
    const files = await this.#resolve(workspace);
    await this.#locks.precheck(files, options.lockId);
    await makeDirectory(files.dir);
    await refuseSymlink(files.state);
    await removeStaleTemps(files.dir);
    const temp = await writeTemp(files.state, this.#mode, source, `the stream written to '${workspace}'`);
    try {
      return await stateFileMutex.run(files.state, () =>
        this.#locks.guard(files, options.lockId, async (recheck) => {
          await checkRevision(files, options.ifRevision);
          await this.#keepTimestampedCopy(files, temp.path);
          // Terraform's backup: the state as it was before this write.
          await copyAtomically(files.state, files.backup, this.#mode);
          await recheck();
          await renameDurably(temp.path, files.state);
          return { revision: temp.revision, size: temp.size };
        }),
      );
    } catch (error) {
      await removeIfPresent(temp.path).catch(keepFirstError);
      throw error;
    }
  }

  async #keepTimestampedCopy(files: StateFiles, source: string): Promise<void> {
    if (files.backupDir === undefined || this.config.backup_count === 0) return;
    const name = basename(files.state);
    await removeStaleTemps(files.backupDir);
    await keepTimestampedCopy(source, files.backupDir, name, this.#mode, new Date());
    await rotateCopies(files.backupDir, name, this.config.backup_count);
  }
}

/** Compare-and-swap: `ifRevision` null means "only if there is no state". */
async function checkRevision(files: StateFiles, expected: Revision | null | undefined): Promise<void> {
  if (expected === undefined) return;
  // Hashed from the file, not read into memory: a compare-and-swap write of a large state stays streaming.
  const current = await hashFile(files.state);
  if ((current ?? null) === expected) return;
  throw new ConflictError(
    'revision',
    expected === null
      ? `state '${files.workspace}' was written by someone else meanwhile (expected no state)`
      : `state '${files.workspace}' changed since revision ${expected} was read`,
  );
}

