import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { LockMismatchError, LockedError, NotLockedError, describeLock, formatAge, lockCreatedAt, type LockInfo, type LockStatus } from '@tempeh/core';
import type { S3Bucket } from './client.js';
import { isNoSuchKey, isPreconditionFailed } from './errors.js';
import type { KeyLayout } from './keys.js';
import type { SafetyProbe } from './probe.js';

/** The lock object as read: its LockInfo when it holds one, and its ETag. */
interface HeldLock {
  info: LockInfo | undefined;
  /** The object's bytes could not be read as LockInfo (not JSON, fields missing). */
  unreadable: boolean;
  lastModified: Date | undefined;
}

const LOCK_FIELDS = ['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path'] as const;

/**
 * Terraform's use_lockfile locks: the object `<state key>.tflock` holds
 * the LockInfo JSON and is created with `If-None-Match: *`, so of two
 * writers, Terraform or Tempeh, exactly one gets it. Unlock reads the
 * object and deletes it only if its ID is the caller's. S3 keeps no
 * session, so a lock never reads as stale: its age and holder are
 * reported, and force-unlock is the operator's call.
 */
export class LockStore {
  readonly #bucket: S3Bucket;
  readonly #layout: KeyLayout;
  readonly #probe: SafetyProbe;

  constructor(bucket: S3Bucket, layout: KeyLayout, probe: SafetyProbe) {
    this.#bucket = bucket;
    this.#layout = layout;
    this.#probe = probe;
  }

  async acquire(workspace: string, info: LockInfo): Promise<void> {
    await this.#probe.assertLockFilesSafe();
    const key = this.#layout.lockKey(workspace);
    // Go's encoding/json field order, as Terraform writes it.
    const body = JSON.stringify(Object.fromEntries(LOCK_FIELDS.map((field) => [field, info[field]])));
    const taken = await this.#bucket.call(
      { action: `lock '${workspace}'`, key },
      async () => {
        await this.#bucket.client.send(
          new PutObjectCommand({
            Bucket: this.#bucket.bucket,
            Key: key,
            Body: body,
            ContentType: 'application/json',
            ...this.#bucket.putFields,
            IfNoneMatch: '*',
          }),
        );
        return true;
      },
      (error) => (isPreconditionFailed(error) ? false : undefined),
    );
    if (!taken) throw this.#lockedError(workspace, await this.#read(workspace));
  }

  async release(workspace: string, lockId: string): Promise<void> {
    const held = await this.#read(workspace);
    if (!held) throw new NotLockedError(workspace);
    if (held.info?.ID !== lockId) throw new LockMismatchError(workspace, lockId, held.info);
    const key = this.#layout.lockKey(workspace);
    await this.#bucket.call({ action: `unlock '${workspace}'`, key }, () =>
      this.#bucket.client.send(new DeleteObjectCommand({ Bucket: this.#bucket.bucket, Key: key })),
    );
  }

  /**
   * Removes a lock object whose bytes are not LockInfo (so no ID can name
   * it); `release` handles every readable one.
   */
  async removeUnreadable(workspace: string): Promise<boolean> {
    const held = await this.#read(workspace);
    if (!held?.unreadable) return false;
    const key = this.#layout.lockKey(workspace);
    await this.#bucket.call({ action: `remove the unreadable lock of '${workspace}'`, key }, () =>
      this.#bucket.client.send(new DeleteObjectCommand({ Bucket: this.#bucket.bucket, Key: key })),
    );
    return true;
  }

  async observe(workspace: string): Promise<LockStatus | undefined> {
    const held = await this.#read(workspace);
    if (!held) return undefined;
    return { info: held.info, stale: false, detail: describeAge(held) };
  }

  /** A write by `lockId` (or by no lock) is allowed now; throws what is in the way. */
  async checkWrite(workspace: string, lockId: string | undefined): Promise<void> {
    const held = await this.#read(workspace);
    if (lockId !== undefined) {
      if (!held) throw new NotLockedError(workspace, { hint: 'the lock was released or force-unlocked meanwhile; take it again and retry' });
      if (held.info?.ID !== lockId) throw new LockMismatchError(workspace, lockId, held.info);
      return;
    }
    if (held) throw this.#lockedError(workspace, held);
  }

  #lockedError(workspace: string, held: HeldLock | undefined): LockedError {
    if (!held) {
      // Released between the refused write and the read: report it as held, the caller retries.
      return new LockedError(workspace, undefined, { message: `state '${workspace}' was locked by someone else a moment ago (the lock is gone now): retry` });
    }
    const holder = held.info ? describeLock(held.info) : 'an unknown holder (the lock object holds no readable LockInfo)';
    return new LockedError(workspace, held.info, {
      message: `state '${workspace}' is locked by ${holder}; ${describeAge(held)}`,
      ...(held.info ? {} : { hint: `the lock object s3://${this.#bucket.bucket}/${this.#layout.lockKey(workspace)} is not LockInfo: remove it if you are sure no one holds the lock` }),
    });
  }

  async #read(workspace: string): Promise<HeldLock | undefined> {
    const key = this.#layout.lockKey(workspace);
    const out = await this.#bucket.call(
      { action: `read the lock of '${workspace}'`, key, read: true },
      async () => {
        const response = await this.#bucket.client.send(new GetObjectCommand({ Bucket: this.#bucket.bucket, Key: key, ...this.#bucket.sseC }));
        const text = (await response.Body?.transformToString('utf8')) ?? '';
        return { text, lastModified: response.LastModified };
      },
      (error) => (isNoSuchKey(error) ? null : undefined),
    );
    if (!out) return undefined;
    const info = parseLockInfo(out.text);
    return { info, unreadable: info === undefined, lastModified: out.lastModified };
  }
}

export function parseLockInfo(text: string): LockInfo | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || typeof (value as { ID?: unknown }).ID !== 'string') return undefined;
  const record = value as Record<string, unknown>;
  const field = (name: string): string => (typeof record[name] === 'string' ? (record[name] as string) : '');
  return {
    ID: field('ID'),
    Operation: field('Operation'),
    Info: field('Info'),
    Who: field('Who'),
    Version: field('Version'),
    Created: field('Created'),
    Path: field('Path'),
  };
}

/** "held for 3h12m (since …); S3 keeps no session, …": what an operator needs to judge a lock. */
function describeAge(held: HeldLock): string {
  const since = lockCreatedAt(held.info?.Created) ?? held.lastModified;
  const age = since === undefined ? undefined : Date.now() - since.getTime();
  const holder = held.info?.Who ? ` by ${held.info.Who}` : '';
  const how = age === undefined ? `held${holder}` : `held${holder} for ${formatAge(age)} (since ${since!.toISOString()})`;
  return `${how}; S3 keeps no session, so whether the holder is still alive is unknown: force-unlock only if you know it is gone`;
}

