import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { TempehError } from '../../src/errors.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Every state file under fixtures/terraform and fixtures/odd-keys (`*.tfstate`, `*.tfstate.backup`), repo-relative, sorted. */
export async function fixtureStates(): Promise<string[]> {
  const found: string[] = [];
  for (const dir of ['fixtures/terraform', 'fixtures/odd-keys']) {
    for (const entry of await readdir(path.join(REPO_ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.tfstate(\.backup)?$/.test(entry.name)) continue;
      found.push(path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name)));
    }
  }
  return found.sort();
}

/** Yields `bytes` in small chunks, so resources straddle chunk boundaries. */
export async function* chunked(bytes: Uint8Array, size = 97): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size);
}

/** The code of the TempehError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function codeOfRejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TempehError) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}
