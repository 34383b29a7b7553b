import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { MAIN_FIXTURE, errorCode, tempDir, tempeh, type RunResult } from './helpers/cli.js';
import { describeWithPostgres } from './helpers/pg-server.js';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The fixture with another serial, so that a push of it is a new version. */
async function fixtureWithSerial(dir: string, serial: number): Promise<{ file: string; bytes: Buffer }> {
  const text = (await readFile(MAIN_FIXTURE, 'utf8')).replace(/"serial": \d+/, `"serial": ${serial}`);
  const file = path.join(dir, `serial-${serial}.tfstate`);
  await writeFile(file, text);
  return { file, bytes: Buffer.from(text) };
}

describeWithPostgres('cli pg backend', (db) => {
  /** Nothing tempeh prints, on either stream, may contain the password. */
  function expectNoPassword(result: RunResult): void {
    const password = db.password();
    if (password === '') return;
    expect(result.out).not.toContain(password);
    expect(result.stderr).not.toContain(password);
    expect(result.stderr).not.toContain(encodeURIComponent(password));
  }

  async function run(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string | Buffer }): Promise<RunResult> {
    const result = await tempeh(args, options);
    expectNoPassword(result);
    return result;
  }

  it('push, pull, list and status through --backend postgres://…, the password never printed', async () => {
    const dir = await tempDir();
    const backend = ['--backend', db.url({ schema: db.freshSchema() })];
    expect((await run([...backend, 'init'], { cwd: dir })).code).toBe(0);
    const push = await run([...backend, 'push', MAIN_FIXTURE], { cwd: dir });
    expect(push.code).toBe(0);
    expect(push.stderr).toContain('***');

    const pulled = await run([...backend, 'pull'], { cwd: dir });
    expect(pulled.code).toBe(0);
    expect(pulled.stdout.equals(await readFile(MAIN_FIXTURE))).toBe(true);

    const list = await run([...backend, 'list'], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.out).toContain('terraform_data.network\n');

    const status = await run([...backend, 'status', '--json'], { cwd: dir });
    expect(status.code).toBe(0);
    const env = JSON.parse(status.out).environments[0];
    expect(env).toMatchObject({ backend: 'postgres', reachable: true });
    expect(env.workspaces[0]).toMatchObject({ name: 'default', serial: 30, lock: null });
    expectNoPassword(await run([...backend, 'status'], { cwd: dir }));

    const workspaces = await run([...backend, '--workspace', 'staging', 'push', MAIN_FIXTURE], { cwd: dir });
    expect(workspaces.code).toBe(0);
    expect(JSON.parse((await run([...backend, 'workspace', 'list', '--json'], { cwd: dir })).out).workspaces).toEqual(['default', 'staging']);
  });

  it('takes the password from PGPASSWORD when the URL has none', async () => {
    const dir = await tempDir();
    const backend = ['--backend', db.urlWithoutPassword({ schema: db.freshSchema() })];
    const env = { PGPASSWORD: db.password() };
    expect((await run([...backend, 'init'], { cwd: dir, env })).code).toBe(0);
    expect((await run([...backend, 'push', MAIN_FIXTURE], { cwd: dir, env })).code).toBe(0);
    const pulled = await run([...backend, 'pull'], { cwd: dir, env });
    expect(pulled.stdout.equals(await readFile(MAIN_FIXTURE))).toBe(true);
  });

  it('a wrong password is TEMPEH_E_CONNECTION, and neither password is printed (also with --json)', async () => {
    const dir = await tempDir();
    const wrong = `wrong-${db.password()}-x`;
    const url = new URL(db.url({ schema: db.freshSchema() }));
    url.password = encodeURIComponent(wrong);
    for (const json of [[], ['--json']]) {
      const result = await run(['--backend', url.href, ...json, 'list'], { cwd: dir });
      expect(result.code).toBe(1);
      if (json.length === 0) expect(errorCode(result.stderr)).toBe('TEMPEH_E_CONNECTION');
      else expect(JSON.parse(result.stderr).error.code).toBe('TEMPEH_E_CONNECTION');
      expect(result.stderr).not.toContain(wrong);
      expect(result.stderr).not.toContain(encodeURIComponent(wrong));
    }
    const status = await run(['--backend', url.href, 'status'], { cwd: dir });
    expect(status.code).toBe(1);
    expect(status.out).toContain('UNREACHABLE (TEMPEH_E_CONNECTION)');
    expect(status.out + status.stderr).not.toContain(wrong);
  });

  it('a bad URL parameter is TEMPEH_E_CONFIG naming the field, not the URL', async () => {
    const dir = await tempDir();
    const result = await run(['--backend', db.url({ compat: 'kolumn' }), 'list'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_CONFIG');
    expect(result.stderr).toContain('compat');
  });

  it('a config-file environment of type postgres, password from PGPASSWORD', async () => {
    const dir = await tempDir();
    const schema = db.freshSchema();
    const config = {
      defaultEnvironment: 'prod',
      environments: {
        prod: {
          backend: { type: 'postgres', config: { host: db.host(), port: db.port(), database: db.name(), username: db.user(), ssl_mode: 'disable', schema } },
          workspace: 'blue',
        },
        local: { backend: { type: 'local', config: {} } },
      },
    };
    await writeFile(path.join(dir, 'tempeh.config.json'), JSON.stringify(config));
    const env = { PGPASSWORD: db.password() };
    expect((await run(['init'], { cwd: dir, env })).code).toBe(0);
    expect((await run(['push', MAIN_FIXTURE], { cwd: dir, env })).code).toBe(0);
    const status = await run(['status', '--json'], { cwd: dir, env });
    const prod = JSON.parse(status.out).environments.find((e: { name: string }) => e.name === 'prod');
    expect(prod).toMatchObject({ backend: 'postgres', reachable: true, isDefault: true });
    expect(prod.workspaces.map((w: { name: string }) => w.name)).toEqual(['default', 'blue']);
    const pulled = await run(['pull'], { cwd: dir, env });
    expect(pulled.stdout.equals(await readFile(MAIN_FIXTURE))).toBe(true);

    // A bad field is listed with its path; the password in the file is not quoted back.
    const secret = `${db.password()}-in-the-file`;
    const bad = { environments: { prod: { backend: { type: 'postgres', config: { database: db.name(), password: secret, port: 'x', sslmode: 'off' } } } } };
    await writeFile(path.join(dir, 'tempeh.config.json'), JSON.stringify(bad));
    const refused = await run(['list'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(errorCode(refused.stderr)).toBe('TEMPEH_E_CONFIG');
    expect(refused.stderr).toContain('environments.prod.backend.config.port');
    expect(refused.stderr).not.toContain(secret);
  });

  it('versions lists every push, pull --version N prints that version exactly, prune keeps the last N', async () => {
    const dir = await tempDir();
    const backend = ['--backend', db.url({ schema: db.freshSchema() })];
    expect((await run([...backend, 'init'], { cwd: dir })).code).toBe(0);
    const pushed: Buffer[] = [];
    for (const serial of [40, 41, 42]) {
      const { file, bytes } = await fixtureWithSerial(dir, serial);
      expect((await run([...backend, 'push', file], { cwd: dir })).code).toBe(0);
      pushed.push(bytes);
    }

    const listed = await run([...backend, 'versions', '--json'], { cwd: dir });
    expect(listed.code).toBe(0);
    const { workspace, versions } = JSON.parse(listed.out);
    expect(workspace).toBe('default');
    expect(versions.map((v: { version: string }) => v.version)).toEqual(['3', '2', '1']);
    expect(versions.map((v: { serial: number }) => v.serial)).toEqual([42, 41, 40]);
    expect(versions.map((v: { current: boolean }) => v.current)).toEqual([true, false, false]);
    expect(versions[2]).toMatchObject({ lineage: 'ceff5ac0-09ad-9f76-9e5e-830893b906b5', sha256: sha256(pushed[0] ?? Buffer.alloc(0)), size: pushed[0]?.length });
    expect(Object.keys(versions[0])).toEqual(['version', 'serial', 'lineage', 'sha256', 'size', 'createdAt', 'who', 'current']);
    expect(versions[0].who).not.toBe('');

    const table = await run([...backend, 'versions'], { cwd: dir });
    expect(table.out.split('\n')[0]).toMatch(/VERSION\s+SERIAL\s+LINEAGE\s+SHA256\s+SIZE\s+CREATED\s+WHO/);
    expect(table.out).toContain(sha256(pushed[1] ?? Buffer.alloc(0)));

    for (const [index, version] of ['1', '2', '3'].entries()) {
      const pulled = await run([...backend, 'pull', '--version', version], { cwd: dir });
      expect(pulled.code).toBe(0);
      expect(pulled.stdout.equals(pushed[index] ?? Buffer.alloc(0))).toBe(true);
    }
    const missing = await run([...backend, 'pull', '--version', '9'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(errorCode(missing.stderr)).toBe('TEMPEH_E_NOT_FOUND');

    const pruned = await run([...backend, '--json', 'versions', 'prune', '--keep-last', '1'], { cwd: dir });
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.out)).toEqual({ workspace: 'default', removed: [1, 2] });
    const after = JSON.parse((await run([...backend, 'versions', '--json'], { cwd: dir })).out);
    expect(after.versions.map((v: { version: string }) => v.version)).toEqual(['3']);
    expect((await run([...backend, 'versions', 'prune', '--max-age', '30d'], { cwd: dir })).code).toBe(0);
    const usage = await run([...backend, 'versions', 'prune'], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(errorCode(usage.stderr)).toBe('TEMPEH_E_USAGE');
  });

  it('versions and pull --version on backends without history are TEMPEH_E_CAPABILITY (local; compat=terraform)', async () => {
    const dir = await tempDir();
    const local = await run(['--state', MAIN_FIXTURE, 'versions'], { cwd: dir });
    expect(local.code).toBe(1);
    expect(errorCode(local.stderr)).toBe('TEMPEH_E_CAPABILITY');
    expect(local.stderr).toContain('hint:');
    const localPull = await run(['--state', MAIN_FIXTURE, 'pull', '--version', '1'], { cwd: dir });
    expect(localPull.code).toBe(1);
    expect(errorCode(localPull.stderr)).toBe('TEMPEH_E_CAPABILITY');
    const localPrune = await run(['--state', MAIN_FIXTURE, 'versions', 'prune', '--keep-last', '1'], { cwd: dir });
    expect(errorCode(localPrune.stderr)).toBe('TEMPEH_E_CAPABILITY');

    const terraform = ['--backend', db.url({ compat: 'terraform', schema: db.freshSchema('tf') })];
    expect((await run([...terraform, 'init'], { cwd: dir })).code).toBe(0);
    const tf = await run([...terraform, 'versions'], { cwd: dir });
    expect(tf.code).toBe(1);
    expect(errorCode(tf.stderr)).toBe('TEMPEH_E_CAPABILITY');
  });

  it('tempeh --version still prints the version; pull --version with an id postgres does not have ("latest") is TEMPEH_E_NOT_FOUND', async () => {
    const dir = await tempDir();
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect((await run(['--version'], { cwd: dir })).out.trim()).toBe(manifest.version);
    const backend = ['--backend', db.url({ schema: db.freshSchema() })];
    expect((await run([...backend, 'init'], { cwd: dir })).code).toBe(0);
    const bad = await run([...backend, 'pull', '--version', 'latest'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(errorCode(bad.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });
});
