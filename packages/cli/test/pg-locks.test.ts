import { expect, it, onTestFinished } from 'vitest';
import { MAIN_FIXTURE, errorCode, hasTerraform, tempDir, tempeh } from './helpers/cli.js';
import { describeWithPostgres, killGroup, startTempeh, type RunningTempeh } from './helpers/pg-server.js';
import { terraformPgDir } from './helpers/terraform-pg.js';

/** What `tempeh exec` prints once it holds the lock. */
const LOCKED = 'locked workspace';

/**
 * The server notices a killed client's connection is gone a moment after the
 * kill (and only then releases its advisory locks): ask again until `accept`
 * takes the status, for up to 10 s.
 */
async function statusOnceSettled(url: string, cwd: string, accept: (lock: { stale: boolean } | null) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = JSON.parse((await tempeh(['--backend', url, 'status', '--json'], { cwd })).out);
    const lock = status.environments[0].workspaces[0].lock;
    if (accept(lock) || Date.now() > deadline) return lock;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describeWithPostgres('cli pg locks', (db) => {
  /** `tempeh exec -- sleep 600` on `url`, resolved once it holds the lock; killed (with its child) when the test ends. */
  async function execHolding(url: string, cwd: string): Promise<RunningTempeh> {
    const running = startTempeh(['--backend', url, 'exec', '--', 'sleep', '600'], { cwd });
    onTestFinished(() => killGroup(running));
    await running.waitForStderr(LOCKED);
    return running;
  }

  async function initialised(extra: Record<string, string> = {}): Promise<{ dir: string; url: string }> {
    const dir = await tempDir();
    const url = db.url({ schema: db.freshSchema(extra['compat'] === 'terraform' ? 'tf' : 's'), ...extra });
    expect((await tempeh(['--backend', url, 'init'], { cwd: dir })).code).toBe(0);
    expect((await tempeh(['--backend', url, 'push', MAIN_FIXTURE], { cwd: dir })).code).toBe(0);
    return { dir, url };
  }

  it('tempeh exec holds the lock: a second tempeh gets TEMPEH_E_LOCKED, status shows the holder, and it is released at the end', async () => {
    const { dir, url } = await initialised();
    const running = await execHolding(url, dir);

    const second = await tempeh(['--backend', url, 'push', '--force', MAIN_FIXTURE], { cwd: dir });
    expect(second.code).toBe(1);
    expect(errorCode(second.stderr)).toBe('TEMPEH_E_LOCKED');
    const lock = await tempeh(['--backend', url, 'lock'], { cwd: dir });
    expect(errorCode(lock.stderr)).toBe('TEMPEH_E_LOCKED');

    const status = JSON.parse((await tempeh(['--backend', url, 'status', '--json'], { cwd: dir })).out);
    expect(status.environments[0].workspaces[0].lock).toMatchObject({ info: { Operation: 'OperationTypeExec', Info: 'sleep 600' }, stale: false });

    // SIGTERM goes on to the child; exec then unlocks and exits with the child's code.
    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(128 + 15);
    const after = JSON.parse((await tempeh(['--backend', url, 'status', '--json'], { cwd: dir })).out);
    expect(after.environments[0].workspaces[0].lock).toBeNull();
  });

  it('a SIGKILLed tempeh exec leaves a lock that status shows as stale and force-unlock clears', async () => {
    const { dir, url } = await initialised();
    const running = await execHolding(url, dir);
    running.child.kill('SIGKILL');
    await running.exited;
    killGroup(running);

    const lock = await statusOnceSettled(url, dir, (l) => l?.stale === true);
    expect(lock.stale).toBe(true);
    expect(lock.detail).toEqual(expect.any(String));
    const text = await tempeh(['--backend', url, 'status'], { cwd: dir });
    expect(text.out).toContain(`id ${lock.info.ID}) [stale`);

    const refused = await tempeh(['--backend', url, '--json', 'lock'], { cwd: dir });
    expect(JSON.parse(refused.stderr).error).toMatchObject({ code: 'TEMPEH_E_LOCKED', stale: true });

    expect((await tempeh(['--backend', url, 'force-unlock', lock.info.ID], { cwd: dir })).code).toBe(0);
    const after = JSON.parse((await tempeh(['--backend', url, 'status', '--json'], { cwd: dir })).out);
    expect(after.environments[0].workspaces[0].lock).toBeNull();
  });

  it('tempeh lock takes a detached lock: it outlives the command without turning stale, until unlock', async () => {
    const { dir, url } = await initialised();
    const taken = await tempeh(['--backend', url, 'lock', '--reason', 'maintenance'], { cwd: dir });
    expect(taken.code).toBe(0);
    const id = taken.out.trim();
    const status = JSON.parse((await tempeh(['--backend', url, 'status', '--json'], { cwd: dir })).out);
    expect(status.environments[0].workspaces[0].lock).toMatchObject({ info: { ID: id, Info: 'maintenance' }, stale: false });
    const push = await tempeh(['--backend', url, 'push', '--force', MAIN_FIXTURE], { cwd: dir });
    expect(errorCode(push.stderr)).toBe('TEMPEH_E_LOCKED');
    expect((await tempeh(['--backend', url, 'push', '--force', '--lock-id', id, MAIN_FIXTURE], { cwd: dir })).code).toBe(0);
    expect((await tempeh(['--backend', url, 'unlock', id], { cwd: dir })).code).toBe(0);
  });

  it("on compat=terraform, tempeh lock is refused (a lock there ends with its session) and exec's lock is Terraform's", async () => {
    const { dir, url } = await initialised({ compat: 'terraform' });
    const detached = await tempeh(['--backend', url, 'lock'], { cwd: dir });
    expect(detached.code).toBe(1);
    expect(errorCode(detached.stderr)).toBe('TEMPEH_E_CAPABILITY');

    const running = await execHolding(url, dir);
    const second = await tempeh(['--backend', url, 'push', '--force', MAIN_FIXTURE], { cwd: dir });
    expect(errorCode(second.stderr)).toBe('TEMPEH_E_LOCKED');
    running.child.kill('SIGKILL');
    await running.exited;
    killGroup(running);
    // Terraform's locks end with their session: nothing stale is left to force-unlock.
    expect(await statusOnceSettled(url, dir, (l) => l === null)).toBeNull();
  });

  it.skipIf(!hasTerraform)(
    'while tempeh exec holds the lock on compat=terraform, terraform plan -lock-timeout=1s fails with a lock error (skipped without terraform)',
    async () => {
      const schema = db.freshSchema('tf');
      const dir = await tempDir();
      const url = db.url({ compat: 'terraform', schema });
      expect((await tempeh(['--backend', url, 'init'], { cwd: dir })).code).toBe(0);
      expect((await tempeh(['--backend', url, 'push', MAIN_FIXTURE], { cwd: dir })).code).toBe(0);
      const terraform = await terraformPgDir(db.url(), schema);

      const running = await execHolding(url, dir);
      const plan = await terraform(['plan', '-lock-timeout=1s', '-input=false', '-no-color']);
      expect(plan.code).toBe(1);
      expect(plan.stderr).toContain('Error acquiring the state lock');

      running.child.kill('SIGTERM');
      await running.exited;
      expect((await terraform(['plan', '-lock-timeout=1s', '-input=false', '-no-color'])).code).toBe(0);
    },
  );
});
