import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAIN_FIXTURE, errorCode, tempDir, tempeh } from './helpers/cli.js';

const fixture = JSON.parse(await readFile(MAIN_FIXTURE, 'utf8'));

/** A project with dev/staging/production on local backends; states in dev and staging only. */
async function project(): Promise<string> {
  const dir = await tempDir();
  const config = {
    $schema: './node_modules/@tempeh/cli/schema/tempeh.config.schema.json',
    defaultEnvironment: 'dev',
    environments: {
      dev: { backend: { type: 'local', config: { path: 'states/dev/terraform.tfstate' } } },
      staging: { backend: { type: 'local', config: { path: 'states/staging/terraform.tfstate', workspace_dir: 'states/staging/ws' } } },
      production: { backend: { type: 'local', config: { path: 'states/prod/terraform.tfstate' } }, workspace: 'blue' },
    },
  };
  await writeFile(path.join(dir, 'tempeh.config.json'), JSON.stringify(config, null, 2));
  await mkdir(path.join(dir, 'states/dev'), { recursive: true });
  await mkdir(path.join(dir, 'states/staging'), { recursive: true });
  await copyFile(MAIN_FIXTURE, path.join(dir, 'states/dev/terraform.tfstate'));
  await copyFile(MAIN_FIXTURE, path.join(dir, 'states/staging/terraform.tfstate'));
  return dir;
}

