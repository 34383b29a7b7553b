import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, MAIN_FIXTURE, errorCode, tempDir, tempeh } from './helpers/cli.js';

const BACKUP = path.join(FIXTURES, 'terraform.tfstate.backup');
const STAGING = path.join(FIXTURES, 'terraform.tfstate.d/staging/terraform.tfstate');

/** The main fixture with one attribute of `terraform_data.network` changed, in Terraform's layout. */
async function changedCopy(dir: string, name = 'changed.tfstate'): Promise<string> {
  const text = await readFile(MAIN_FIXTURE, 'utf8');
  const changed = text.replace('"Name": "main-v2"', '"Name": "main-v3"');
  expect(changed).not.toBe(text);
  const file = path.join(dir, name);
  await writeFile(file, changed);
  return file;
}

/** A project with environments dev and prod on local backends holding the main fixture; prod also has workspace `blue`. */
async function project(): Promise<string> {
  const dir = await tempDir();
  const config = {
    defaultEnvironment: 'dev',
    environments: {
      dev: { backend: { type: 'local', config: { path: 'states/dev/terraform.tfstate' } } },
      prod: { backend: { type: 'local', config: { path: 'states/prod/terraform.tfstate', workspace_dir: 'states/prod/ws' } } },
    },
  };
  await writeFile(path.join(dir, 'tempeh.config.json'), JSON.stringify(config, null, 2));
  await mkdir(path.join(dir, 'states/dev'), { recursive: true });
  await mkdir(path.join(dir, 'states/prod/ws/blue'), { recursive: true });
  await copyFile(MAIN_FIXTURE, path.join(dir, 'states/dev/terraform.tfstate'));
  await copyFile(MAIN_FIXTURE, path.join(dir, 'states/prod/terraform.tfstate'));
  await changedCopy(path.join(dir, 'states/prod/ws/blue'), 'terraform.tfstate');
  return dir;
}

