import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LockInfo, LockRequest } from '@tempeh/core';
import { createLocalBackend, formatLockFile, parseLockFile, parseProcLocks, readLockFile, splitDevice } from '../src/index.js';
import { FIXTURES, makeTempDir, removeDir } from './helpers.js';
import { spawn } from 'node:child_process';
import { CAS_WRITER, LOCK_HOLDER, firstLine, readLines, killHard, spawnNode } from './process-helpers.js';

const onLinux = process.platform === 'linux';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

function request(who: string): LockRequest {
  return { Operation: 'OperationTypeApply', Info: '', Who: who, Version: '1.11.4', Created: '', Path: '' };
}

async function rejection(action: Promise<unknown>): Promise<Record<string, unknown>> {
  const error: unknown = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return { code: Reflect.get(error, 'code'), stale: Reflect.get(error, 'stale'), lock: Reflect.get(error, 'lock'), hint: Reflect.get(error, 'hint') };
}

describe("lock file format (Terraform's .terraform.tfstate.lock.info)", () => {
  it('reads the lock files terraform wrote, and writes the same bytes from the same LockInfo', async () => {
    for (const name of ['default.terraform.tfstate.lock.info', 'staging.terraform.tfstate.lock.info']) {
      const raw = await readFile(join(FIXTURES, 'lock', name));
      const parsed = parseLockFile(raw);
      expect(parsed.info?.Operation).toBe('OperationTypeApply');
      expect(parsed.info?.Version).toBe('1.11.4');
      expect(parsed.mark).toBeUndefined();
      if (!parsed.info) return;
      expect(formatLockFile(parsed.info)).toBe(raw.toString('utf8'));
    }
  });

  it('writes one line, no trailing newline, Terraform keys in order, then Tempeh\'s holder mark', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    const held = await backend.lock('staging', { ...request('root@vm'), Info: 'a <b> & c' });
    const text = await readFile(join(dir, 'terraform.tfstate.d/staging/.terraform.tfstate.lock.info'), 'utf8');
    expect(text).not.toContain('\n');
    expect(Object.keys(JSON.parse(text))).toEqual(['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path', 'Tempeh']);
    // Go's json.Marshal escapes HTML characters; so do we, so terraform's and Tempeh's files look alike.
    expect(text).toContain('"Info":"a \\u003cb\\u003e \\u0026 c"');
    const parsed = await readLockFile(join(dir, 'terraform.tfstate.d/staging/.terraform.tfstate.lock.info'));
    expect(parsed?.info).toEqual(held);
    expect(held.Path).toBe('terraform.tfstate.d/staging/terraform.tfstate');
    expect(parsed?.mark).toMatchObject({ pid: process.pid });
  });

  it('treats bytes that are not LockInfo as an unreadable lock, not a crash', () => {
    expect(parseLockFile(Buffer.from('{"ID":')).info).toBeUndefined();
    expect(parseLockFile(Buffer.from('[]')).info).toBeUndefined();
    expect(parseLockFile(Buffer.from('')).info).toBeUndefined();
  });
});

describe('/proc/locks', () => {
  it('parses holders and skips waiters', () => {
    const text = [
      '1: POSIX  ADVISORY  WRITE 6107 fe:00:2146811 0 EOF',
      '1: -> POSIX  ADVISORY  WRITE 6110 fe:00:2146811 0 EOF',
      '2: FLOCK  ADVISORY  WRITE 801 00:1a:42 0 EOF',
      '3: OFDLCK ADVISORY  READ  -1 103:02:7 0 EOF',
    ].join('\n');
    expect(parseProcLocks(text)).toEqual([
      { kind: 'POSIX', access: 'WRITE', pid: 6107, major: 0xfe, minor: 0, inode: 2146811n },
      { kind: 'FLOCK', access: 'WRITE', pid: 801, major: 0, minor: 0x1a, inode: 42n },
      { kind: 'OFDLCK', access: 'READ', pid: -1, major: 0x103, minor: 2, inode: 7n },
    ]);
  });

  it("splits a dev_t as glibc's major()/minor() do", () => {
    expect(splitDevice(65024n)).toEqual({ major: 0xfe, minor: 0 });
    expect(splitDevice(0x10302n)).toEqual({ major: 0x103, minor: 2 });
    // glibc's makedev(), inverted by splitDevice for devices with large numbers.
    const makedev = (major: bigint, minor: bigint): bigint =>
      ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
    expect(splitDevice(makedev(0x1234n, 0x56789n))).toEqual({ major: 0x1234, minor: 0x56789 });
    expect(splitDevice(makedev(259n, 3n))).toEqual({ major: 259, minor: 3 });
  });
});

