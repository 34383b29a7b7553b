import { spawnSync } from 'node:child_process';
import { copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN_FIXTURE, errorCode, hasTerraform, tempDir, tempeh } from './helpers/cli.js';

const fixtureText = await readFile(MAIN_FIXTURE, 'utf8');
const fixture = JSON.parse(fixtureText);

/** The fixture with serial+1 and one output changed: what a successful apply would leave. */
function nextState(): string {
  const next = structuredClone(fixture);
  next.serial += 1;
  next.outputs.network_cidr.value = '10.1.0.0/16';
  return `${JSON.stringify(next, null, 2)}\n`;
}

/** The state text with check_results in a fixed order (terraform writes them in random order). */
function withSortedChecks(text: string): string {
  const state = JSON.parse(text);
  const key = (c: { object_kind: string; config_addr: string }): string => `${c.object_kind} ${c.config_addr}`;
  state.check_results?.sort((a: { object_kind: string; config_addr: string }, b: { object_kind: string; config_addr: string }) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0,
  );
  return `${JSON.stringify(state, null, 2)}\n`;
}

async function dirWithState(): Promise<{ dir: string; file: string }> {
  const dir = await tempDir();
  const file = path.join(dir, 'terraform.tfstate');
  await copyFile(MAIN_FIXTURE, file);
  return { dir, file };
}

