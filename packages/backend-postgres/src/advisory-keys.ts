import { createHash, randomBytes } from 'node:crypto';

/**
 * Keys for PostgreSQL advisory locks (one bigint each). Advisory locks share
 * one key space per database with every other client, Terraform's pg backend
 * included (it locks small positive `states.id` values and -1). Tempeh's keys
 * therefore all lie in [2^62, 2^63): bit 62 set, sign bit clear.
 */
const TEMPEH_BIT = 1n << 62n;
const LOW_62 = TEMPEH_BIT - 1n;

function fromBytes(bytes: Buffer): bigint {
  return TEMPEH_BIT | (bytes.readBigUInt64BE(0) & LOW_62);
}

function hashedKey(...parts: string[]): string {
  // NUL separates the parts: no identifier or workspace name contains one, so distinct tuples never hash the same text.
  return fromBytes(createHash('sha256').update(parts.join('\u0000')).digest()).toString();
}

/**
 * The per-workspace commit key: held (transaction-scoped) by every write's
 * final check-and-commit and by lock()/unlock(), so that checking the lock
 * row and acting on it is one step for all Tempeh clients of the store.
 */
export function commitKey(schema: string, lockTable: string, workspace: string): string {
  return hashedKey('tempeh-commit', schema, lockTable, workspace);
}

/** Serialises concurrent init() calls on one layout (CREATE TABLE IF NOT EXISTS races otherwise). */
export function layoutKey(schema: string, tableName: string): string {
  return hashedKey('tempeh-layout', schema, tableName);
}

/**
 * A fresh key for one lock's holder session. Random per lock rather than
 * derived from the workspace: after a force-unlock, the old holder's session
 * may still hold its key, and must not make the next lock look alive or dead.
 */
export function randomSessionKey(): string {
  return fromBytes(randomBytes(8)).toString();
}
