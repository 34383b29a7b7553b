import { copyFile, cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, MAIN_FIXTURE, REPO_ROOT, errorCode, exists, tempDir, tempeh } from './helpers/cli.js';

/**
 * Every fixture state for which Terraform's own `terraform state list` output
 * is stored: fixtures/terraform/terraform.tfstate, each
 * fixtures/odd-keys/<dir>/terraform.tfstate with a state-list.txt beside it, and
 * each fixtures/terraform/<file> with a list in fixtures/odd-keys/expected/<file>.txt.
 */
async function listFixtures(): Promise<{ name: string; state: string; expected: string }[]> {
  const found = [{ name: 'terraform', state: MAIN_FIXTURE, expected: path.join(FIXTURES, 'state-list.txt') }];
  const oddKeys = path.join(REPO_ROOT, 'fixtures/odd-keys');
  const entries = await readdir(oddKeys, { recursive: true });
  for (const entry of entries.sort()) {
    const expected = path.join(oddKeys, entry);
    if (entry.startsWith(`expected${path.sep}`) && entry.endsWith('.txt')) {
      const rel = entry.slice('expected/'.length, -'.txt'.length);
      const state = path.join(FIXTURES, rel);
      if (await exists(state)) found.push({ name: `terraform/${rel}`, state, expected });
    } else if (path.basename(entry) === 'state-list.txt') {
      const state = path.join(path.dirname(expected), 'terraform.tfstate');
      if (await exists(state)) found.push({ name: `odd-keys/${path.dirname(entry)}`, state, expected });
    }
  }
  return found;
}

// A hand-written state whose index keys are 1.7, -2.5 and 3e0. Terraform
// truncates them to [1], [-2] and [3]; Tempeh's state model refuses
// non-integer count keys instead, because reading one silently changes the
// address. Terraform never writes such a key.
const REFUSED = 'odd-keys/handmade/number-keys';

const fixtures = (await listFixtures()).filter((f) => f.name !== REFUSED);

describe('tempeh list', () => {
  it('refuses non-integer index keys with TEMPEH_E_INVALID_STATE (terraform truncates them)', async () => {
    const state = path.join(REPO_ROOT, 'fixtures', REFUSED, 'terraform.tfstate');
    const result = await tempeh(['--state', state, 'list'], { cwd: await tempDir() });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_INVALID_STATE');
  });

  it.each(fixtures)('prints exactly `terraform state list` for $name', async ({ state, expected }) => {
    const dir = await tempDir();
    const result = await tempeh(['--state', state, 'list'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toBe(await readFile(expected, 'utf8'));
  });

  it('reads ./terraform.tfstate in the working directory when nothing else is given', async () => {
    const dir = await tempDir();
    await copyFile(MAIN_FIXTURE, path.join(dir, 'terraform.tfstate'));
    const result = await tempeh(['list'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.out).toBe(await readFile(path.join(FIXTURES, 'state-list.txt'), 'utf8'));
  });

  it('prints a JSON array with --json', async () => {
    const result = await tempeh(['--state', MAIN_FIXTURE, 'list', '--json'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    const expected = (await readFile(path.join(FIXTURES, 'state-list.txt'), 'utf8')).split('\n').filter(Boolean);
    expect(JSON.parse(result.out)).toEqual(expected);
  });

  it('reports a missing state as TEMPEH_E_NOT_FOUND (exit 1)', async () => {
    const dir = await tempDir();
    const result = await tempeh(['list'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_NOT_FOUND');
    expect(result.stderr).toMatch(/^ {2}hint: /m);
  });
});

describe('tempeh pull', () => {
  it.each(['terraform.tfstate', 'edge/deposed.tfstate', 'generated/aws-6-services.tfstate'])(
    'writes %s to stdout byte for byte',
    async (name) => {
      const dir = await tempDir();
      const file = path.join(dir, 'terraform.tfstate');
      await copyFile(path.join(FIXTURES, name), file);
      const result = await tempeh(['pull'], { cwd: dir });
      expect(result.code).toBe(0);
      expect(result.stdout.equals(await readFile(file))).toBe(true);
    },
  );

  it('reads a workspace of the local layout', async () => {
    const dir = await tempDir();
    await cp(FIXTURES, dir, { recursive: true });
    const result = await tempeh(['--workspace', 'staging', 'pull'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout.equals(await readFile(path.join(FIXTURES, 'terraform.tfstate.d/staging/terraform.tfstate')))).toBe(true);
  });
});

describe('tempeh show', () => {
  it('prints the instance exactly as stored, big and exact-decimal numbers unchanged', async () => {
    const dir = await tempDir();
    const original = await readFile(MAIN_FIXTURE, 'utf8');
    // Numbers a JS double cannot carry: more digits than 2^53, and a trailing zero.
    const edited = original.replace('"size_gb": 10', '"size_gb": 123456789012345678901234567890.50');
    expect(edited).not.toBe(original);
    await writeFile(path.join(dir, 'terraform.tfstate'), edited);
    const result = await tempeh(['show', 'terraform_data.node[0]'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain('"size_gb": 123456789012345678901234567890.50');
    const view = JSON.parse(result.out);
    expect(view).toMatchObject({
      address: 'terraform_data.node[0]',
      mode: 'managed',
      type: 'terraform_data',
      name: 'node',
      provider: 'provider["terraform.io/builtin/terraform"]',
      index_key: 0,
      deposed: [],
    });
    expect(Object.keys(view)).toEqual(['address', 'mode', 'type', 'name', 'provider', 'index_key', 'instance', 'deposed']);
    const stored = JSON.parse(original).resources.find((r: { name: string }) => r.name === 'node').instances[0];
    expect(view.instance.attributes.id).toBe(stored.attributes.id);
    expect(Object.keys(view.instance)).toEqual(Object.keys(stored));
  });

  it('shows the module and for_each key, and the deposed objects', async () => {
    const dir = await tempDir();
    await copyFile(path.join(FIXTURES, 'edge/deposed.tfstate'), path.join(dir, 'terraform.tfstate'));
    const rotating = JSON.parse((await tempeh(['show', 'terraform_data.rotating'], { cwd: dir })).out);
    expect(rotating.deposed).toHaveLength(1);
    expect(rotating.deposed[0].deposed).toBe('7a01fb30');
    const keyed = await tempeh(['show', 'module.app_blue.terraform_data.by_key["x"]'], { cwd: dir });
    expect(keyed.code).toBe(0);
    expect(JSON.parse(keyed.out)).toMatchObject({ module: 'module.app_blue', index_key: 'x', address: 'module.app_blue.terraform_data.by_key["x"]' });
  });

  it('is TEMPEH_E_NOT_FOUND for an address not in the state, TEMPEH_E_INVALID_ADDRESS for one that does not parse', async () => {
    const dir = await tempDir();
    await copyFile(MAIN_FIXTURE, path.join(dir, 'terraform.tfstate'));
    const missing = await tempeh(['show', 'terraform_data.nope'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(errorCode(missing.stderr)).toBe('TEMPEH_E_NOT_FOUND');
    expect(missing.out).toBe('');
    const bad = await tempeh(['show', 'terraform_data.node[0'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(errorCode(bad.stderr)).toBe('TEMPEH_E_INVALID_ADDRESS');
  });
});
