import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kernel, StateManager, createState, parseState } from '@tempeh/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBackend, localBackendPlugin } from '../src/index.js';
import { makeTempDir, removeDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe('localBackendPlugin', () => {
  it('registers the local type; a StateManager saves through it in Terraform layout (the README example)', async () => {
    const kernel = new Kernel();
    await kernel.use(localBackendPlugin);
    const backend = await kernel.backends.create('local', { workspace_dir: 'envs' }, { cwd: dir });
    expect(backend).toBeInstanceOf(LocalBackend);
    await backend.init();

    const states = new StateManager({ kernel, backend });
    const saved = await states.save('staging', { ...createState(), serial: 1 });
    expect(saved.unchanged).toBe(false);

    const onDisk = parseState(await readFile(join(dir, 'envs/staging/terraform.tfstate')));
    expect(onDisk.lineage).toBe(saved.state.lineage);
    expect(await states.listWorkspaces()).toEqual(['default', 'staging']);
    // save took and released the lock itself.
    expect(await states.getLock('staging')).toBeUndefined();
  });

  it('turns a file: URL into a local backend config', async () => {
    const kernel = new Kernel();
    await kernel.use(localBackendPlugin);
    const { type, config } = kernel.backends.fromUrl(`file://${dir}/infra/terraform.tfstate`);
    expect(type).toBe('local');
    const backend = await kernel.backends.create(type, config, { cwd: '/' });
    expect(backend).toBeInstanceOf(LocalBackend);
    if (!(backend instanceof LocalBackend)) return;
    expect(backend.files('default').state).toBe(join(dir, 'infra/terraform.tfstate'));
    expect(backend.files('qa').state).toBe(join(dir, 'infra/terraform.tfstate.d/qa/terraform.tfstate'));
  });

  it('refuses a bad config through the kernel with TEMPEH_E_CONFIG', async () => {
    const kernel = new Kernel();
    await kernel.use(localBackendPlugin);
    await expect(kernel.backends.create('local', { permissions: 640 }, { cwd: dir })).rejects.toMatchObject({ code: 'TEMPEH_E_CONFIG' });
  });
});
