import { randomUUID } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { IoError, LockMismatchError, LockedError, NotLockedError, describeLock, type LockInfo, type LockStatus } from '@tempeh/core';
import { keepFirstError, renameDurably, writeTemp } from './atomic-file.js';
import { ioError, isErrno } from './errors.js';
import type { StateFiles } from './layout.js';
import { createLockFile, formatLockFile, removeLockFileIf, type TempehLockMark } from './lock-file.js';
import { observeLock, type ObservedLock } from './lock-status.js';
import { currentHost, processStartTime } from './process-liveness.js';

/** How long a write waits for another Tempeh write's commit lock before giving up. */
const COMMIT_WAIT_MS = 30_000;

/** Written as `Version` in Tempeh's lock files, where Terraform writes its own version. */
export const TEMPEH_LOCK_VERSION = 'tempeh-0.1.0';

/**
 * The lock file discipline shared by lock(), unlock() and every write.
 * Users' locks live as long as their holder wants. Writes without a lock ID
 * take a transient "commit" lock for the instant of their check-and-rename,
 * which makes compare-and-swap atomic against other Tempeh writers; another
 * write meeting it waits, since it lasts milliseconds.
 */
export class LockKeeper {
  readonly #mode: number;
  readonly #breakStale: boolean;

  constructor(options: { mode: number; breakStale: boolean }) {
    this.#mode = options.mode;
    this.#breakStale = options.breakStale;
  }

  observe(files: StateFiles): Promise<ObservedLock> {
    return observeLock(files);
  }

