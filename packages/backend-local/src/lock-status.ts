import type { LockStatus } from '@tempeh/core';
import type { StateFiles } from './layout.js';
import { readLockFile, type LockFileContent } from './lock-file.js';
import { fcntlLocksOn, type FcntlLockView } from './posix-locks.js';
import { currentHost, isProcessAlive } from './process-liveness.js';

/** Everything known about a workspace's lock at one moment. */
export interface ObservedLock {
  /** `.terraform.tfstate.lock.info`, if there is one (Tempeh's or terraform's). */
  file: LockFileContent | undefined;
  /** Tempeh's copy of a held user lock (see StateFiles.lockShadow). */
  shadow: LockFileContent | undefined;
  /**
   * The lock that holds the workspace: the lock info file, unless it is
   * missing or terraform's while Tempeh's copy says a Tempeh lock is held
   * (terraform runs, or ran, inside that lock).
   */
  holder: LockFileContent | undefined;
  /** fcntl locks on the state file: a running terraform. */
  fcntl: FcntlLockView;
  /** The public answer for `getLock`; `undefined` when nothing holds the workspace. */
  status: LockStatus | undefined;
  /** A Tempeh write's commit lock: held for milliseconds, safe to break once its holder is dead. */
  transient: boolean;
}

export const TERRAFORM_KILLED = 'left by a terraform that was killed; terraform itself ignores it';

/**
 * Reads the lock files, then /proc/locks, and judges staleness.
 * The order matters: Terraform takes its fcntl lock before it writes the
 * lock info and drops it after removing the file, so a lock info file seen
 * first is either covered by a live fcntl lock found next or left over.
 */
export async function observeLock(files: StateFiles, options: { ignoreId?: string } = {}): Promise<ObservedLock> {
  // `ignoreId`: a locker that has just created the lock file looks past its own files for anyone else's.
  const unlessIgnored = (found: LockFileContent | undefined): LockFileContent | undefined =>
    options.ignoreId !== undefined && found?.info?.ID === options.ignoreId ? undefined : found;
  const file = unlessIgnored(await readLockFile(files.lockInfo));
  const shadow = unlessIgnored(await readLockFile(files.lockShadow));
  const fcntl = await fcntlLocksOn(files.state);
  const holder = shadow?.info && !file?.mark ? shadow : file;
  const transient = holder?.mark?.transient === true;
  return { file, shadow, holder, fcntl, transient, status: await judge(files, holder, holder !== file, fcntl) };
}

async function judge(files: StateFiles, holder: LockFileContent | undefined, fromShadow: boolean, fcntl: FcntlLockView): Promise<LockStatus | undefined> {
  const running =
    fcntl.holders.length > 0 ? `process ${fcntl.holders.join(', ')} holds a POSIX lock on ${files.state} (a running terraform)` : undefined;
  if (!holder) return running ? { info: undefined, stale: false, detail: `${running}, without lock info` } : undefined;
  const info = holder.info;
  if (running) return { info, stale: false, detail: fromShadow ? `${running}, inside this Tempeh lock` : running };

  const mark = holder.mark;
  if (mark && info) {
    if (mark.pid === null) return { info, stale: false, detail: 'taken by Tempeh for no particular process; only unlock or force-unlock ends it' };
    if (mark.host !== currentHost()) {
      return { info, stale: false, detail: `held by Tempeh process ${mark.pid} on host ${mark.host}; its liveness cannot be checked from ${currentHost()}` };
    }
    return (await isProcessAlive(mark.pid, mark.start))
      ? { info, stale: false, detail: `held by Tempeh process ${mark.pid} on this host` }
      : { info, stale: true, detail: `the Tempeh process ${mark.pid} that took it is no longer running` };
  }

  // No Tempeh mark: written by terraform (or OpenTofu), whose lock is the fcntl lock checked above.
  if (!fcntl.supported) {
    return {
      info,
      stale: false,
      detail: info
        ? 'written by terraform; whether that terraform still runs cannot be checked on this system (no /proc/locks)'
        : `${files.lockInfo} is not valid lock info; whether its writer still runs cannot be checked on this system`,
    };
  }
  return {
    info,
    stale: true,
    detail: info ? TERRAFORM_KILLED : `${files.lockInfo} is not valid lock info and no process holds the state file: ${TERRAFORM_KILLED}`,
  };
}
