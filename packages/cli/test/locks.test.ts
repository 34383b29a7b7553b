import { spawn, spawnSync } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, MAIN_FIXTURE, cleanEnv, errorCode, skipWithoutScript, tempDir, tempeh } from './helpers/cli.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function dirWithState(): Promise<string> {
  const dir = await tempDir();
  await copyFile(MAIN_FIXTURE, path.join(dir, 'terraform.tfstate'));
  return dir;
}

async function takeLock(dir: string, ...extra: string[]): Promise<string> {
  const result = await tempeh(['lock', ...extra], { cwd: dir });
  expect(result.code).toBe(0);
  return result.out.trim();
}

describe('tempeh lock / unlock / force-unlock', () => {
  it('lock prints only the lock ID, and the lock outlives the process', async () => {
    const dir = await dirWithState();
    const result = await tempeh(['lock', '--reason', 'maintenance'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^[^\n]+\n$/);
    const id = result.out.trim();
    expect(id).toMatch(UUID);

    const again = await tempeh(['lock'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(errorCode(again.stderr)).toBe('TEMPEH_E_LOCKED');
    expect(again.stderr).toContain(id);

    const status = JSON.parse((await tempeh(['status', '--json'], { cwd: dir })).out);
    const lock = status.environments[0].workspaces[0].lock;
    expect(lock.info).toMatchObject({ ID: id, Operation: 'OperationTypeLock', Info: 'maintenance' });
  });

  it('a lock taken by `tempeh lock` is not stale once the command has exited', async () => {
    // `tempeh lock` exits at once by design: its lock has no holder process, so the
    // backend must not call it stale (which break_stale would then remove).
    const dir = await dirWithState();
    await takeLock(dir);
    const status = JSON.parse((await tempeh(['status', '--json'], { cwd: dir })).out);
    expect(status.environments[0].workspaces[0].lock.stale).toBe(false);
  });

  it('lock --json prints the LockInfo', async () => {
    const dir = await dirWithState();
    const result = await tempeh(['lock', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    const info = JSON.parse(result.out);
    expect(Object.keys(info)).toEqual(['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path']);
    expect(info.ID).toMatch(UUID);
  });

  it('unlock releases only with the right ID', async () => {
    const dir = await dirWithState();
    const id = await takeLock(dir);
    const wrong = await tempeh(['unlock', '00000000-0000-0000-0000-000000000000'], { cwd: dir });
    expect(wrong.code).toBe(1);
    expect(errorCode(wrong.stderr)).toBe('TEMPEH_E_LOCK_MISMATCH');
    expect((await tempeh(['unlock', id], { cwd: dir })).code).toBe(0);
    const twice = await tempeh(['unlock', id], { cwd: dir });
    expect(twice.code).toBe(1);
    expect(errorCode(twice.stderr)).toBe('TEMPEH_E_NOT_LOCKED');
    await takeLock(dir);
  });

  it('force-unlock breaks a lock without asking when stdin is not a terminal', async () => {
    const dir = await dirWithState();
    const id = await takeLock(dir);
    const result = await tempeh(['force-unlock', id], { cwd: dir });
    expect(result.code).toBe(0);
    await takeLock(dir);
  });

  it.skipIf(skipWithoutScript)(
    'force-unlock asks on a terminal and breaks the lock only on "yes" (needs util-linux `script`)',
    async () => {
      const dir = await dirWithState();
      const id = await takeLock(dir);
      const onTerminal = (answer: string): number | null =>
        spawnSync('script', ['-qec', `'${process.execPath}' '${CLI_BIN}' force-unlock ${id}`, '/dev/null'], {
          cwd: dir,
          env: cleanEnv(),
          input: `${answer}\n`,
        }).status;
      expect(onTerminal('no')).toBe(1);
      expect((await tempeh(['lock'], { cwd: dir })).code).toBe(1);
      expect(onTerminal('yes')).toBe(0);
      await takeLock(dir);
    },
  );

  it('force-unlock -f with a wrong ID changes nothing', async () => {
    const dir = await dirWithState();
    await takeLock(dir);
    const result = await tempeh(['force-unlock', '-f', '00000000-0000-0000-0000-000000000000'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBeDefined();
    expect((await tempeh(['lock'], { cwd: dir })).code).toBe(1);
  });

  it('a held lock blocks push, and --lock-id lets its holder pull, show and push', async () => {
    const dir = await dirWithState();
    const id = await takeLock(dir);
    const next = JSON.parse(await readFile(MAIN_FIXTURE, 'utf8'));
    next.serial += 1;
    const input = JSON.stringify(next);

    const blocked = await tempeh(['push', '-'], { cwd: dir, input });
    expect(blocked.code).toBe(1);
    expect(errorCode(blocked.stderr)).toBe('TEMPEH_E_LOCKED');

    const wrongId = await tempeh(['pull', '--lock-id', '00000000-0000-0000-0000-000000000000'], { cwd: dir });
    expect(errorCode(wrongId.stderr)).toBe('TEMPEH_E_LOCK_MISMATCH');
    expect(wrongId.out).toBe('');

    const pulled = await tempeh(['pull', '--lock-id', id], { cwd: dir });
    expect(pulled.code).toBe(0);
    expect(pulled.stdout.equals(await readFile(MAIN_FIXTURE))).toBe(true);
    expect((await tempeh(['show', '--lock-id', id, 'terraform_data.trigger'], { cwd: dir })).code).toBe(0);

    const pushed = await tempeh(['push', '-', '--lock-id', id], { cwd: dir, input });
    expect(pushed.code).toBe(0);
    const viaVariable = await tempeh(['push', '-'], { cwd: dir, input, env: { TEMPEH_LOCK_ID: id } });
    expect(viaVariable.code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'terraform.tfstate'), 'utf8')).serial).toBe(next.serial);
  });

  it('--lock-id on an unlocked state is TEMPEH_E_NOT_LOCKED', async () => {
    const dir = await dirWithState();
    const result = await tempeh(['pull', '--lock-id', '00000000-0000-0000-0000-000000000000'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_NOT_LOCKED');
  });
});

describe('tempeh exec', () => {
  const printEnv =
    "process.stdout.write(JSON.stringify({ id: process.env.TEMPEH_LOCK_ID, ws: process.env.TEMPEH_WORKSPACE, state: process.env.TEMPEH_STATE }))";

  it('runs the command under the lock, passes the lock and target on, and releases it', async () => {
    const dir = await dirWithState();
    const result = await tempeh(['--state', 'terraform.tfstate', 'exec', '--', process.execPath, '-e', printEnv], { cwd: dir });
    expect(result.code).toBe(0);
    const seen = JSON.parse(result.out);
    expect(seen.id).toMatch(UUID);
    expect(seen.ws).toBe('default');
    expect(seen.state).toBe(path.join(dir, 'terraform.tfstate'));
    await takeLock(dir);
  });

  it('exits with the command’s exit code and still releases the lock', async () => {
    const dir = await dirWithState();
    const result = await tempeh(['exec', '--', process.execPath, '-e', 'process.exit(3)'], { cwd: dir });
    expect(result.code).toBe(3);
    await takeLock(dir);
  });

  it('exits 128+n when the command is killed by signal n', async () => {
    const dir = await dirWithState();
    const result = await tempeh(['exec', '--', process.execPath, '-e', "process.kill(process.pid, 'SIGKILL')"], { cwd: dir });
    expect(result.code).toBe(128 + 9);
    await takeLock(dir);
  });

  it('does not run the command while someone else holds the lock', async () => {
    const dir = await dirWithState();
    const id = await takeLock(dir);
    const result = await tempeh(['exec', '--lock-timeout', '0s', '--', process.execPath, '-e', "console.log('ran')"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_LOCKED');
    expect(result.out).toBe('');
    expect((await tempeh(['unlock', id], { cwd: dir })).code).toBe(0);
  });

  it('waits for the lock up to --lock-timeout', async () => {
    const dir = await dirWithState();
    const id = await takeLock(dir);
    const waiting = tempeh(['exec', '--lock-timeout', '60s', '--', process.execPath, '-e', "console.log('ran')"], { cwd: dir });
    expect((await tempeh(['unlock', id], { cwd: dir })).code).toBe(0);
    const result = await waiting;
    expect(result.code).toBe(0);
    expect(result.out).toBe('ran\n');
  });

  it('forwards SIGTERM to the command, then releases the lock and exits with its code', async () => {
    const dir = await dirWithState();
    const script = "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(7); }); console.log('ready'); setInterval(() => {}, 1000);";
    const child = spawn(process.execPath, [CLI_BIN, 'exec', '--', process.execPath, '-e', script], { cwd: dir, env: cleanEnv(), stdio: 'pipe' });
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready')) resolve();
      });
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(out).toContain('got SIGTERM');
    expect(code).toBe(7);
    await takeLock(dir);
  });

  it('exits 127 when the command does not exist, and releases the lock', async () => {
    const dir = await dirWithState();
    const result = await tempeh(['exec', '--', 'tempeh-no-such-command-xyz'], { cwd: dir });
    expect(result.code).toBe(127);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_NOT_FOUND');
    await takeLock(dir);
  });

  it('rejects a malformed --lock-timeout as a usage error (exit 2)', async () => {
    const dir = await dirWithState();
    const result = await tempeh(['exec', '--lock-timeout', 'soon', '--', 'true'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_USAGE');
  });
});
