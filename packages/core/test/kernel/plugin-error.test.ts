import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/kernel/index.js';
import { ConflictError, PluginError, type TempehError } from '../../src/errors.js';
import { MemoryBackend } from '../../src/backend/memory-backend.js';
import { createState } from '../../src/state/index.js';
import { rejectionOf, thrownBy } from './rejection.js';

const backend = new MemoryBackend();
const loadContext = { workspace: 'default', backend, lockId: undefined };
const lockContext = { workspace: 'default', backend, force: false };

describe('PLUGIN_ERROR: every tap is wrapped with its plugin and hook names', () => {
  it('a sync tap that throws', async () => {
    const kernel = new Kernel();
    const cause = new Error('sync boom');
    kernel.hooks.beforeLoad.tap('sync-plugin', () => {
      throw cause;
    });
    const error = await rejectionOf(kernel.hooks.beforeLoad.promise(loadContext), PluginError);
    expect(error.code).toBe('PLUGIN_ERROR');
    expect(error.plugin).toBe('sync-plugin');
    expect(error.hook).toBe('beforeLoad');
    expect(error.cause).toBe(cause);
  });

  it('a sync tap on a sync hook (call, not promise)', () => {
    const kernel = new Kernel();
    const cause = new Error('observer broke');
    kernel.hooks.error.tap('observer', () => {
      throw cause;
    });
    const error = thrownBy(() => kernel.hooks.error.call(new ConflictError('serial', 'x'), { operation: 'save', workspace: 'w', backend }), PluginError);
    expect(error.code).toBe('PLUGIN_ERROR');
    expect(error.plugin).toBe('observer');
    expect(error.hook).toBe('error');
    expect(error.cause).toBe(cause);
  });

  it('a promise tap that rejects', async () => {
    const kernel = new Kernel();
    const cause = new Error('promise boom');
    kernel.hooks.afterLock.tapPromise('promise-plugin', async () => {
      await Promise.resolve();
      throw cause;
    });
    const lock = { ID: '1', Operation: '', Info: '', Who: '', Version: '', Created: '', Path: '' };
    const error = await rejectionOf(kernel.hooks.afterLock.promise(lock, lockContext), PluginError);
    expect(error.code).toBe('PLUGIN_ERROR');
    expect(error.plugin).toBe('promise-plugin');
    expect(error.hook).toBe('afterLock');
    expect(error.cause).toBe(cause);
  });

  it('a promise tap that throws before returning its promise', async () => {
    const kernel = new Kernel();
    const cause = new Error('early');
    kernel.hooks.beforeUnlock.tapPromise('eager', () => {
      throw cause;
    });
    const error = await rejectionOf(kernel.hooks.beforeUnlock.promise('id', lockContext), PluginError);
    expect([error.code, error.plugin, error.hook, error.cause]).toEqual(['PLUGIN_ERROR', 'eager', 'beforeUnlock', cause]);
  });

  it('a callback tap that passes an error to its callback', async () => {
    const kernel = new Kernel();
    const cause = new Error('callback boom');
    kernel.hooks.afterUnlock.tapAsync('callback-plugin', (_lockId, _context, callback) => {
      setImmediate(() => callback(cause));
    });
    const error = await rejectionOf(kernel.hooks.afterUnlock.promise('id', lockContext), PluginError);
    expect([error.code, error.plugin, error.hook, error.cause]).toEqual(['PLUGIN_ERROR', 'callback-plugin', 'afterUnlock', cause]);
  });

  it('a callback tap that throws synchronously', async () => {
    const kernel = new Kernel();
    const cause = new Error('thrown in a callback tap');
    kernel.hooks.afterUnlock.tapAsync('throwing-callback', () => {
      throw cause;
    });
    const error = await rejectionOf(kernel.hooks.afterUnlock.promise('id', lockContext), PluginError);
    expect([error.plugin, error.hook, error.cause]).toEqual(['throwing-callback', 'afterUnlock', cause]);
  });

  it('a TempehError thrown by a tap is still wrapped, with the original as cause', async () => {
    const kernel = new Kernel();
    const cause = new ConflictError('lineage', 'refused by policy');
    kernel.hooks.beforeSave.tapPromise('policy', async () => {
      throw cause;
    });
    const state = createState({ serial: 1 });
    const saveContext = { workspace: 'default', backend, previous: undefined, force: false, lockId: 'id' };
    const error = await rejectionOf(kernel.hooks.beforeSave.promise(state, saveContext), PluginError);
    expect(error.code).toBe('PLUGIN_ERROR');
    expect(error.plugin).toBe('policy');
    const inner: TempehError | undefined = error.cause instanceof ConflictError ? error.cause : undefined;
    expect(inner).toBe(cause);
    expect(inner?.code).toBe('TEMPEH_E_CONFLICT');
  });

  it('a thrown non-Error becomes an Error cause', async () => {
    const kernel = new Kernel();
    kernel.hooks.beforeLoad.tap('stringly', () => {
      throw 'just a string';
    });
    const error = await rejectionOf(kernel.hooks.beforeLoad.promise(loadContext), PluginError);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause instanceof Error && error.cause.message).toBe('just a string');
  });

  it('taps added before and after other taps are all guarded; working taps still run in order', async () => {
    const kernel = new Kernel();
    const calls: string[] = [];
    kernel.hooks.afterLoad.tap('first', (state) => {
      calls.push('first');
      return state;
    });
    kernel.hooks.afterLoad.tapPromise('second', async () => {
      calls.push('second');
      throw new Error('second fails');
    });
    kernel.hooks.afterLoad.tap('third', (state) => {
      calls.push('third');
      return state;
    });
    const state = createState({ serial: 1 });
    const error = await rejectionOf(kernel.hooks.afterLoad.promise(state, loadContext), PluginError);
    expect(error.plugin).toBe('second');
    expect(calls).toEqual(['first', 'second']);
  });
});

