import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IoError, isTempehError } from '@tempeh/core';
import { ioError, isErrno } from './errors.js';
import { isProcessAlive } from './process-liveness.js';

/**
 * Durable atomic file replacement: write a uniquely named temp file in the
 * target's directory, fsync it, rename it over the target, fsync the
 * directory. After a crash at any point the target holds the old or the new
 * bytes, never a mix; what can be left behind is a temp file, whose name
 * (`.<target>.tempeh-<pid>-<hex>.tmp`) no reader of state mistakes for a
 * state and which later writes remove.
 */

const TEMP_NAME = /^\..*\.tempeh-(\d+)-[0-9a-f]{16}\.tmp$/;

/** A temp file older than this, whose writer is gone, is debris from a crash. */
export const STALE_TEMP_AGE_MS = 60_000;
/** Past this age a temp file is removed even if a process with its pid runs (pid reuse, another host on a shared disk). */
const ABANDONED_TEMP_AGE_MS = 24 * 60 * 60_000;

/** A fresh, unused name beside `target`. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tempeh-${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
}

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/** Opens a new temp file beside `target` with exactly `mode` (umask does not narrow it). */
export async function openTemp(target: string, mode: number): Promise<{ path: string; handle: FileHandle }> {
  const path = tempPathFor(target);
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx', mode);
  } catch (error) {
    throw ioError('create a temporary file', path, error);
  }
  try {
    await handle.chmod(mode);
  } catch (error) {
    await discard(handle, path);
    throw ioError('set the mode of', path, error);
  }
  return { path, handle };
}

/** What was written into a temp file. */
export interface WrittenTemp {
  path: string;
  /** sha256 hex of the bytes. */
  revision: string;
  size: number;
}

/**
 * Writes `source` (one buffer, or chunks as they arrive: never collected
 * in memory) into a new temp file beside `target`, hashing as it goes, and
 * fsyncs it. On failure the temp file is removed and nothing else changed.
 */
export async function writeTemp(target: string, mode: number, source: Uint8Array | AsyncIterable<Uint8Array>, what: string): Promise<WrittenTemp> {
  const { path, handle } = await openTemp(target, mode);
  const hash = createHash('sha256');
  let size = 0;
  try {
    if (source instanceof Uint8Array) {
      hash.update(source);
      await writeAll(handle, source, path);
      size = source.byteLength;
    } else {
      try {
        for await (const chunk of source) {
          if (!(chunk instanceof Uint8Array)) {
            throw new IoError(`${what} yielded a ${typeof chunk} chunk instead of bytes; nothing was stored`, {
              hint: 'write Uint8Array or Buffer chunks',
            });
          }
          hash.update(chunk);
          await writeAll(handle, chunk, path);
          size += chunk.byteLength;
        }
      } catch (error) {
        if (isTempehError(error)) throw error;
        throw new IoError(`reading ${what} failed; nothing was stored: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
    await syncHandle(handle, path);
  } catch (error) {
    await discard(handle, path);
    throw error;
  }
  await closeHandle(handle, path);
  return { path, revision: hash.digest('hex'), size };
}

async function writeAll(handle: FileHandle, chunk: Uint8Array, path: string): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    let written: number;
    try {
      ({ bytesWritten: written } = await handle.write(chunk, offset, chunk.byteLength - offset));
    } catch (error) {
      throw ioError('write', path, error);
    }
    offset += written;
  }
}

/**
 * Copies `source` to `target` atomically with `mode`: copy to a temp file,
 * fsync, rename. Returns false (and does nothing) when `source` is absent or
 * empty: an empty file is what Terraform leaves when it locked a state that
 * did not exist yet, not a state worth keeping.
 */
export async function copyAtomically(source: string, target: string, mode: number): Promise<boolean> {
  const temp = await copyToTemp(source, target, mode);
  if (temp === undefined) return false;
  await renameDurably(temp, target);
  return true;
}

/** Copies `source` into a synced temp file beside `target`; `undefined` when `source` is absent or empty. */
export async function copyToTemp(source: string, target: string, mode: number): Promise<string | undefined> {
  try {
    if ((await stat(source)).size === 0) return undefined;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined; // nothing to copy
    throw ioError('inspect', source, error);
  }
  const temp = tempPathFor(target);
  try {
    // copyFile may clone or use copy_file_range: no bytes pass through JS.
    await copyFile(source, temp, constants.COPYFILE_EXCL);
  } catch (error) {
    await removeIfPresent(temp);
    if (isErrno(error, 'ENOENT')) return undefined; // the source vanished since stat: a concurrent delete, nothing to copy
    throw ioError(`copy ${source} to`, temp, error);
  }
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'r+');
    await handle.chmod(mode);
    await handle.sync();
    await handle.close();
  } catch (error) {
    if (handle) await handle.close().catch(keepFirstError);
    await removeIfPresent(temp).catch(keepFirstError);
    throw ioError('sync', temp, error);
  }
  return temp;
}

/** Renames `temp` over `target` and fsyncs the directory, so the rename itself survives a power cut. */
export async function renameDurably(temp: string, target: string): Promise<void> {
  try {
    await rename(temp, target);
  } catch (error) {
    await removeIfPresent(temp);
    throw ioError(`rename ${temp} over`, target, error);
  }
  await syncDirectory(dirname(target));
}

/** fsync of a directory: makes creations, renames and unlinks in it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch (error) {
    throw ioError('open the directory', dir, error);
  }
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems (and all of Windows) refuse fsync on a directory; the rename is done, only its durability is weaker.
    if (!isErrno(error, 'EINVAL', 'EPERM', 'EISDIR', 'EBADF')) throw ioError('sync the directory', dir, error);
  } finally {
    await handle.close();
  }
}

/** Removes a file; absent is fine (it is what we wanted). */
export async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false; // already gone: the goal of the call
    throw ioError('remove', path, error);
  }
}

/**
 * Removes temp files left in `dir` by writers that were killed: older than
 * a minute and their pid no longer alive (or older than a day). A live
 * writer's temp file is left alone even when it stalls, since removing it
 * would fail that writer's rename.
 */
export async function removeStaleTemps(dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return []; // no directory, no debris
    throw ioError('list', dir, error);
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    let mtime: number;
    try {
      mtime = (await stat(path)).mtimeMs;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue; // renamed or removed by its writer meanwhile
      throw ioError('inspect', path, error);
    }
    const age = now - mtime;
    if (age < STALE_TEMP_AGE_MS) continue;
    if (age < ABANDONED_TEMP_AGE_MS && (await isProcessAlive(Number(match[1])))) continue;
    if (await removeIfPresent(path)) removed.push(path);
  }
  return removed;
}

async function syncHandle(handle: FileHandle, path: string): Promise<void> {
  try {
    await handle.sync();
  } catch (error) {
    throw ioError('sync', path, error);
  }
}

async function closeHandle(handle: FileHandle, path: string): Promise<void> {
  try {
    await handle.close();
  } catch (error) {
    await removeIfPresent(path);
    throw ioError('close', path, error);
  }
}

/** Closes and removes a temp file after a failure. */
async function discard(handle: FileHandle, path: string): Promise<void> {
  await handle.close().catch(keepFirstError);
  await removeIfPresent(path).catch(keepFirstError);
}

/**
 * For clean-up that runs while an error is already on its way to the
 * caller: that first error is the one to report, a second one from the
 * clean-up would hide it. The clean-up's only effect is a leftover temp file,
 * which `removeStaleTemps` collects later.
 */
export function keepFirstError(): void {}