describe('tempeh diff FILE FILE', () => {
  it('prints the changes for people, with the serial change first and sensitive values masked', async () => {
    const result = await tempeh(['diff', BACKUP, MAIN_FIXTURE], { cwd: await tempDir() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe('serial: 21 → 30');
    expect(lines).toContain('~ terraform_data.network');
    expect(lines).toContain('    input.value.tags.Name: "main-v1" → "main-v2"');
    expect(lines).toContain('~ db_password: (sensitive) → (sensitive)');
    expect(result.out).not.toContain('s3cr3t');
  });

  it('--show-sensitive shows the values', async () => {
    const result = await tempeh(['diff', '--show-sensitive', BACKUP, MAIN_FIXTURE], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    expect(result.out).toContain('~ db_password: "s3cr3t-v1" → "s3cr3t-v2"');
  });

  it('--json prints one JSON object with the header, instances and outputs', async () => {
    const result = await tempeh(['--json', 'diff', MAIN_FIXTURE, path.join(FIXTURES, 'edge/tainted.tfstate')], { cwd: await tempDir() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const diff: unknown = JSON.parse(result.out);
    expect(diff).toEqual({
      header: {
        before: { lineage: 'ceff5ac0-09ad-9f76-9e5e-830893b906b5', serial: 30, terraform_version: '1.11.4' },
        after: { lineage: 'ceff5ac0-09ad-9f76-9e5e-830893b906b5', serial: 31, terraform_version: '1.11.4' },
      },
      added: [],
      removed: [],
      changed: [{ address: 'module.app_blue.terraform_data.member[1]', changes: [{ field: 'status', path: [], text: 'status', kind: 'added', after: 'tainted' }] }],
      outputs: [],
    });
  });

  it('--exit-code exits 3 when the states differ and 0 when they do not', async () => {
    const dir = await tempDir();
    const differ = await tempeh(['diff', '--exit-code', MAIN_FIXTURE, await changedCopy(dir)], { cwd: dir });
    expect(differ.code).toBe(3);
    expect(differ.stderr).toBe('');
    expect(differ.out).toContain('~ terraform_data.network');
    const same = await tempeh(['diff', '--exit-code', MAIN_FIXTURE, MAIN_FIXTURE], { cwd: dir });
    expect(same.code).toBe(0);
    expect(same.out).toBe('No differences.\n');
    // Without --exit-code, differences are no failure.
    expect((await tempeh(['diff', MAIN_FIXTURE, await changedCopy(dir, 'again.tfstate')], { cwd: dir })).code).toBe(0);
  });

  it('--help documents the operands and the exit codes', async () => {
    const result = await tempeh(['diff', '--help'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    for (const text of ['workspace:NAME', 'env:ENV[:WORKSPACE]', '--exit-code', '--show-sensitive', 'Exit codes:', '3 the states differ']) expect(result.out).toContain(text);
  });
});

describe('tempeh diff with workspace: and env: operands', () => {
  it('workspace:NAME reads a workspace of the selected backend', async () => {
    const dir = await tempDir();
    await copyFile(MAIN_FIXTURE, path.join(dir, 'terraform.tfstate'));
    await mkdir(path.join(dir, 'terraform.tfstate.d/staging'), { recursive: true });
    await copyFile(STAGING, path.join(dir, 'terraform.tfstate.d/staging/terraform.tfstate'));
    const result = await tempeh(['diff', 'workspace:default', 'workspace:staging'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toMatch(/^lineage: ceff5ac0-09ad-9f76-9e5e-830893b906b5 → \S+ \(another lineage/);
    expect(result.out).toContain('    input.value.tags.Name: "main-v2" → "main-stg2"');
    // A workspace against a file: the same state twice.
    const same = await tempeh(['diff', '--exit-code', 'workspace:default', MAIN_FIXTURE], { cwd: dir });
    expect(same.code).toBe(0);
  });

  it('env:ENV and env:ENV:WORKSPACE read other environments of the config file', async () => {
    const dir = await project();
    const same = await tempeh(['diff', '--exit-code', 'env:dev', 'env:prod'], { cwd: dir });
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    const differ = await tempeh(['--json', 'diff', '--exit-code', 'env:prod', 'env:prod:blue'], { cwd: dir });
    expect(differ.stderr).toBe('');
    expect(differ.code).toBe(3);
    const diff: unknown = JSON.parse(differ.out);
    expect(diff).toMatchObject({ changed: [{ address: 'terraform_data.network' }] });
    // workspace: uses the selected environment (--env), the default one without it.
    expect((await tempeh(['diff', '--exit-code', '--env', 'prod', 'workspace:blue', 'env:dev'], { cwd: dir })).code).toBe(3);
  });

  it('an environment the config does not define is TEMPEH_E_NOT_FOUND (exit 1)', async () => {
    const dir = await project();
    const result = await tempeh(['diff', 'env:nope', 'env:dev'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });
});

describe('tempeh diff errors', () => {
  it.each([['foo:bar'], ['workspace:'], ['env:'], ['env:dev:blue:x']])('the operand %s is a usage error (exit 2)', async (operand) => {
    const result = await tempeh(['diff', operand, MAIN_FIXTURE], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_USAGE');
    expect(result.out).toBe('');
  });

  it('a missing operand is a usage error (exit 2)', async () => {
    const result = await tempeh(['diff', MAIN_FIXTURE], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_USAGE');
  });

  it('a missing file is TEMPEH_E_NOT_FOUND (exit 1), also as JSON', async () => {
    const dir = await tempDir();
    const result = await tempeh(['diff', MAIN_FIXTURE, path.join(dir, 'none.tfstate')], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_NOT_FOUND');
    const json = await tempeh(['--json', 'diff', path.join(dir, 'none.tfstate'), MAIN_FIXTURE], { cwd: dir });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'TEMPEH_E_NOT_FOUND' } });
  });

  it('a file that is not a state is TEMPEH_E_INVALID_STATE (exit 1)', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'bad.tfstate'), '{"version": 4, "resources": [{"mode": "managed"}]}');
    const result = await tempeh(['diff', MAIN_FIXTURE, 'bad.tfstate'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_INVALID_STATE');
  });
});
