import { LockMismatchError, NotFoundError, NotLockedError, type LockInfo, type LockRequestOptions, type StateManager } from '@tempeh/core';
import type { Session } from '../runtime.js';

/** `--lock-id`, else TEMPEH_LOCK_ID (set by `tempeh exec` for its child), else none. */
export function lockIdFrom(option: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (option !== undefined && option !== '') return option;
  const inherited = env.TEMPEH_LOCK_ID;
  return inherited === undefined || inherited === '' ? undefined : inherited;
}

/** The error for a workspace that has no state stored yet. */
export function noStateError(session: Session): NotFoundError {
  const { target } = session;
  return new NotFoundError(`no state is stored in workspace '${target.workspace}' of ${target.label}`, {
    hint: 'push one with `tempeh push FILE`, or check --workspace / --env (`tempeh status` lists what exists)',
  });
}

/**
 * Refuses to go on unless `lockId` is the lock currently held on
 * `workspace`: reading "under a lock" must not silently read while someone
 * else holds it, or after the lock was broken.
 */
export async function assertLockHeld(manager: StateManager, workspace: string, lockId: string): Promise<void> {
  const status = await manager.getLock(workspace);
  if (!status) throw new NotLockedError(workspace);
  if (status.info && status.info.ID !== lockId) throw new LockMismatchError(workspace, lockId, status.info);
}

/** First delay between lock attempts; core doubles it, capped at MAX_LOCK_RETRY_MS. */
const LOCK_RETRY_MS = 100;

/** Takes the lock, retrying for up to `timeoutMs` while someone else holds it. */
export async function acquireLock(
  manager: StateManager,
  workspace: string,
  request: LockRequestOptions,
  timeoutMs: number,
  options: { detached?: boolean; signal?: AbortSignal } = {},
): Promise<LockInfo> {
  return manager.lock(workspace, request, { timeoutMs, retryMs: LOCK_RETRY_MS, detached: options.detached ?? false, ...(options.signal ? { signal: options.signal } : {}) });
}
