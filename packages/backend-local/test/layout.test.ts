import { spawnSync } from 'node:child_process';
import { readSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalBackend, localConfigFromUrl, parseLocalBackendConfig, type LocalBackend } from '../src/index.js';
import { FIXTURES, makeTempDir, modeOf, removeDir, snapshotTree } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const fixture = (name: string): Promise<Buffer> => readFile(join(FIXTURES, name));

describe("Terraform's layout", () => {
  it('puts the default workspace at path and workspace ws at workspace_dir/ws/terraform.tfstate', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    expect(backend.files('default')).toMatchObject({
      state: join(dir, 'terraform.tfstate'),
      backup: join(dir, 'terraform.tfstate.backup'),
      lockInfo: join(dir, '.terraform.tfstate.lock.info'),
      lockPath: 'terraform.tfstate',
    });
    expect(backend.files('staging')).toMatchObject({
      state: join(dir, 'terraform.tfstate.d/staging/terraform.tfstate'),
      backup: join(dir, 'terraform.tfstate.d/staging/terraform.tfstate.backup'),
      lockInfo: join(dir, 'terraform.tfstate.d/staging/.terraform.tfstate.lock.info'),
      lockPath: 'terraform.tfstate.d/staging/terraform.tfstate',
    });

    const state = await fixture('terraform.tfstate');
    await backend.putState('default', state);
    await backend.putState('staging', await fixture('terraform.tfstate.d/staging/terraform.tfstate'));
    expect((await readFile(join(dir, 'terraform.tfstate'))).equals(state)).toBe(true);
    expect(await readdir(join(dir, 'terraform.tfstate.d/staging'))).toEqual(['terraform.tfstate']);
    // Nothing else is left beside the states: no temp files, no lock files.
    expect((await readdir(dir)).sort()).toEqual(['terraform.tfstate', 'terraform.tfstate.d']);
  });

  it('names the lock info after a custom path, while workspaces keep the name terraform.tfstate', async () => {
    const backend = createLocalBackend({ path: 'states/prod.tfstate', workspace_dir: 'envs' }, { cwd: dir });
    expect(backend.files('default')).toMatchObject({
      state: join(dir, 'states/prod.tfstate'),
      backup: join(dir, 'states/prod.tfstate.backup'),
      lockInfo: join(dir, 'states/.prod.tfstate.lock.info'),
      lockPath: 'states/prod.tfstate',
    });
    expect(backend.files('qa').state).toBe(join(dir, 'envs/qa/terraform.tfstate'));
    const held = await backend.lock('default', { Operation: 'OperationTypeApply', Info: '', Who: 'me@here', Version: '1', Created: '', Path: '' });
    expect(JSON.parse(await readFile(join(dir, 'states/.prod.tfstate.lock.info'), 'utf8')).Path).toBe('states/prod.tfstate');
    await backend.unlock('default', held.ID);
  });

  it('lists default plus the directories in workspace_dir that are valid names, as Terraform sorts them', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    const root = join(dir, 'terraform.tfstate.d');
    for (const name of ['zeta', 'Alpha', 'mid', '.hidden', 'a b', '.tempeh-history']) await mkdir(join(root, name), { recursive: true });
    await writeFile(join(root, 'a-file'), 'not a workspace');
    // '.hidden' is a legal Terraform name; 'a b' and the reserved '.tempeh-history' are not workspaces.
    expect(await backend.listWorkspaces()).toEqual(['default', '.hidden', 'Alpha', 'mid', 'zeta']);
  });

  it('createWorkspace makes only the directory, as `terraform workspace new` does', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await backend.createWorkspace('fresh');
    expect(await readdir(join(dir, 'terraform.tfstate.d/fresh'))).toEqual([]);
    expect(await backend.getState('fresh')).toBeUndefined();
  });

  it('treats an empty state file (what terraform leaves when it locks a new state) as no state', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await writeFile(join(dir, 'terraform.tfstate'), '');
    expect(await backend.getState('default')).toBeUndefined();
    expect(await backend.readStream('default')).toBeUndefined();
    await backend.putState('default', Buffer.from('{}'), { ifRevision: null });
    // Nothing worth backing up: the empty file is not kept.
    expect((await readdir(dir)).sort()).toEqual(['terraform.tfstate']);
  });

  it('gives readStream a descriptor on the file it streams, readable by position, closed with the stream', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await backend.putState('default', Buffer.from('{"a": 1}'));
    const handle = await backend.readStream('default');
    if (handle?.fd === undefined) throw new Error('expected a descriptor');
    const fd = handle.fd;
    // A write in between replaces the file by rename: the descriptor still reads the bytes the stream yields.
    await backend.putState('default', Buffer.from('{"b": 2, "c": 3}'));
    const bytes = Buffer.alloc(8);
    expect(readSync(fd, bytes, 0, 8, 0)).toBe(8);
    expect(bytes.toString()).toBe('{"a": 1}');
    const streamed: Buffer[] = [];
    for await (const chunk of handle.stream) streamed.push(chunk as Buffer);
    expect(Buffer.concat(streamed).toString()).toBe('{"a": 1}');
    // Read to the end, the stream closes its file handle, and the descriptor with it.
    if (!handle.stream.closed) await new Promise((resolve) => handle.stream.once('close', resolve));
    expect(handle.stream.closed).toBe(true);
  });

  it('refuses to write through a symbolic link at the state path', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await writeFile(join(dir, 'real.tfstate'), 'real');
    await symlink('real.tfstate', join(dir, 'terraform.tfstate'));
    await expect(backend.putState('default', Buffer.from('x'))).rejects.toMatchObject({ code: 'TEMPEH_E_IO' });
    expect(await readFile(join(dir, 'real.tfstate'), 'utf8')).toBe('real');
  });

  it('refuses a workspace whose directory is a symbolic link out of workspace_dir, and touches nothing', async () => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'terraform.tfstate'), 'outside');
    await mkdir(join(dir, 'terraform.tfstate.d'));
    await symlink(outside, join(dir, 'terraform.tfstate.d/escape'));
    const backend = createLocalBackend({}, { cwd: dir });
    const before = await snapshotTree(dir);
    for (const attempt of [
      () => backend.getState('escape'),
      () => backend.putState('escape', Buffer.from('x')),
      () => backend.deleteWorkspace('escape'),
      () => backend.lock('escape', { Operation: '', Info: '', Who: '', Version: '', Created: '', Path: '' }),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'TEMPEH_E_INVALID_WORKSPACE' });
    }
    expect(await snapshotTree(dir)).toEqual(before);
  });
});

