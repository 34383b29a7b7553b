import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, open, type FileHandle } from 'node:fs/promises';
import { IoError } from '@tempeh/core';
import { ioError, isErrno } from './errors.js';

/** Small file-system steps of the local backend, each failing with an IoError that names the path. */

/** sha256 hex of a file's bytes, read in 1 MiB pieces; `undefined` when the file is absent or empty (no state). */
export async function hashFile(path: string): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined; // no state
    throw ioError('open the state', path, error);
  }
  try {
    if ((await handle.stat()).size === 0) return undefined;
    return await hashHandle(handle);
  } catch (error) {
    throw ioError('read the state', path, error);
  } finally {
    await handle.close();
  }
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function hashHandle(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest('hex');
}

export async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw ioError('create the directory', dir, error);
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false; // absent
    throw ioError('inspect', path, error);
  }
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await lstat(path)).size;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined; // absent
    throw ioError('inspect', path, error);
  }
}

export async function chmodPath(path: string, mode: number): Promise<void> {
  try {
    await chmod(path, mode);
  } catch (error) {
    throw ioError('set the mode of', path, error);
  }
}

/** Atomic replacement renames over the path: a symbolic link there would be replaced by a file, silently cutting it. */
export async function refuseSymlink(path: string): Promise<void> {
  try {
    if (!(await lstat(path)).isSymbolicLink()) return;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return; // nothing there yet
    throw ioError('inspect', path, error);
  }
  throw new IoError(`${path} is a symbolic link; Tempeh replaces state files by rename and would replace the link itself`, {
    path,
    hint: 'point `path` at the real file instead of the link',
  });
}