describe('lock discipline', () => {
  it('unlock with another ID leaves the lock file byte for byte as it was', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await backend.lock('default', request('holder@ci'));
    const path = backend.files('default').lockInfo;
    const before = await readFile(path);
    await expect(backend.unlock('default', 'not-mine')).rejects.toMatchObject({ code: 'TEMPEH_E_LOCK_MISMATCH' });
    await expect(backend.forceUnlock('default', 'not-mine')).rejects.toMatchObject({ code: 'TEMPEH_E_LOCK_MISMATCH' });
    expect((await readFile(path)).equals(before)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['.terraform.tfstate.lock.info', '.terraform.tfstate.tempeh-lock']);
  });

  it('a write naming a lock ID when nothing is locked is refused with TEMPEH_E_NOT_LOCKED', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await expect(backend.putState('default', Buffer.from('x'), { lockId: 'gone' })).rejects.toMatchObject({ code: 'TEMPEH_E_NOT_LOCKED' });
    await expect(backend.deleteState('default', { lockId: 'gone' })).rejects.toMatchObject({ code: 'TEMPEH_E_NOT_LOCKED' });
    expect(await backend.getState('default')).toBeUndefined();
  });

  it('writes leave no lock file behind (the commit lock is released)', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await Promise.all(Array.from({ length: 10 }, (_, i) => backend.putState('default', Buffer.from(`w${i}`))));
    expect(await backend.getLock('default')).toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual(['terraform.tfstate', 'terraform.tfstate.backup']);
  });

  it('a lock taken for no process (holderPid: null) is never reported stale', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    const held = await backend.lock('default', request('cli@ci'), { holderPid: null });
    expect(await backend.getLock('default')).toMatchObject({ stale: false, info: held });
    await expect(backend.breakStaleLock('default')).rejects.toMatchObject({ code: 'TEMPEH_E_LOCKED', stale: false });
    await backend.unlock('default', held.ID);
  });
});

describe('a terraform run under a Tempeh lock (`tempeh exec -- terraform ...`)', () => {
  it('does not end the lock, though terraform overwrites and then deletes the lock info file', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    const held = await backend.lock('default', request('exec@ci'));
    const files = backend.files('default');
    // What terraform does under it: its own lock info over ours (in place), then, on exit, removal.
    const terraformLock = await readFile(join(FIXTURES, 'lock/default.terraform.tfstate.lock.info'));
    await writeFile(files.lockInfo, terraformLock);
    expect((await backend.getLock('default'))?.info).toEqual(held);
    await rm(files.lockInfo);

    expect(await backend.getLock('default')).toMatchObject({ info: held, stale: false });
    expect(await rejection(backend.lock('default', request('other@ci')))).toMatchObject({ code: 'TEMPEH_E_LOCKED', lock: held });
    expect(await rejection(backend.putState('default', Buffer.from('intruder')))).toMatchObject({ code: 'TEMPEH_E_LOCKED', lock: held });
    // The lock file itself is not left behind by the refused attempts.
    expect(await readdir(dir)).toEqual(['.terraform.tfstate.tempeh-lock']);
    await backend.putState('default', Buffer.from('by the holder'), { lockId: held.ID });
    await backend.unlock('default', held.ID);
    expect(await backend.getLock('default')).toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual(['terraform.tfstate']);
  });

  it('a holder killed after terraform removed its lock info leaves a stale lock that breakStaleLock removes', async () => {
    const child = spawnNode(LOCK_HOLDER, [dir, 'default']);
    let held: LockInfo;
    try {
      held = JSON.parse(await firstLine(child));
      await rm(join(dir, '.terraform.tfstate.lock.info'));
    } finally {
      await killHard(child);
    }
    const backend = createLocalBackend({}, { cwd: dir });
    expect(await backend.getLock('default')).toMatchObject({ info: held, stale: true });
    expect(await rejection(backend.lock('default', request('me@ci')))).toMatchObject({ code: 'TEMPEH_E_LOCKED', stale: true });
    await backend.breakStaleLock('default');
    expect(await readdir(dir)).toEqual([]);
    const mine = await backend.lock('default', request('me@ci'));
    await backend.unlock('default', mine.ID);
  });
});

