import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { MAIN_FIXTURE, errorCode, hasTerraform, tempDir, tempeh, type RunResult } from './helpers/cli.js';
import { describeWithPostgres } from './helpers/pg-server.js';
import { terraformPgDir } from './helpers/terraform-pg.js';

describeWithPostgres('cli pg migrate', (db) => {
  async function run(args: string[], cwd: string): Promise<RunResult> {
    const result = await tempeh(args, { cwd });
    const password = db.password();
    if (password !== '') expect(result.out + result.stderr).not.toContain(password);
    return result;
  }

  async function migrate(cwd: string, ...args: string[]): Promise<{ sourceSha256: string; targetSha256: string; size: number; workspace: string }> {
    const result = await run(['--json', 'migrate', ...args], cwd);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.out);
  }

  it('terraform layout → Tempeh layout → back to a new terraform schema, with equal checksums all the way', async () => {
    const dir = await tempDir();
    const fixture = await readFile(MAIN_FIXTURE);
    const expected = createHash('sha256').update(fixture).digest('hex');
    const terraformSchema = db.freshSchema('tf');
    const terraform = db.url({ compat: 'terraform', schema: terraformSchema });
    const tempehLayout = db.url({ schema: db.freshSchema('tempeh') });
    const terraformAgain = db.url({ compat: 'terraform', schema: db.freshSchema('tf') });

    expect((await run(['--backend', terraform, 'init'], dir)).code).toBe(0);
    expect((await run(['--backend', terraform, '--workspace', 'prod', 'push', MAIN_FIXTURE], dir)).code).toBe(0);

    const there = await migrate(dir, '--workspace', 'prod', '--from', terraform, '--to', tempehLayout);
    expect(there).toMatchObject({ workspace: 'prod', sourceSha256: expected, targetSha256: expected, size: fixture.length });
    const back = await migrate(dir, '--workspace', 'prod', '--from', tempehLayout, '--to', terraformAgain);
    expect(back).toMatchObject({ sourceSha256: expected, targetSha256: expected });

    for (const url of [tempehLayout, terraformAgain]) {
      const pulled = await run(['--backend', url, '--workspace', 'prod', 'pull'], dir);
      expect(pulled.stdout.equals(fixture)).toBe(true);
    }
    // The Tempeh layout recorded the copy as its first version, with the same checksum.
    const versions = JSON.parse((await run(['--backend', tempehLayout, '--workspace', 'prod', 'versions', '--json'], dir)).out).versions;
    expect(versions).toMatchObject([{ version: '1', sha256: expected }]);

    // The human report names both checksums, and the URLs without the password.
    const text = await run(['--workspace', 'prod', 'migrate', '--from', tempehLayout, '--to', db.url({ schema: db.freshSchema('tempeh') })], dir);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`sha256 source  ${expected}`);
    expect(text.out).toContain(`sha256 target  ${expected}  (equal)`);
  });

  it.skipIf(!hasTerraform)('terraform reads the state migrated into its layout (skipped without terraform)', async () => {
    const dir = await tempDir();
    const source = db.url({ schema: db.freshSchema('tempeh') });
    const schema = db.freshSchema('tf');
    expect((await run(['--backend', source, 'init'], dir)).code).toBe(0);
    expect((await run(['--backend', source, 'push', MAIN_FIXTURE], dir)).code).toBe(0);
    await migrate(dir, '--from', source, '--to', db.url({ compat: 'terraform', schema }));
    const terraform = await terraformPgDir(db.url(), schema);
    const pulled = await terraform(['state', 'pull']);
    expect(pulled.code).toBe(0);
    const fixture = JSON.parse(await readFile(MAIN_FIXTURE, 'utf8'));
    expect(JSON.parse(pulled.stdout)).toMatchObject({ serial: fixture.serial, lineage: fixture.lineage });
  });

  it('refuses to overwrite a state the target has, unless --overwrite', async () => {
    const dir = await tempDir();
    const from = db.url({ schema: db.freshSchema() });
    const to = db.url({ compat: 'terraform', schema: db.freshSchema('tf') });
    expect((await run(['--backend', from, 'init'], dir)).code).toBe(0);
    expect((await run(['--backend', to, 'init'], dir)).code).toBe(0);
    const newer = (await readFile(MAIN_FIXTURE, 'utf8')).replace(/"serial": \d+/, '"serial": 99');
    await writeFile(path.join(dir, 'newer.tfstate'), newer);
    expect((await run(['--backend', from, 'push', path.join(dir, 'newer.tfstate')], dir)).code).toBe(0);
    expect((await run(['--backend', to, 'push', MAIN_FIXTURE], dir)).code).toBe(0);

    const refused = await run(['migrate', '--from', from, '--to', to], dir);
    expect(refused.code).toBe(1);
    expect(errorCode(refused.stderr)).toBe('TEMPEH_E_CONFLICT');
    expect(refused.stderr).toContain('--overwrite');
    expect((await run(['--backend', to, 'pull'], dir)).stdout.equals(await readFile(MAIN_FIXTURE))).toBe(true);

    await migrate(dir, '--from', from, '--to', to, '--overwrite');
    expect((await run(['--backend', to, 'pull'], dir)).out).toBe(newer);
  });

  it('works under both locks: a locked source or target is TEMPEH_E_LOCKED, and nothing is left locked after a copy', async () => {
    const dir = await tempDir();
    const from = db.url({ schema: db.freshSchema() });
    const to = db.url({ schema: db.freshSchema() });
    for (const url of [from, to]) expect((await run(['--backend', url, 'init'], dir)).code).toBe(0);
    expect((await run(['--backend', from, 'push', MAIN_FIXTURE], dir)).code).toBe(0);

    for (const locked of [from, to]) {
      const id = (await run(['--backend', locked, 'lock'], dir)).out.trim();
      const refused = await run(['migrate', '--from', from, '--to', to], dir);
      expect(refused.code).toBe(1);
      expect(errorCode(refused.stderr)).toBe('TEMPEH_E_LOCKED');
      expect(refused.stderr).toContain(id);
      expect((await run(['--backend', locked, 'unlock', id], dir)).code).toBe(0);
    }
    await migrate(dir, '--from', from, '--to', to);
    for (const url of [from, to]) {
      const status = JSON.parse((await run(['--backend', url, 'status', '--json'], dir)).out);
      expect(status.environments[0].workspaces[0].lock).toBeNull();
    }
  });

  it('takes environments of the config as --from/--to, and reports a missing source state and usage errors', async () => {
    const dir = await tempDir();
    const connection = { host: db.host(), port: db.port(), database: db.name(), username: db.user(), password: db.password(), ssl_mode: 'disable' };
    const config = {
      environments: {
        tf: { backend: { type: 'postgres', config: { ...connection, compat: 'terraform', schema: db.freshSchema('tf') } }, workspace: 'blue' },
        tempeh: { backend: { type: 'postgres', config: { ...connection, schema: db.freshSchema() } } },
        file: { backend: { type: 'local', config: { path: path.join(dir, 'copy.tfstate') } } },
      },
    };
    await writeFile(path.join(dir, 'tempeh.config.json'), JSON.stringify(config));
    expect((await run(['--env', 'tf', 'init'], dir)).code).toBe(0);

    const nothing = await run(['migrate', '--from', 'tf', '--to', 'tempeh'], dir);
    expect(nothing.code).toBe(1);
    expect(errorCode(nothing.stderr)).toBe('TEMPEH_E_NOT_FOUND');

    expect((await run(['--env', 'tf', 'push', MAIN_FIXTURE], dir)).code).toBe(0);
    // The source environment's workspace (blue) is the one copied, under the same name.
    expect(await migrate(dir, '--from', 'tf', '--to', 'tempeh')).toMatchObject({ workspace: 'blue' });
    const pulled = await run(['--env', 'tempeh', '--workspace', 'blue', 'pull'], dir);
    expect(pulled.stdout.equals(await readFile(MAIN_FIXTURE))).toBe(true);
    await migrate(dir, '--from', 'tempeh', '--to', 'file', '--workspace', 'blue');

    const unknown = await run(['migrate', '--from', 'nope', '--to', 'tempeh'], dir);
    expect(errorCode(unknown.stderr)).toBe('TEMPEH_E_NOT_FOUND');
    const same = await run(['migrate', '--from', 'tempeh', '--to', 'tempeh'], dir);
    expect(same.code).toBe(2);
    const missing = await run(['migrate', '--from', 'tf'], dir);
    expect(missing.code).toBe(2);
    expect(errorCode(missing.stderr)).toBe('TEMPEH_E_USAGE');
  });
});