describe('tempeh push', () => {
  it('stores a newer state of the same lineage, which reads back with the change', async () => {
    const { dir, file } = await dirWithState();
    await writeFile(path.join(dir, 'next.tfstate'), nextState());
    const result = await tempeh(['push', 'next.tfstate'], { cwd: dir });
    expect(result.stderr).not.toMatch(/^error/m);
    expect(result.code).toBe(0);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(stored.serial).toBe(fixture.serial + 1);
    expect(stored.outputs.network_cidr.value).toBe('10.1.0.0/16');
    const list = await tempeh(['list'], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.out.split('\n').filter(Boolean)).toHaveLength(21);
  });

  it.skipIf(!hasTerraform)('writes a state Terraform reads (needs terraform on PATH)', async () => {
    const { dir, file } = await dirWithState();
    const result = await tempeh(['push', '-'], { cwd: dir, input: nextState() });
    expect(result.code).toBe(0);
    const list = spawnSync('terraform', ['state', 'list'], { cwd: dir, encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toBe((await tempeh(['list'], { cwd: dir })).out);
    const pull = spawnSync('terraform', ['state', 'pull'], { cwd: dir });
    expect(pull.status).toBe(0);
    // Terraform re-serialises what it read and prints it with one more newline (as it does for its own
    // files). It writes check_results in map order, which Go randomises, so those entries are compared
    // as a set; everything else, and the total length, must match byte for byte.
    const written = await readFile(file);
    expect(pull.stdout.length).toBe(written.length + 1);
    expect(withSortedChecks(pull.stdout.toString('utf8'))).toBe(withSortedChecks(`${written.toString('utf8')}\n`));
  });

  it('creates the state when there is none yet', async () => {
    const dir = await tempDir();
    const result = await tempeh(['push', MAIN_FIXTURE], { cwd: dir });
    expect(result.code).toBe(0);
    expect(await readFile(path.join(dir, 'terraform.tfstate'), 'utf8')).toBe(fixtureText);
  });

  it("refuses an older serial or another lineage (TEMPEH_E_CONFLICT) unless --force", async () => {
    const { dir, file } = await dirWithState();
    const older = { ...fixture, serial: fixture.serial - 1, outputs: { ...fixture.outputs, extra: { value: 'x', type: 'string' } } };
    await writeFile(path.join(dir, 'older.tfstate'), JSON.stringify(older));
    const refused = await tempeh(['push', 'older.tfstate'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(errorCode(refused.stderr)).toBe('TEMPEH_E_CONFLICT');
    expect(await readFile(file, 'utf8')).toBe(fixtureText);

    const stranger = { ...fixture, lineage: '00000000-1111-2222-3333-444444444444', serial: fixture.serial + 5 };
    await writeFile(path.join(dir, 'stranger.tfstate'), JSON.stringify(stranger));
    const lineage = await tempeh(['push', 'stranger.tfstate'], { cwd: dir });
    expect(errorCode(lineage.stderr)).toBe('TEMPEH_E_CONFLICT');
    expect(await readFile(file, 'utf8')).toBe(fixtureText);

    const forced = await tempeh(['push', '--force', 'older.tfstate'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8')).serial).toBe(fixture.serial - 1);
  });

  it('treats the same serial and content as a no-op', async () => {
    const { dir, file } = await dirWithState();
    const result = await tempeh(['push', MAIN_FIXTURE], { cwd: dir });
    expect(result.code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(fixtureText);
  });

  it('is TEMPEH_E_NOT_FOUND for a file that does not exist', async () => {
    const { dir } = await dirWithState();
    const result = await tempeh(['push', 'nope.tfstate'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });
});

/** Input that is not a state Tempeh accepts, and the code it must be refused with. */
const badInputs: { name: string; bytes: () => Buffer; code: string }[] = [
  { name: 'an empty file', bytes: () => Buffer.alloc(0), code: 'TEMPEH_E_INVALID_STATE' },
  { name: 'truncated JSON', bytes: () => Buffer.from(fixtureText.slice(0, fixtureText.length / 2)), code: 'TEMPEH_E_INVALID_STATE' },
  {
    name: 'binary garbage',
    bytes: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256)),
    code: 'TEMPEH_E_INVALID_STATE',
  },
  { name: 'a top-level array', bytes: () => Buffer.from(`[${fixtureText}]`), code: 'TEMPEH_E_INVALID_STATE' },
  { name: 'version 5', bytes: () => Buffer.from(fixtureText.replace('"version": 4', '"version": 5')), code: 'TEMPEH_E_STATE_VERSION' },
  {
    name: 'a lineage that is not a UUID',
    bytes: () => Buffer.from(fixtureText.replace(fixture.lineage, 'not-a-uuid')),
    code: 'TEMPEH_E_INVALID_STATE',
  },
  {
    name: 'a negative serial',
    bytes: () => Buffer.from(fixtureText.replace(`"serial": ${fixture.serial}`, '"serial": -1')),
    code: 'TEMPEH_E_INVALID_STATE',
  },
  {
    name: '10,000-deep nesting',
    bytes: () =>
      Buffer.from(fixtureText.replace('"outputs": {', `"outputs": {"deep": {"value": ${'['.repeat(10_000)}${']'.repeat(10_000)}, "type": "dynamic"},`)),
    code: 'TEMPEH_E_INVALID_STATE',
  },
];

describe('tempeh push refuses bad input and writes nothing', () => {
  it.each(badInputs)('$name → $code', async ({ bytes, code }) => {
    const { dir, file } = await dirWithState();
    const before = await readdir(dir);
    await writeFile(path.join(dir, 'bad.tfstate'), bytes());
    for (const args of [['push', 'bad.tfstate'], ['push', '--force', 'bad.tfstate']]) {
      const result = await tempeh(args, { cwd: dir });
      expect(result.code).toBe(1);
      expect(errorCode(result.stderr)).toBe(code);
    }
    const viaStdin = await tempeh(['push', '-'], { cwd: dir, input: bytes() });
    expect(errorCode(viaStdin.stderr)).toBe(code);
    expect(await readFile(file, 'utf8')).toBe(fixtureText);
    expect((await readdir(dir)).sort()).toEqual([...before, 'bad.tfstate'].sort());
  });

  it('refuses the workspace ../../etc (TEMPEH_E_INVALID_WORKSPACE) before touching anything', async () => {
    const { dir, file } = await dirWithState();
    const before = await readdir(dir, { recursive: true });
    const result = await tempeh(['--workspace', '../../etc', 'push', 'x'], { cwd: dir, input: fixtureText });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_INVALID_WORKSPACE');
    const viaVariable = await tempeh(['push', '-'], { cwd: dir, input: fixtureText, env: { TEMPEH_WORKSPACE: '../../etc' } });
    expect(errorCode(viaVariable.stderr)).toBe('TEMPEH_E_INVALID_WORKSPACE');
    expect(await readFile(file, 'utf8')).toBe(fixtureText);
    expect(await readdir(dir, { recursive: true })).toEqual(before);
  });
});
