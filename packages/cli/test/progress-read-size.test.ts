import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Kernel, StateManager, collectBytes } from '@tempeh/core';
import { createLocalBackend } from '@tempeh/backend-local';
import { MAIN_FIXTURE, tempDir } from './helpers/cli.js';

/**
 * The size the CLI hands to the engine and to the progress bar comes from
 * StateManager.openRead; here it is checked over the real local backend
 * (core's own tests use the memory backend).
 */
describe('StateManager.openRead size over the local backend', () => {
  it("is the state file's size, and exactly that many bytes are read", async () => {
    const dir = await tempDir();
    const fixture = await readFile(MAIN_FIXTURE);
    await writeFile(path.join(dir, 'terraform.tfstate'), fixture);
    const backend = createLocalBackend({}, { cwd: dir });
    const manager = new StateManager({ kernel: new Kernel(), backend });

    const stream = await manager.openRead('default');
    expect(stream?.size).toBe((await stat(path.join(dir, 'terraform.tfstate'))).size);
    expect(stream && (await collectBytes(stream)).equals(fixture)).toBe(true);
    await backend.close();
  });

  it('is undefined with a transformRead tap: the file holds gzip, the reader gets more bytes than that', async () => {
    const dir = await tempDir();
    const fixture = await readFile(MAIN_FIXTURE);
    await writeFile(path.join(dir, 'terraform.tfstate'), gzipSync(fixture));
    const kernel = new Kernel();
    kernel.hooks.transformRead.tap('gunzip', (source) => {
      const gunzip = createGunzip();
      // A failure on either side destroys `gunzip`, which rejects its reader; nothing is left to do here.
      pipeline(Readable.from(source, { objectMode: false }), gunzip, () => undefined);
      return gunzip;
    });
    const backend = createLocalBackend({}, { cwd: dir });
    const manager = new StateManager({ kernel, backend });

    const stream = await manager.openRead('default');
    expect(stream).toBeDefined();
    expect(stream?.size).toBeUndefined();
    expect(stream && (await collectBytes(stream)).equals(fixture)).toBe(true);
    await backend.close();
  });
});
