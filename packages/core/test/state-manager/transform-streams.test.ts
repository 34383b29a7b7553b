import { Readable, pipeline, type Transform } from 'node:stream';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Kernel, type TempehPlugin } from '../../src/kernel/index.js';
import { MemoryBackend } from '../../src/backend/memory-backend.js';
import { collectBytes } from '../../src/backend/streams.js';
import type { BackendCapabilities } from '../../src/backend/types.js';
import { StateManager } from '../../src/state-manager/index.js';
import { rejectionOf } from '../kernel/rejection.js';
import { fixtureBytes, fixtureState } from './setup.js';

/** Pipes `source` through `transform`; a failure on either side destroys the returned stream, so its reader sees it. */
function through(source: AsyncIterable<Uint8Array>, transform: Transform): Transform {
  // The callback has nothing to do: on failure pipeline has already
  // destroyed `transform` with the error, which rejects the reader's for-await.
  pipeline(Readable.from(source, { objectMode: false }), transform, () => undefined);
  return transform;
}

/** The shape docs/hooks.md shows: compression on the byte streams between backend and parser. */
const gzipPlugin: TempehPlugin = {
  name: 'gzip',
  apply(kernel) {
    kernel.hooks.transformWrite.tap('gzip', (stream) => through(stream, createGzip()));
    kernel.hooks.transformRead.tap('gzip', (stream) => through(stream, createGunzip()));
  },
};

async function gzipManager(backend = new MemoryBackend()): Promise<{ manager: StateManager; backend: MemoryBackend }> {
  const kernel = new Kernel();
  await kernel.use(gzipPlugin);
  return { manager: new StateManager({ kernel, backend }), backend };
}

describe('transformRead / transformWrite', () => {
  it('a gzip plugin round-trips a state: stored compressed, loaded as it was', async () => {
    const { manager, backend } = await gzipManager();
    const state = fixtureState('terraform.tfstate');
    const saved = await manager.save('default', state);
    const stored = (await backend.getState('default'))?.data ?? Buffer.alloc(0);
    expect([...stored.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(stored).equals(fixtureBytes('terraform.tfstate'))).toBe(true);
    expect(saved.size).toBe(stored.byteLength);

    const loaded = await manager.load('default');
    expect(loaded?.state).toEqual(state);
    expect(loaded?.size).toBe(fixtureBytes('terraform.tfstate').byteLength);

    // A second save of the same state reads through gunzip and finds nothing to do.
    expect((await manager.save('default', state)).unchanged).toBe(true);
  });

  it('openRead gives the decoded bytes, for pull', async () => {
    const { manager } = await gzipManager();
    await manager.save('default', fixtureState('terraform.tfstate'));
    const stream = await manager.openRead('default');
    expect(stream && (await collectBytes(stream)).equals(fixtureBytes('terraform.tfstate'))).toBe(true);
    expect(await manager.openRead('empty')).toBeUndefined();
  });

  it('a backend without streaming gets the transformed bytes through putState', async () => {
    class BufferingBackend extends MemoryBackend {
      override readonly capabilities: BackendCapabilities = { streaming: false, nativeLocks: true, compareAndSwap: true, versions: false };
    }
    const { manager, backend } = await gzipManager(new BufferingBackend());
    await manager.save('default', fixtureState('terraform.tfstate'));
    const stored = (await backend.getState('default'))?.data ?? Buffer.alloc(0);
    expect(gunzipSync(stored).equals(fixtureBytes('terraform.tfstate'))).toBe(true);
  });

  it('without the plugin, the compressed bytes are not a state', async () => {
    const { manager, backend } = await gzipManager();
    await manager.save('default', fixtureState('terraform.tfstate'));
    const plain = new StateManager({ kernel: new Kernel(), backend });
    expect((await rejectionOf(plain.load('default'))).code).toBe('TEMPEH_E_INVALID_STATE');
  });

  it('bytes that are not gzip fail the read as TEMPEH_E_IO', async () => {
    const { manager, backend } = await gzipManager();
    await backend.putState('default', fixtureBytes('terraform.tfstate'));
    expect((await rejectionOf(manager.load('default'))).code).toBe('TEMPEH_E_IO');
  });

  it('a transform whose stream fails stores nothing', async () => {
    const kernel = new Kernel();
    kernel.hooks.transformWrite.tap('truncating', (stream) =>
      (async function* failing(): AsyncGenerator<Uint8Array> {
        for await (const chunk of stream) {
          yield chunk.subarray(0, 10);
          throw new Error('encoder crashed');
        }
      })(),
    );
    const backend = new MemoryBackend();
    const manager = new StateManager({ kernel, backend });
    expect((await rejectionOf(manager.save('default', fixtureState('terraform.tfstate')))).code).toBe('TEMPEH_E_IO');
    expect(await backend.getState('default')).toBeUndefined();
    expect(await backend.getLock('default')).toBeUndefined();
  });
});