describe('unsettled taps', () => {
  it('lists promise taps that have not settled, and forgets them once they do', async () => {
    const kernel = new Kernel();
    let release = (): void => undefined;
    kernel.hooks.beforeLoad.tapPromise('slow-plugin', () => new Promise<void>((resolve) => (release = resolve)));
    expect(kernel.unsettledTaps()).toEqual([]);

    const pending = kernel.hooks.beforeLoad.promise(loadContext);
    const unsettled = kernel.unsettledTaps();
    expect(unsettled.map(({ plugin, hook }) => ({ plugin, hook }))).toEqual([{ plugin: 'slow-plugin', hook: 'beforeLoad' }]);
    expect(unsettled[0]?.since).toBeInstanceOf(Date);

    release();
    await pending;
    expect(kernel.unsettledTaps()).toEqual([]);
  });

  it('lists callback taps that have not called back, and forgets rejected ones too', async () => {
    const kernel = new Kernel();
    let callBack = (): void => undefined;
    kernel.hooks.afterUnlock.tapAsync('forgetful', (_id, _context, callback) => {
      callBack = () => callback(new Error('late failure'));
    });
    const pending = kernel.hooks.afterUnlock.promise('id', lockContext);
    expect(kernel.unsettledTaps().map((t) => `${t.plugin}/${t.hook}`)).toEqual(['forgetful/afterUnlock']);
    callBack();
    expect((await rejectionOf(pending, PluginError)).plugin).toBe('forgetful');
    expect(kernel.unsettledTaps()).toEqual([]);
  });

  it('a tap that never settles stays listed (the CLI reports it on exit)', async () => {
    const kernel = new Kernel();
    kernel.hooks.beforeLoad.tapPromise('hangs', () => new Promise<void>(() => undefined));
    void kernel.hooks.beforeLoad.promise(loadContext);
    await new Promise((resolve) => setImmediate(resolve));
    expect(kernel.unsettledTaps().map((t) => t.plugin)).toEqual(['hangs']);
  });
});