  /**
   * Takes the lock for `info`, or throws LockedError with the holder. A user
   * lock (not a commit lock) also gets Tempeh's copy, so that a terraform run
   * under it, which replaces and then deletes the lock info file, does not
   * end it.
   */
  async acquire(files: StateFiles, info: LockInfo, mark: TempehLockMark): Promise<void> {
    const content = formatLockFile(info, mark);
    const deadline = Date.now() + COMMIT_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      if (await createLockFile(files.lockInfo, content, this.#mode)) {
        await this.#confirmAlone(files, info.ID);
        if (mark.transient) return;
        try {
          await writeLockCopy(files.lockShadow, content, this.#mode);
        } catch (error) {
          // The caller never learns this lock's ID, so nobody else would release it.
          await removeLockFileIf(files.lockInfo, (found) => found.info?.ID === info.ID).catch(keepFirstError);
          throw error;
        }
        return;
      }
      const seen = await observeLock(files);
      if (!seen.file) {
        // Released between our attempt and our look: try again, unless link(2) met something that reading
        // cannot open (a dangling symbolic link at the lock path), which would otherwise make this loop spin.
        if (await isSymbolicLink(files.lockInfo)) {
          throw new IoError(`${files.lockInfo} exists but cannot be read as a lock file`, {
            path: files.lockInfo,
            hint: 'remove whatever is at that path (a dangling symbolic link?) if no one holds the lock',
          });
        }
        continue;
      }
      const stale = seen.status?.stale === true;
      if (stale && (seen.transient || this.#breakStale)) {
        // A dead writer's commit lock guarded nothing that outlives it (its rename either happened or not): break it.
        await this.#removeStale(files, seen);
        continue;
      }
      if (seen.transient && !stale && seen.fcntl.holders.length === 0 && Date.now() < deadline) {
        await sleep(Math.min(5 + attempt * 2, 50) * (0.5 + Math.random()));
        continue;
      }
      throw lockedError(files, seen);
    }
  }

  /**
   * Just after creating the lock info file: nobody else may hold the
   * workspace in another way, i.e. a Tempeh lock whose lock info file a
   * terraform deleted (its copy remains) or a terraform with no lock info.
   * Otherwise our file goes again and LockedError names the holder.
   */
  async #confirmAlone(files: StateFiles, id: string): Promise<void> {
    for (;;) {
      const others = await observeLock(files, { ignoreId: id });
      if (!others.status) return;
      if (others.status.stale && this.#breakStale && others.fcntl.holders.length === 0 && others.holder === others.shadow) {
        await this.#removeStale(files, others);
        continue;
      }
      await removeLockFileIf(files.lockInfo, (found) => found.info?.ID === id);
      throw lockedError(files, others);
    }
  }

  /** unlock and forceUnlock: lock files are removed only with their own ID. */
  async release(files: StateFiles, lockId: string): Promise<void> {
    const file = await removeLockFileIf(files.lockInfo, (found) => found.info?.ID === lockId);
    const copy = await removeLockFileIf(files.lockShadow, (found) => found.info?.ID === lockId);
    if (file.removed || copy.removed) return;
    if (!file.found && !copy.found) throw new NotLockedError(files.workspace);
    const holder = file.found?.mark || !copy.found ? file.found : copy.found;
    throw new LockMismatchError(files.workspace, lockId, holder?.info);
  }

  /** Removes the lock only if it is stale; returns what was removed, or undefined when there was no lock. */
  async breakStale(files: StateFiles): Promise<LockStatus | undefined> {
    const seen = await observeLock(files);
    if (!seen.status) return undefined;
    if (!seen.status.stale || !seen.holder) throw lockedError(files, seen, 'it is not stale: its holder is alive or cannot be checked');
    if (!(await this.#removeStale(files, seen))) {
      // Replaced between our look and the removal: judge the new one afresh.
      return this.breakStale(files);
    }
    return seen.status;
  }

  /** Fails fast, before a large write streams its input, when the write would be refused anyway. */
  async precheck(files: StateFiles, lockId: string | undefined): Promise<void> {
    if (lockId !== undefined) return this.assertHeldBy(files, lockId);
    const seen = await observeLock(files);
    if (seen.fcntl.holders.length > 0) throw lockedError(files, seen);
    if (!seen.holder || seen.transient) return;
    if (seen.status?.stale && this.#breakStale) return;
    throw lockedError(files, seen);
  }

  /** The write's lock check: `lockId` must be the lock held, and no terraform may hold the state. */
  async assertHeldBy(files: StateFiles, lockId: string): Promise<void> {
    const seen = await observeLock(files);
    if (seen.fcntl.holders.length > 0) throw lockedError(files, seen);
    if (!seen.holder) throw new NotLockedError(files.workspace);
    if (seen.holder.info?.ID !== lockId) throw lockedError(files, seen);
  }

  /**
   * Runs `commit` while the workspace is held: under the caller's lock when
   * it names one, else under a transient commit lock taken here. `commit`
   * gets `recheck`, to call just before its rename, which confirms the lock
   * is still held and no terraform has started on the state.
   */
  async guard<T>(files: StateFiles, lockId: string | undefined, commit: (recheck: () => Promise<void>) => Promise<T>): Promise<T> {
    if (lockId !== undefined) {
      await this.assertHeldBy(files, lockId);
      return commit(() => this.assertHeldBy(files, lockId));
    }
    const id = randomUUID();
    await this.acquire(files, commitLockInfo(files, id), await holderMark(process.pid, true));
    let result: T;
    try {
      result = await commit(() => this.assertHeldBy(files, id));
    } catch (error) {
      await removeLockFileIf(files.lockInfo, (found) => found.info?.ID === id).catch(keepFirstError);
      throw error;
    }
    // Not finding it is fine: deleteWorkspace removes the directory the lock file was in.
    await removeLockFileIf(files.lockInfo, (found) => found.info?.ID === id);
    return result;
  }

  /**
   * Removes what a stale lock left, each file only if it is still the one
   * judged: the lock info file (the stale lock, or a killed terraform's
   * leftover inside it) and Tempeh's copy when it is that lock's. True
   * when nothing of it is left.
   */
  async #removeStale(files: StateFiles, seen: ObservedLock): Promise<boolean> {
    let unchanged = true;
    const file = seen.file;
    if (file) {
      const outcome = await removeLockFileIf(files.lockInfo, (found) => found.raw.equals(file.raw));
      unchanged &&= outcome.removed || outcome.found === undefined;
    }
    const copy = seen.shadow;
    if (copy && (seen.holder === copy || copy.info?.ID === seen.holder?.info?.ID)) {
      const outcome = await removeLockFileIf(files.lockShadow, (found) => found.raw.equals(copy.raw));
      unchanged &&= outcome.removed || outcome.found === undefined;
    }
    return unchanged;
  }
}

/** Writes Tempeh's copy of a lock: temp file, fsync, rename, so it is whole or absent. */
async function writeLockCopy(path: string, content: string, mode: number): Promise<void> {
  const temp = await writeTemp(path, mode, Buffer.from(content, 'utf8'), 'the lock copy');
  await renameDurably(temp.path, path);
}

/** Tempeh never makes a symbolic link at a lock path; one there that reads as absent is dangling. */
async function isSymbolicLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false; // nothing there
    throw ioError('inspect', path, error);
  }
}

