import { spawn } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeLargeStateFile } from '@tempeh/core/testing';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, MAIN_FIXTURE, cleanEnv, exists, tempDir, tempeh } from './helpers/cli.js';

interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the CLI, waits until `ready()` holds, then sends `signals` to it, 300 ms apart. */
async function interrupt(args: readonly string[], cwd: string, ready: () => Promise<boolean>, signals: readonly NodeJS.Signals[]): Promise<Interrupted> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const closed = new Promise<Interrupted>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  for (let waited = 0; !(await ready()); waited += 10) {
    if (waited > 30_000) throw new Error(`not ready after 30 s; stderr: ${stderr}`);
    await sleep(10);
  }
  for (const [i, signal] of signals.entries()) {
    if (i > 0) await sleep(300);
    child.kill(signal);
  }
  return closed;
}

/** A directory with a stored state (the main fixture) and a 40 MB state to push over it. */
async function pushSetup(): Promise<{ dir: string; stored: string; lockInfo: string; large: string; before: Buffer }> {
  const dir = await tempDir();
  const stored = path.join(dir, 'terraform.tfstate');
  await copyFile(MAIN_FIXTURE, stored);
  const large = path.join(dir, 'large.tfstate');
  await writeLargeStateFile(large, 40 * 1024 * 1024, { seed: 11 });
  return { dir, stored, lockInfo: path.join(dir, '.terraform.tfstate.lock.info'), large, before: await readFile(stored) };
}

describe('Ctrl-C while tempeh holds a lock', () => {
  it('the first SIGINT lets the push finish, or stops it before the write, and always releases the lock; exit 130', async () => {
    const { dir, stored, lockInfo, large, before } = await pushSetup();
    const result = await interrupt(['--state', stored, 'push', '--force', large], dir, () => exists(lockInfo), ['SIGINT']);
    expect(result.code).toBe(130);
    expect(await exists(lockInfo)).toBe(false);
    const after = await readFile(stored);
    if (result.stderr.includes('SIGINT received: finishing the step in progress')) {
      // The lock was held: the write finished, whole.
      expect(result.stderr).toMatch(/then releasing the local lock on workspace 'default' \(ID [0-9a-f-]{36}\)/);
      expect(after.equals(await readFile(large))).toBe(true);
    } else {
      // The signal came while the lock was being taken: the lock obtained was released and nothing was written.
      expect(result.stderr).toContain('SIGINT received: stopping the attempt to take the lock');
      expect(result.stderr).toContain("error[TEMPEH_E_CANCELLED]: taking the lock on workspace 'default' after SIGINT was cancelled");
      expect(after.equals(before)).toBe(true);
    }
  }, 120_000);

  it('holding the lock (exec), the first SIGINT lets the step end, releases the lock, and exits 130', async () => {
    const { dir, stored, lockInfo } = await pushSetup();
    let seen = 0;
    // The child holds on for 3 s unless a signal ends it; exec forwards SIGINT to it.
    const script = "process.on('SIGINT', () => setTimeout(() => process.exit(0), 200)); setTimeout(() => {}, 3000);";
    const result = await interrupt(['--state', stored, 'exec', '--', process.execPath, '-e', script], dir, async () => (await exists(lockInfo)) && ++seen > 30, ['SIGINT']);
    expect(result.stderr).toMatch(/SIGINT received: finishing the step in progress so that nothing is half-written, then releasing the local lock on workspace 'default' \(ID [0-9a-f-]{36}\)/);
    expect(result.code).toBe(130);
    expect(await exists(lockInfo)).toBe(false);
  }, 120_000);

  it('migrate releases both locks after SIGINT; the target has the whole copy or nothing', async () => {
    const { dir, stored, large } = await pushSetup();
    await copyFile(large, stored);
    const to = path.join(dir, 'copy', 'terraform.tfstate');
    const targetLock = path.join(dir, 'copy', '.terraform.tfstate.lock.info');
    const result = await interrupt(['migrate', '--from', `file://${stored}`, '--to', `file://${to}`], dir, () => exists(targetLock), ['SIGINT']);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('SIGINT received');
    expect(await exists(targetLock)).toBe(false);
    expect(await exists(path.join(dir, '.terraform.tfstate.lock.info'))).toBe(false);
    if (await exists(to)) expect((await readFile(to)).equals(await readFile(large))).toBe(true);
  }, 120_000);

  it('while waiting for a lock another holds, SIGINT ends the wait at once; exit 130', async () => {
    const { dir, stored, lockInfo } = await pushSetup();
    const held = await tempeh(['--state', stored, 'lock', '--reason', 'held by the test'], { cwd: dir });
    expect(held.code).toBe(0);
    // About 3 s: long enough for tempeh to be waiting (there is nothing to see from outside while it waits).
    let asked = 0;
    const result = await interrupt(['--state', stored, 'exec', '--lock-timeout', '60s', '--', process.execPath, '-e', ''], dir, async () => ++asked > 300, ['SIGINT']);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("error[TEMPEH_E_CANCELLED]: taking the lock on workspace 'default' was cancelled");
    // The lock someone else holds is untouched.
    expect(await exists(lockInfo)).toBe(true);
    expect((await tempeh(['--state', stored, 'unlock', held.out.trim()], { cwd: dir })).code).toBe(0);
  }, 120_000);

  it('a second SIGINT stops at once, leaving the lock held, with the command that releases it', async () => {
    const { dir, stored, lockInfo, before } = await pushSetup();
    let seen = 0;
    // The child ignores SIGINT and holds on for 3 s.
    const script = "process.on('SIGINT', () => {}); setTimeout(() => {}, 3000);";
    const result = await interrupt(['--state', stored, 'exec', '--', process.execPath, '-e', script], dir, async () => (await exists(lockInfo)) && ++seen > 30, ['SIGINT', 'SIGINT']);
    expect(result.code).toBe(130);
    const id = /stays held \(`tempeh force-unlock ([0-9a-f-]{36})` releases it\)/.exec(result.stderr)?.[1];
    expect(id, result.stderr).toBeDefined();
    expect(await exists(lockInfo)).toBe(true);
    expect((await readFile(stored)).equals(before)).toBe(true);
    expect((await tempeh(['--state', stored, 'force-unlock', '-f', id!], { cwd: dir })).code).toBe(0);
  }, 120_000);

  it('with no lock held, a signal ends tempeh at once, as usual', async () => {
    const { dir, large } = await pushSetup();
    let started = false;
    const result = await interrupt(['validate', large], dir, async () => {
      // validate holds no lock: give it a moment to be under way.
      if (started) return true;
      started = true;
      await sleep(300);
      return false;
    }, ['SIGINT']);
    expect(result.signal).toBe('SIGINT');
    expect(result.stderr).toBe('');
  }, 120_000);
});