describe('config file', () => {
  it('is found from a subdirectory, and relative paths resolve against its directory', async () => {
    const dir = await project();
    const sub = path.join(dir, 'deep/er');
    await mkdir(sub, { recursive: true });
    const result = await tempeh(['pull'], { cwd: sub });
    expect(result.code).toBe(0);
    expect(result.stdout.equals(await readFile(MAIN_FIXTURE))).toBe(true);
  });

  it('picks the environment by --env, then TEMPEH_ENV, then defaultEnvironment', async () => {
    const dir = await project();
    const next = { ...fixture, serial: fixture.serial + 1 };
    expect((await tempeh(['--env', 'staging', 'push', '-'], { cwd: dir, input: JSON.stringify(next) })).code).toBe(0);
    const serialOf = async (file: string): Promise<number> => JSON.parse(await readFile(path.join(dir, file), 'utf8')).serial;
    expect(await serialOf('states/staging/terraform.tfstate')).toBe(fixture.serial + 1);
    expect(await serialOf('states/dev/terraform.tfstate')).toBe(fixture.serial);

    const viaVariable = await tempeh(['pull'], { cwd: dir, env: { TEMPEH_ENV: 'staging' } });
    expect(JSON.parse(viaVariable.out).serial).toBe(fixture.serial + 1);
    const byDefault = await tempeh(['pull'], { cwd: dir });
    expect(JSON.parse(byDefault.out).serial).toBe(fixture.serial);
  });

  it('uses the environment’s workspace unless --workspace is given', async () => {
    const dir = await project();
    const pushed = await tempeh(['--env', 'production', 'push', MAIN_FIXTURE], { cwd: dir });
    expect(pushed.code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'terraform.tfstate.d/blue/terraform.tfstate'), 'utf8')).serial).toBe(fixture.serial);
    const other = await tempeh(['--env', 'production', '--workspace', 'default', 'list'], { cwd: dir });
    expect(errorCode(other.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });

  it('--state, --backend or --env each pick the target over the config; two of them are a usage error, and nothing is written', async () => {
    const dir = await project();
    const elsewhere = await tempDir();
    const file = path.join(elsewhere, 'terraform.tfstate');
    const changed = { ...fixture, serial: 99 };
    await writeFile(file, JSON.stringify(changed));
    const serialVia = async (args: string[]): Promise<number> => JSON.parse((await tempeh([...args, 'pull'], { cwd: dir })).out).serial;
    expect(await serialVia(['--state', file])).toBe(99);
    expect(await serialVia(['--backend', pathToFileURL(file).href])).toBe(99);
    expect(await serialVia(['--env', 'dev'])).toBe(fixture.serial);
    const next = JSON.stringify({ ...fixture, serial: 100 });
    for (const args of [
      ['--env', 'dev', '--state', file],
      ['--env', 'dev', '--backend', pathToFileURL(file).href],
      ['--backend', pathToFileURL(file).href, '--state', path.join(dir, 'states/dev/terraform.tfstate')],
    ]) {
      const result = await tempeh([...args, 'push', '-'], { cwd: dir, input: next });
      expect(result.code, args.join(' ')).toBe(2);
      expect(errorCode(result.stderr)).toBe('TEMPEH_E_USAGE');
      expect(result.stderr).toMatch(/each name the target; give only one/);
    }
    expect(JSON.parse(await readFile(file, 'utf8')).serial).toBe(99);
    expect(JSON.parse(await readFile(path.join(dir, 'states/dev/terraform.tfstate'), 'utf8')).serial).toBe(fixture.serial);
  });

  it('a flag overrides the variables: --state wins over TEMPEH_ENV, and TEMPEH_STATE ranks above TEMPEH_ENV', async () => {
    const dir = await project();
    const file = path.join(await tempDir(), 'terraform.tfstate');
    await writeFile(file, JSON.stringify({ ...fixture, serial: 99 }));
    const serialVia = async (args: string[], env: NodeJS.ProcessEnv): Promise<number> => JSON.parse((await tempeh([...args, 'pull'], { cwd: dir, env })).out).serial;
    expect(await serialVia(['--state', file], { TEMPEH_ENV: 'dev' })).toBe(99);
    expect(await serialVia(['--env', 'dev'], { TEMPEH_STATE: file })).toBe(fixture.serial);
    expect(await serialVia([], { TEMPEH_ENV: 'dev', TEMPEH_STATE: file })).toBe(99);
  });

  it('an unknown --env is TEMPEH_E_NOT_FOUND', async () => {
    const dir = await project();
    const result = await tempeh(['--env', 'qa', 'list'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });

  it('--config names the file; a missing one is TEMPEH_E_NOT_FOUND', async () => {
    const dir = await project();
    const elsewhere = await tempDir();
    const ok = await tempeh(['--config', path.join(dir, 'tempeh.config.json'), '--env', 'staging', 'list'], { cwd: elsewhere });
    expect(ok.code).toBe(0);
    const missing = await tempeh(['--config', 'nope.json', 'list'], { cwd: elsewhere });
    expect(missing.code).toBe(1);
    expect(errorCode(missing.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });
});

describe('tempeh status', () => {
  it('shows every environment with its workspaces, serial, lineage and resource count', async () => {
    const dir = await project();
    const lock = await tempeh(['--env', 'staging', 'lock', '--reason', 'release'], { cwd: dir });
    const json = await tempeh(['status', '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    const { environments } = JSON.parse(json.out);
    expect(environments.map((e: { name: string }) => e.name)).toEqual(['dev', 'staging', 'production']);
    const [dev, staging, production] = environments;
    expect(dev).toMatchObject({ reachable: true, isDefault: true, backend: 'local' });
    expect(dev.workspaces[0]).toMatchObject({
      name: 'default',
      hasState: true,
      serial: fixture.serial,
      lineage: fixture.lineage,
      resources: fixture.resources.length,
      instances: 21,
      lock: null,
    });
    expect(staging.workspaces[0].lock.info).toMatchObject({ ID: lock.out.trim(), Info: 'release' });
    expect(production.reachable).toBe(true);

    const human = await tempeh(['status'], { cwd: dir });
    expect(human.code).toBe(0);
    for (const name of ['environment dev', 'environment staging', 'environment production', fixture.lineage, lock.out.trim()]) {
      expect(human.out).toContain(name);
    }
  });

  it('reports an unreachable environment, still shows the others, and exits 1', async () => {
    const dir = await project();
    // A regular file where the workspace directory must be: the store cannot be listed.
    await writeFile(path.join(dir, 'blocker'), 'not a directory');
    const config = JSON.parse(await readFile(path.join(dir, 'tempeh.config.json'), 'utf8'));
    config.environments.production.backend.config = { path: 'blocker/terraform.tfstate', workspace_dir: 'blocker/ws' };
    await writeFile(path.join(dir, 'tempeh.config.json'), JSON.stringify(config));
    const result = await tempeh(['status', '--json'], { cwd: dir });
    expect(result.code).toBe(1);
    const { environments } = JSON.parse(result.out);
    expect(environments.map((e: { reachable: boolean }) => e.reachable)).toEqual([true, true, false]);
    expect(environments[2].error.code).toMatch(/^TEMPEH_E_/);
    const [firstLine = ''] = result.stderr.trim().split('\n');
    expect(JSON.parse(firstLine).error.code).toBe(environments[2].error.code);
  });

  it('shows the one target when --state is given', async () => {
    const dir = await project();
    const result = await tempeh(['--state', MAIN_FIXTURE, 'status', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    const { environments } = JSON.parse(result.out);
    expect(environments).toHaveLength(1);
    expect(environments[0]).toMatchObject({ name: null, reachable: true });
  });
});

describe('a bad config file', () => {
  it('lists every bad field (TEMPEH_E_CONFIG, exit 1)', async () => {
    const dir = await tempDir();
    const bad = {
      defaultEnvironment: 'qa',
      colour: 'blue',
      environments: {
        dev: { backend: { type: 'local', config: { backup_count: -1, pth: 'x' } } },
        staging: { backend: { type: 'nosuch', config: {} } },
        prod: { backend: { type: 'local', config: { permissions: 'rwx' } }, workspace: '../x' },
        qa2: { backend: { config: {} } },
      },
    };
    await writeFile(path.join(dir, 'tempeh.config.json'), JSON.stringify(bad));
    const result = await tempeh(['--json', 'list'], { cwd: dir });
    expect(result.code).toBe(1);
    const { error } = JSON.parse(result.stderr);
    expect(error.code).toBe('TEMPEH_E_CONFIG');
    const paths = error.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(
      [
        'colour',
        'defaultEnvironment',
        'environments.dev.backend.config.backup_count',
        'environments.dev.backend.config.pth',
        'environments.prod.backend.config.permissions',
        'environments.prod.workspace',
        'environments.qa2.backend.type',
        'environments.staging.backend.type',
      ].sort(),
    );
    const human = await tempeh(['status'], { cwd: dir });
    expect(errorCode(human.stderr)).toBe('TEMPEH_E_CONFIG');
    for (const p of paths) expect(human.stderr).toContain(p);
  });

  it('is TEMPEH_E_CONFIG when the file is not JSON', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'tempeh.config.json'), '{ "environments": ');
    const result = await tempeh(['list'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_CONFIG');
  });

  it('does not stand in the way of --state', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'tempeh.config.json'), '{}');
    const result = await tempeh(['--state', MAIN_FIXTURE, 'list'], { cwd: dir });
    expect(result.code).toBe(0);
  });
});