/** Tempeh's mark for a lock held by `pid` (null: by no process). */
export async function holderMark(pid: number | null, transient = false): Promise<TempehLockMark> {
  const mark: TempehLockMark = { pid, host: currentHost() };
  if (pid !== null) {
    const start = await processStartTime(pid);
    if (start !== undefined) mark.start = start;
  }
  if (transient) mark.transient = true;
  return mark;
}

function commitLockInfo(files: StateFiles, id: string): LockInfo {
  return {
    ID: id,
    Operation: 'tempeh:commit',
    Info: 'held by a Tempeh write for the instant it replaces the state file',
    Who: defaultWho(),
    Version: TEMPEH_LOCK_VERSION,
    Created: new Date().toISOString(),
    Path: files.lockPath,
  };
}

/** `user@host`, as Terraform fills `Who`. */
export function defaultWho(): string {
  let user = process.env.USER ?? process.env.USERNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch (error) {
      // userInfo throws when the uid has no passwd entry (common in containers); the uid names the user then.
      if (!(error instanceof Error)) throw error;
      user = String(process.getuid?.() ?? 'unknown');
    }
  }
  return `${user}@${currentHost()}`;
}

/** The LockedError for what was seen: a running terraform, a stale lock (with how to clear it), or a live holder. */
export function lockedError(files: StateFiles, seen: ObservedLock, why?: string): LockedError {
  const info = seen.holder?.info;
  const status = seen.status;
  const stale = status?.stale === true;
  if (seen.fcntl.holders.length > 0) {
    // `info` is terraform's lock info, or the Tempeh lock that terraform runs inside.
    return new LockedError(files.workspace, info, {
      message: `state '${files.workspace}' is in use by terraform (pid ${seen.fcntl.holders.join(', ')}), which holds a lock on ${files.state}${why ? `; ${why}` : ''}`,
      hint: 'wait for that terraform command to finish; Tempeh cannot and does not take over a running terraform\'s lock',
    });
  }
  const detail = status?.detail ? ` (${status.detail})` : '';
  if (stale) {
    return new LockedError(files.workspace, info, {
      stale: true,
      message: `state '${files.workspace}' is locked by a holder that is gone${detail}${why ? `; ${why}` : ''}`,
      hint: info
        ? `make sure nobody is using it, then run \`tempeh force-unlock ${info.ID}\` (or set break_stale: true on the local backend)`
        : `make sure nobody is using it, then remove ${files.lockInfo} (or set break_stale: true on the local backend)`,
    });
  }
  const holder = info ? describeLock(info) : 'an unreadable lock file';
  return new LockedError(files.workspace, info, {
    message: why === undefined ? `state '${files.workspace}' is locked by ${holder}${detail}` : `cannot break the lock on '${files.workspace}': ${why}${detail}`,
  });
}
