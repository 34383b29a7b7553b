import { Readable, pipeline } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/kernel/index.js';
import { MemoryBackend } from '../../src/backend/memory-backend.js';
import { collectBytes } from '../../src/backend/streams.js';
import type { ReadOptions, StateReadHandle } from '../../src/backend/types.js';
import { StateManager } from '../../src/state-manager/index.js';
import { fixtureBytes } from './setup.js';

const FIXTURE = fixtureBytes('terraform.tfstate');

/** A store that cannot tell a state's size before it is read (a chunked HTTP body, say). */
class SizelessBackend extends MemoryBackend {
  override async readStream(workspace: string): Promise<StateReadHandle | undefined> {
    const handle = await super.readStream(workspace);
    return handle && { ...handle, size: undefined };
  }
}

/** Records the options of every readStream call. */
class ReadOptionsRecorder extends MemoryBackend {
  readonly reads: (ReadOptions | undefined)[] = [];
  override async readStream(workspace: string, options?: ReadOptions): Promise<StateReadHandle | undefined> {
    this.reads.push(options);
    return super.readStream(workspace);
  }
}

async function managerWith(backend: MemoryBackend, kernel = new Kernel()): Promise<StateManager> {
  await backend.putState('default', FIXTURE);
  return new StateManager({ kernel, backend });
}

describe('StateManager.openRead size', () => {
  it("is the backend's size when no transformRead tap is registered, and that many bytes are yielded", async () => {
    const manager = await managerWith(new MemoryBackend());
    const stream = await manager.openRead('default');
    expect(stream?.size).toBe(FIXTURE.byteLength);
    expect(stream && (await collectBytes(stream)).equals(FIXTURE)).toBe(true);
  });

  it('is undefined when a transformRead tap may change the bytes', async () => {
    const kernel = new Kernel();
    kernel.hooks.transformRead.tap('gunzip', (stream) => {
      const gunzip = createGunzip();
      // Errors on either side destroy `gunzip`, which rejects the reader; nothing is left to do here.
      pipeline(Readable.from(stream, { objectMode: false }), gunzip, () => undefined);
      return gunzip;
    });
    const backend = new MemoryBackend();
    await backend.putState('default', gzipSync(FIXTURE));
    const manager = new StateManager({ kernel, backend });

    const stream = await manager.openRead('default');
    expect(stream?.size).toBeUndefined();
    expect(stream && (await collectBytes(stream)).equals(FIXTURE)).toBe(true);
  });

  it('is undefined with any tap, even one that passes the bytes through: the manager cannot know', async () => {
    const kernel = new Kernel();
    kernel.hooks.transformRead.tap('observer', (stream) => stream);
    const manager = await managerWith(new MemoryBackend(), kernel);
    expect((await manager.openRead('default'))?.size).toBeUndefined();
  });

  it('is undefined when the backend does not know the size', async () => {
    const manager = await managerWith(new SizelessBackend());
    const stream = await manager.openRead('default');
    expect(stream?.size).toBeUndefined();
    expect(stream && (await collectBytes(stream)).equals(FIXTURE)).toBe(true);
  });

  it('tells the backend that no revision is needed, since openRead does not return one', async () => {
    const backend = new ReadOptionsRecorder();
    const manager = await managerWith(backend);
    const stream = await manager.openRead('default');
    expect(stream && (await collectBytes(stream)).byteLength).toBe(FIXTURE.byteLength);
    expect(backend.reads).toEqual([{ revision: false }]);
  });

  it("passes the backend's file descriptor on only when no transformRead tap is registered", async () => {
    class DescriptorBackend extends MemoryBackend {
      override async readStream(workspace: string): Promise<StateReadHandle | undefined> {
        const handle = await super.readStream(workspace);
        return handle && { ...handle, fd: 42 };
      }
    }
    const plain = await managerWith(new DescriptorBackend());
    const stream = await plain.openRead('default');
    expect(stream?.fd).toBe(42);
    if (stream) await collectBytes(stream);

    const kernel = new Kernel();
    kernel.hooks.transformRead.tap('observer', (bytes) => bytes);
    const tapped = await managerWith(new DescriptorBackend(), kernel);
    const transformed = await tapped.openRead('default');
    expect(transformed?.fd).toBeUndefined();
    if (transformed) await collectBytes(transformed);
  });

  it('is still undefined, not a stream, for a workspace without state', async () => {
    const manager = await managerWith(new MemoryBackend());
    expect(await manager.openRead('empty')).toBeUndefined();
  });
});
