import { link, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LockInfo } from '@tempeh/core';
import { keepFirstError, removeIfPresent, syncDirectory, tempPathFor, writeTemp } from './atomic-file.js';
import { ioError, isErrno } from './errors.js';

/**
 * `.terraform.tfstate.lock.info` in Terraform's own format: one line of
 * JSON, no trailing newline, keys ID, Operation, Info, Who, Version,
 * Created, Path (Go's json.Marshal of statemgr.LockInfo). Tempeh appends one
 * key of its own, `Tempeh`, with the holder's pid and host so a dead holder
 * can be recognised; Go's decoder ignores keys it does not know, and no
 * LockInfo field matches `Tempeh` even case-insensitively.
 */

/** Tempeh's own part of a lock file. */
export interface TempehLockMark {
  /** Holder process; `null` when the lock was taken for a holder with no process (e.g. a CLI that exits). */
  pid: number | null;
  host: string;
  /** Holder's start time (Linux clock ticks since boot), to tell a reused pid from the holder. */
  start?: string;
  /** Taken by a write for the instant of its commit, not by a user: safe to break once its holder is dead. */
  transient?: boolean;
}

/** A lock file as read. */
export interface LockFileContent {
  /** Undefined when the bytes are not a LockInfo (e.g. a file Terraform was killed while writing). */
  info: LockInfo | undefined;
  mark: TempehLockMark | undefined;
  raw: Buffer;
}

const LOCK_KEYS = ['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path'] as const;

/** The file's bytes: Terraform's seven keys in its order, then Tempeh's mark. */
export function formatLockFile(info: LockInfo, mark?: TempehLockMark): string {
  const ordered: Record<string, unknown> = {};
  for (const key of LOCK_KEYS) ordered[key] = info[key];
  if (mark) ordered.Tempeh = mark;
  return escapeLikeGo(JSON.stringify(ordered));
}

/** Go's json.Marshal escapes <, >, & and the JS line separators; matching it keeps the bytes Terraform's. */
function escapeLikeGo(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Reads lock file bytes leniently: anything unreadable becomes `info: undefined`, never a throw. */
export function parseLockFile(raw: Buffer): LockFileContent {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    // Not JSON: a lock file cut short (Terraform writes it non-atomically) or foreign bytes. Callers report it as unreadable.
    if (error instanceof SyntaxError) return { info: undefined, mark: undefined, raw };
    throw error;
  }
  if (!isRecord(value) || typeof value.ID !== 'string' || value.ID === '') return { info: undefined, mark: undefined, raw };
  const info: LockInfo = {
    ID: value.ID,
    Operation: stringField(value.Operation),
    Info: stringField(value.Info),
    Who: stringField(value.Who),
    Version: stringField(value.Version),
    Created: stringField(value.Created),
    Path: stringField(value.Path),
  };
  return { info, mark: parseMark(value.Tempeh), raw };
}

function parseMark(value: unknown): TempehLockMark | undefined {
  if (!isRecord(value) || typeof value.host !== 'string') return undefined;
  const pid = typeof value.pid === 'number' && Number.isSafeInteger(value.pid) ? value.pid : null;
  const mark: TempehLockMark = { pid, host: value.host };
  if (typeof value.start === 'string') mark.start = value.start;
  if (value.transient === true) mark.transient = true;
  return mark;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The lock file at `path`, or `undefined` when there is none. */
export async function readLockFile(path: string): Promise<LockFileContent | undefined> {
  try {
    return parseLockFile(await readFile(path));
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined; // no lock file: not locked (as far as files say)
    throw ioError('read the lock file', path, error);
  }
}

/**
 * Creates the lock file exclusively and whole: the content goes into a temp
 * file first, which is then hard-linked to `path`. link(2) fails with EEXIST
 * when a lock file exists, so exactly one of several racing lockers wins, and
 * nobody ever sees a half-written lock. Returns false when one exists.
 */
export async function createLockFile(path: string, content: string, mode: number): Promise<boolean> {
  const temp = await writeTemp(path, mode, Buffer.from(content, 'utf8'), 'the lock info');
  try {
    await link(temp.path, path);
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false; // held by someone else: the caller reads who
    if (isErrno(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP')) {
      throw ioError('create the lock file (the file system does not support hard links, which locking needs)', path, error);
    }
    throw ioError('create the lock file', path, error);
  } finally {
    await removeIfPresent(temp.path);
  }
  await syncDirectory(dirname(path));
  return true;
}

/** Outcome of `removeLockFileIf`. */
export interface RemoveOutcome {
  removed: boolean;
  /** What was in the lock file when it was taken away; `undefined` when there was none. */
  found: LockFileContent | undefined;
}

/**
 * Removes the lock file only if `accept` approves its content, without a
 * window where another holder's file could be deleted by mistake: the file
 * is first renamed to a private name (atomic: from then on only we have it),
 * then judged, then unlinked or linked back. If someone took the lock in the
 * instant it was away, linking back fails; their lock stands and the one we
 * held is dropped, which errs on the safe side: its holder's next write
 * checks the lock and is refused.
 */
export async function removeLockFileIf(path: string, accept: (found: LockFileContent) => boolean): Promise<RemoveOutcome> {
  const aside = tempPathFor(path);
  try {
    await rename(path, aside);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { removed: false, found: undefined }; // no lock file to remove
    throw ioError('move the lock file aside', path, error);
  }
  let found: LockFileContent;
  try {
    found = parseLockFile(await readFile(aside));
  } catch (error) {
    await rename(aside, path).catch(keepFirstError);
    throw ioError('read the lock file', aside, error);
  }
  if (accept(found)) {
    await removeIfPresent(aside);
    await syncDirectory(dirname(path));
    return { removed: true, found };
  }
  try {
    await link(aside, path);
  } catch (error) {
    // EEXIST: another locker won the instant the file was away; see above.
    // Otherwise the lock stays in `aside` for an operator to move back, as the message says.
    if (!isErrno(error, 'EEXIST')) throw ioError(`restore the lock file from ${aside} to`, path, error);
  }
  await removeIfPresent(aside);
  return { removed: false, found };
}
