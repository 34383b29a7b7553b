import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

/**
 * Values for LockInfo.Operation. The first four are Terraform's own
 * (`backend.OperationType`); the rest name Tempeh's operations in the same
 * style, so a holder shown by either tool reads the same way.
 */
export const LockOperation = {
  invalid: 'OperationTypeInvalid',
  refresh: 'OperationTypeRefresh',
  plan: 'OperationTypePlan',
  apply: 'OperationTypeApply',
  push: 'OperationTypePush',
  edit: 'OperationTypeEdit',
  migrate: 'OperationTypeMigrate',
  delete: 'OperationTypeDelete',
} as const;

/** `user@host`, as Terraform fills LockInfo.Who. */
export function defaultWho(): string {
  return `${currentUser()}@${hostname()}`;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch (error) {
    // userInfo() fails with ERR_SYSTEM_ERROR when the uid has no passwd
    // entry (common in containers); the environment is the next best source.
    if (!(error instanceof Error && Reflect.get(error, 'code') === 'ERR_SYSTEM_ERROR')) throw error;
    return process.env['USER'] ?? process.env['USERNAME'] ?? process.env['LOGNAME'] ?? 'unknown';
  }
}

let cachedVersion: string | undefined;

/** The version of @tempeh/core, for LockInfo.Version. */
export function tempehVersion(): string {
  cachedVersion ??= readOwnVersion();
  return cachedVersion;
}

function readOwnVersion(): string {
  // ../../package.json from both src/state-manager and dist/state-manager.
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const parsed: unknown = JSON.parse(text);
  const version = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'version') : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}

/** Retry delays for `lock({ timeoutMs })`: doubling from `retryMs`, capped, with jitter so waiters spread out. */
export function lockRetryDelay(attempt: number, retryMs: number, random: () => number = Math.random): number {
  const capped = Math.min(retryMs * 2 ** Math.min(attempt, 16), MAX_LOCK_RETRY_MS);
  return Math.round(capped * (0.5 + random() / 2));
}

/** Base delay between lock attempts when the caller gives none. */
export const DEFAULT_LOCK_RETRY_MS = 500;
/**
 * The longest wait between two lock attempts. Kept short on purpose: with a
 * long cap, a waiter that has backed off far loses every release to
 * newcomers that still poll quickly, and can starve among many contenders.
 */
export const MAX_LOCK_RETRY_MS = 1000;