describe('compare-and-swap across processes', () => {
  it('of several processes writing with the same revision at once, exactly one wins; the others get TEMPEH_E_CONFLICT', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    const base = await backend.putState('default', Buffer.from('base'));
    const names = ['w0', 'w1', 'w2', 'w3', 'w4'];
    const children = names.map((name) => spawn(process.execPath, [CAS_WRITER, dir, base.revision ?? '', name], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const outputs = children.map((child) => readLines(child));
    // All loaded first, then released together, so the writes overlap.
    await Promise.all(outputs.map((output) => output.first));
    for (const child of children) child.stdin?.write('go\n');
    const results = (await Promise.all(outputs.map((output) => output.all))).map((lines) => lines.filter((l) => l !== 'ready').join(''));
    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    expect(results.filter((r) => r === 'TEMPEH_E_CONFLICT')).toHaveLength(names.length - 1);
    const winner = names[results.indexOf('won')];
    expect((await backend.getState('default'))?.data.toString()).toBe(winner);
    expect(await backend.getLock('default')).toBeUndefined();
  });
});

describe('stale locks', () => {
  it('a lock whose holder process was SIGKILLed is reported stale; lock() and writes refuse until it is broken', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await backend.putState('default', Buffer.from('before'));
    const child = spawnNode(LOCK_HOLDER, [dir, 'default']);
    let held: LockInfo;
    try {
      held = JSON.parse(await firstLine(child));
      expect(await backend.getLock('default')).toMatchObject({ info: held, stale: false });
      expect(await rejection(backend.lock('default', request('me@ci')))).toMatchObject({ code: 'TEMPEH_E_LOCKED', stale: false, lock: held });
    } finally {
      await killHard(child);
    }

    const status = await backend.getLock('default');
    expect(status).toMatchObject({ info: held, stale: true });
    expect(status?.detail).toContain(String(child.pid));
    expect(await rejection(backend.lock('default', request('me@ci')))).toMatchObject({ code: 'TEMPEH_E_LOCKED', stale: true, lock: held });
    expect(await rejection(backend.putState('default', Buffer.from('intruder')))).toMatchObject({ code: 'TEMPEH_E_LOCKED', stale: true });
    expect((await backend.getState('default'))?.data.toString()).toBe('before');

    expect(await backend.breakStaleLock('default')).toMatchObject({ info: held, stale: true });
    expect(await backend.getLock('default')).toBeUndefined();
    const mine = await backend.lock('default', request('me@ci'));
    await backend.unlock('default', mine.ID);
  });

  it('with break_stale: true, lock() takes over a dead holder\'s lock by itself', async () => {
    const child = spawnNode(LOCK_HOLDER, [dir, 'staging']);
    try {
      await firstLine(child);
    } finally {
      await killHard(child);
    }
    const backend = createLocalBackend({ break_stale: true }, { cwd: dir });
    const mine = await backend.lock('staging', request('me@ci'));
    expect((await backend.getLock('staging'))?.info?.ID).toBe(mine.ID);
  });

  it.skipIf(!onLinux)('a terraform lock info with no fcntl lock on the state is stale: left by a terraform that was killed (needs /proc/locks)', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await backend.putState('default', Buffer.from('before'));
    const raw = await readFile(join(FIXTURES, 'lock/default.terraform.tfstate.lock.info'));
    await writeFile(join(dir, '.terraform.tfstate.lock.info'), raw);
    const status = await backend.getLock('default');
    expect(status).toMatchObject({ stale: true, info: { ID: 'ef5f3518-1bd7-ce44-4096-12fa8d15aa9f' } });
    expect(status?.detail).toContain('terraform itself ignores it');
    expect(await rejection(backend.lock('default', request('me@ci')))).toMatchObject({ code: 'TEMPEH_E_LOCKED', stale: true });
    await backend.forceUnlock('default', 'ef5f3518-1bd7-ce44-4096-12fa8d15aa9f');
    expect(await backend.getLock('default')).toBeUndefined();
  });

  it('a commit lock left by a writer killed mid-commit does not block later writes', async () => {
    const child = spawnNode(LOCK_HOLDER, [dir, 'default']);
    let held: LockInfo;
    try {
      held = JSON.parse(await firstLine(child));
    } finally {
      await killHard(child);
    }
    // Rewrite the dead holder's lock as the transient commit lock a killed write leaves.
    const backend = createLocalBackend({}, { cwd: dir });
    const path = backend.files('default').lockInfo;
    const left = await readLockFile(path);
    if (!left?.info || !left.mark) throw new Error('the holder left no Tempeh lock file');
    await writeFile(path, formatLockFile({ ...held, Operation: 'tempeh:commit' }, { ...left.mark, transient: true }));
    await backend.putState('default', Buffer.from('after'));
    expect((await backend.getState('default'))?.data.toString()).toBe('after');
    expect(await backend.getLock('default')).toBeUndefined();
  });
});
