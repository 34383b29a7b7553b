import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalBackend } from '../src/index.js';
import { HOSTILE_WORKSPACE_NAMES } from '@tempeh/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalBackend } from '../src/index.js';
import { makeTempDir, removeDir, snapshotTree } from './helpers.js';

const OPERATIONS: ReadonlyArray<readonly [string, (b: LocalBackend, name: string) => Promise<unknown>]> = [
  ['getState', (b, n) => b.getState(n)],
  ['readStream', (b, n) => b.readStream(n)],
  ['putState', (b, n) => b.putState(n, Buffer.from('x'))],
  ['writeStream', (b, n) => b.writeStream(n, (async function* () { yield Buffer.from('x'); })())],
  ['deleteState', (b, n) => b.deleteState(n)],
  ['createWorkspace', (b, n) => b.createWorkspace(n)],
  ['deleteWorkspace', (b, n) => b.deleteWorkspace(n)],
  ['lock', (b, n) => b.lock(n, { Operation: '', Info: '', Who: '', Version: '', Created: '', Path: '' })],
  ['unlock', (b, n) => b.unlock(n, 'id')],
  ['forceUnlock', (b, n) => b.forceUnlock(n, 'id')],
  ['getLock', (b, n) => b.getLock(n)],
  ['breakStaleLock', (b, n) => b.breakStaleLock(n)],
];

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe('hostile workspace names', () => {
  it('are refused with TEMPEH_E_INVALID_WORKSPACE by every operation, and the directory tree is untouched', async () => {
    // A populated store, with a target a traversal would reach: ../../etc from workspace_dir/ws.
    const store = join(dir, 'store');
    const backend = createLocalBackend({ backup_dir: 'backups' }, { cwd: store });
    await backend.putState('default', Buffer.from('default state'));
    await backend.putState('staging', Buffer.from('staging state'));
    await mkdir(join(dir, 'etc'));
    await writeFile(join(dir, 'etc', 'terraform.tfstate'), 'outside');
    const before = await snapshotTree(dir);

    const extra: ReadonlyArray<readonly [string, string]> = [['../../etc', '../../etc'], ['.. with slash', '../staging'], ['absolute', '/etc']];
    for (const [label, name] of [...HOSTILE_WORKSPACE_NAMES, ...extra]) {
      for (const [operation, call] of OPERATIONS) {
        const code = await call(backend, name).then(
          () => 'resolved',
          (error: unknown) => (error instanceof Error ? Reflect.get(error, 'code') : error),
        );
        expect(code, `${operation} with ${label}`).toBe('TEMPEH_E_INVALID_WORKSPACE');
      }
    }
    expect(await snapshotTree(dir)).toEqual(before);
  });
});