describe('config', () => {
  it('has Terraform-named fields with defaults', () => {
    expect(parseLocalBackendConfig({})).toEqual({
      path: 'terraform.tfstate',
      workspace_dir: 'terraform.tfstate.d',
      backup_count: 10,
      permissions: 0o600,
      break_stale: false,
    });
  });

  it('reads permissions as an octal string or mode bits, and refuses a decimal 640', () => {
    expect(parseLocalBackendConfig({ permissions: '0640' }).permissions).toBe(0o640);
    expect(parseLocalBackendConfig({ permissions: '640' }).permissions).toBe(0o640);
    expect(parseLocalBackendConfig({ permissions: 0o640 }).permissions).toBe(0o640);
    for (const permissions of [640, '0999', 'rw-r-----', -1]) {
      expect(() => parseLocalBackendConfig({ permissions })).toThrow(expect.objectContaining({ code: 'TEMPEH_E_CONFIG' }));
    }
  });

  it('lists every bad field at once', () => {
    let issues: unknown;
    try {
      parseLocalBackendConfig({ backup_count: -1, path: '', bucket: 'x' });
    } catch (error) {
      issues = error instanceof Error ? Reflect.get(error, 'issues') : undefined;
    }
    const paths = Array.isArray(issues) ? issues.map((i: { path: string }) => i.path).sort() : [];
    expect(paths).toEqual(expect.arrayContaining(['backup_count', 'path']));
    expect(paths.length).toBeGreaterThanOrEqual(3);
  });

  it('reads file: URLs: the state file, its directory, and query fields', () => {
    expect(localConfigFromUrl(new URL('file:///srv/infra/terraform.tfstate'))).toMatchObject({
      path: '/srv/infra/terraform.tfstate',
      workspace_dir: '/srv/infra/terraform.tfstate.d',
    });
    expect(localConfigFromUrl(new URL('file:///srv/infra/'))).toMatchObject({ path: '/srv/infra/terraform.tfstate' });
    expect(localConfigFromUrl(new URL('file:///srv/x.tfstate?backup_dir=/b&backup_count=3&permissions=0640&break_stale=true'))).toMatchObject({
      path: '/srv/x.tfstate',
      backup_dir: '/b',
      backup_count: 3,
      permissions: 0o640,
      break_stale: true,
    });
    expect(() => localConfigFromUrl(new URL('file:///srv/x.tfstate?nope=1'))).toThrow(expect.objectContaining({ code: 'TEMPEH_E_CONFIG' }));
  });
});

describe('file modes', () => {
  async function writeTwiceAndLock(backend: LocalBackend): Promise<void> {
    await backend.putState('default', Buffer.from('one'));
    await backend.putState('default', Buffer.from('two'));
    await backend.lock('default', { Operation: 'OperationTypeApply', Info: '', Who: 'me@here', Version: '1', Created: '', Path: '' });
  }

  it('are 0600 by default for the state, the backup and the lock info', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await writeTwiceAndLock(backend);
    const files = backend.files('default');
    expect([await modeOf(files.state), await modeOf(files.backup), await modeOf(files.lockInfo)]).toEqual([0o600, 0o600, 0o600]);
  });

  it('follow permissions: 0640 for the state, the backup, the lock info and backup_dir copies', async () => {
    const backend = createLocalBackend({ permissions: '0640', backup_dir: 'backups' }, { cwd: dir });
    await writeTwiceAndLock(backend);
    const files = backend.files('default');
    expect([await modeOf(files.state), await modeOf(files.backup), await modeOf(files.lockInfo)]).toEqual([0o640, 0o640, 0o640]);
    for (const name of await readdir(join(dir, 'backups'))) expect(await modeOf(join(dir, 'backups', name))).toBe(0o640);
  });
});

describe('backups', () => {
  it('terraform.tfstate.backup holds the state as it was before each write', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    const files = backend.files('default');
    const older = await fixture('terraform.tfstate.backup');
    const newer = await fixture('terraform.tfstate');
    await backend.putState('default', older);
    await expect(readFile(files.backup)).rejects.toMatchObject({ code: 'ENOENT' });
    await backend.putState('default', newer);
    expect((await readFile(files.backup)).equals(older)).toBe(true);
    await backend.writeStream('default', (async function* () {
      yield Buffer.from('{"third":');
      yield Buffer.from('true}');
    })());
    expect((await readFile(files.backup)).equals(newer)).toBe(true);
  });

  it('deleteState keeps the deleted state as the backup', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await backend.putState('ws', Buffer.from('precious'));
    await backend.deleteState('ws');
    expect(await backend.getState('ws')).toBeUndefined();
    expect(await readFile(backend.files('ws').backup, 'utf8')).toBe('precious');
  });

  it('backup_dir keeps timestamped copies of what was written, rotated to backup_count', async () => {
    const backend = createLocalBackend({ backup_dir: 'backups', backup_count: 3 }, { cwd: dir });
    for (let i = 1; i <= 5; i++) await backend.putState('default', Buffer.from(`write ${i}`));
    await backend.putState('staging', Buffer.from('staging 1'));
    const names = (await readdir(join(dir, 'backups'))).filter((n) => n !== 'terraform.tfstate.d');
    expect(names).toHaveLength(3);
    for (const name of names) expect(name).toMatch(/^terraform\.tfstate\.\d{8}-\d{6}(\.\d+)?$/);
    const contents = await Promise.all(names.map((n) => readFile(join(dir, 'backups', n), 'utf8')));
    expect(contents.sort()).toEqual(['write 3', 'write 4', 'write 5']);
    const staging = await readdir(join(dir, 'backups/terraform.tfstate.d/staging'));
    expect(staging).toHaveLength(1);
  });

  it('backup_count 0 keeps no copies', async () => {
    const backend = createLocalBackend({ backup_dir: 'backups', backup_count: 0 }, { cwd: dir });
    await backend.putState('default', Buffer.from('x'));
    await expect(readdir(join(dir, 'backups'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('temp files left by a crash', () => {
  /** A pid that is certainly not running: a child that has exited. */
  function deadPid(): number {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    return Number(child.stdout);
  }

  it('are never read as state and are removed by a later write once a minute old and their writer is dead', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    await backend.putState('default', Buffer.from('state'));
    const dead = deadPid();
    const old = new Date(Date.now() - 120_000);
    const debris = join(dir, `.terraform.tfstate.tempeh-${dead}-0123456789abcdef.tmp`);
    const fresh = join(dir, `.terraform.tfstate.tempeh-${dead}-fedcba9876543210.tmp`);
    const alive = join(dir, `.terraform.tfstate.tempeh-${process.pid}-00112233aabbccdd.tmp`);
    for (const path of [debris, fresh, alive]) await writeFile(path, 'half a sta');
    await utimes(debris, old, old);
    await utimes(alive, old, old);

    expect((await backend.getState('default'))?.data.toString()).toBe('state');
    expect(await backend.listWorkspaces()).toEqual(['default']);
    await backend.putState('default', Buffer.from('next'));
    const left = await readdir(dir);
    expect(left).not.toContain(debris.slice(dir.length + 1));
    expect(left).toContain(fresh.slice(dir.length + 1));
    expect(left).toContain(alive.slice(dir.length + 1));
  });
});
