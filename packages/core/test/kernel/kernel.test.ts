import { describe, expect, it } from 'vitest';
import { AsyncSeriesHook, AsyncSeriesWaterfallHook, SyncHook } from 'tapable';
import { Kernel, STAGE_DEFAULT, STAGE_EARLY, STAGE_LATE, type KernelHookName, type TempehPlugin } from '../../src/kernel/index.js';
import { PluginDependencyError, PluginError } from '../../src/errors.js';
import { rejectionOf } from './rejection.js';

const ALL_HOOKS: KernelHookName[] = [
  'resolveBackend',
  'beforeLoad',
  'afterLoad',
  'beforeSave',
  'afterSave',
  'transformRead',
  'transformWrite',
  'beforeLock',
  'afterLock',
  'beforeUnlock',
  'afterUnlock',
  'error',
];

describe('Kernel hooks', () => {
  it('is one frozen object holding exactly the documented hooks, each named after its key', () => {
    const kernel = new Kernel();
    expect(Object.isFrozen(kernel.hooks)).toBe(true);
    expect(Object.keys(kernel.hooks).sort()).toEqual([...ALL_HOOKS].sort());
    for (const name of ALL_HOOKS) expect(kernel.hooks[name].name).toBe(name);
    expect(() => Object.assign(kernel.hooks, { extra: new SyncHook<[]>() })).toThrow(TypeError);
  });

  it('each kernel has its own hooks', () => {
    const a = new Kernel();
    const b = new Kernel();
    expect(a.hooks.beforeSave).not.toBe(b.hooks.beforeSave);
  });

  it('runs taps in stage order, then in the order they were added', async () => {
    const kernel = new Kernel();
    const calls: string[] = [];
    const record = (name: string) => async () => {
      calls.push(name);
    };
    kernel.hooks.beforeLoad.tapPromise({ name: 'late', stage: STAGE_LATE }, record('late'));
    kernel.hooks.beforeLoad.tapPromise({ name: 'default-1', stage: STAGE_DEFAULT }, record('default-1'));
    kernel.hooks.beforeLoad.tapPromise('default-2', record('default-2'));
    kernel.hooks.beforeLoad.tapPromise({ name: 'early', stage: STAGE_EARLY }, record('early'));
    const backend = await kernel.backends.create('memory', {}, { cwd: process.cwd() });
    await kernel.hooks.beforeLoad.promise({ workspace: 'default', backend, lockId: undefined });
    expect(calls).toEqual(['early', 'default-1', 'default-2', 'late']);
  });

  it('refuses anonymous taps (tapable enforces a name)', () => {
    const kernel = new Kernel();
    expect(() => kernel.hooks.error.tap('  ', () => undefined)).toThrow(/name/);
  });
});

describe('Kernel.use', () => {
  const plugin = (name: string, extra: Partial<TempehPlugin> = {}): TempehPlugin => ({ name, apply: () => undefined, ...extra });

  it('applies plugins in order and lists their names', async () => {
    const kernel = new Kernel();
    const applied: string[] = [];
    await kernel.use(plugin('validate', { apply: () => void applied.push('validate') }));
    await kernel.use(
      plugin('backup', {
        dependencies: ['validate'],
        apply: async () => {
          await Promise.resolve();
          applied.push('backup');
        },
      }),
    );
    expect(applied).toEqual(['validate', 'backup']);
    expect(kernel.plugins).toEqual(['validate', 'backup']);
    expect(kernel.hasPlugin('backup')).toBe(true);
  });

  it('refuses a plugin whose dependency was not applied, naming both', async () => {
    const kernel = new Kernel();
    const error = await rejectionOf(kernel.use(plugin('backup', { dependencies: ['validate'] })), PluginDependencyError);
    expect(error.code).toBe('TEMPEH_E_PLUGIN_DEPENDENCY');
    expect(error.plugin).toBe('backup');
    expect(error.message).toBe("plugin 'backup' needs plugin 'validate'; apply it first");
    expect(kernel.plugins).toEqual([]);
  });

  it('refuses a plugin that needs a backend type nobody registered', async () => {
    const kernel = new Kernel();
    const error = await rejectionOf(kernel.use(plugin('x', { needs: { backendTypes: ['memory', 'pg'] } })));
    expect(error.code).toBe('TEMPEH_E_PLUGIN_DEPENDENCY');
    expect(error.message).toBe("plugin 'x' needs a backend of type 'pg'; none is registered");
  });

  it('accepts a needed backend type once it is registered, and without defaults there is none', async () => {
    const bare = new Kernel({ registerDefaults: false });
    expect(bare.backends.types()).toEqual([]);
    const needsMemory = plugin('needs-memory', { needs: { backendTypes: ['memory'] } });
    expect((await rejectionOf(bare.use(needsMemory))).code).toBe('TEMPEH_E_PLUGIN_DEPENDENCY');
    await new Kernel().use(needsMemory);
  });

  it('refuses a second plugin with the same name, also while the first is still applying', async () => {
    const kernel = new Kernel();
    await kernel.use(plugin('dup'));
    expect((await rejectionOf(kernel.use(plugin('dup')))).code).toBe('TEMPEH_E_PLUGIN_DEPENDENCY');

    let release = (): void => undefined;
    const slow = kernel.use(plugin('slow', { apply: () => new Promise<void>((resolve) => (release = resolve)) }));
    expect((await rejectionOf(kernel.use(plugin('slow')))).code).toBe('TEMPEH_E_PLUGIN_DEPENDENCY');
    release();
    await slow;
    expect(kernel.plugins).toEqual(['dup', 'slow']);
  });

  it('refuses a plugin without a name', async () => {
    const kernel = new Kernel();
    expect((await rejectionOf(kernel.use(plugin('')))).code).toBe('TEMPEH_E_PLUGIN_DEPENDENCY');
  });

  it('wraps an apply that throws as PLUGIN_ERROR with hook "apply", and does not list the plugin', async () => {
    const kernel = new Kernel();
    const cause = new Error('boom');
    const error = await rejectionOf(
      kernel.use(
        plugin('broken', {
          apply: () => {
            throw cause;
          },
        }),
      ),
      PluginError,
    );
    expect(error.code).toBe('PLUGIN_ERROR');
    expect(error.plugin).toBe('broken');
    expect(error.hook).toBe('apply');
    expect(error.cause).toBe(cause);
    expect(kernel.plugins).toEqual([]);
  });
});

describe('getHooks pattern: a plugin exposing hooks of its own', () => {
  // The shape docs/hooks.md describes, built here to check the kernel's part.
  interface BackupHooks {
    readonly beforeBackup: AsyncSeriesWaterfallHook<[name: string]>;
    readonly afterBackup: AsyncSeriesHook<[name: string]>;
  }
  const backupHooks = new WeakMap<Kernel, BackupHooks>();
  const BackupPlugin = {
    getHooks(kernel: Kernel): BackupHooks {
      let hooks = backupHooks.get(kernel);
      if (!hooks) {
        hooks = kernel.guardHooks(
          Object.freeze({
            beforeBackup: new AsyncSeriesWaterfallHook<[string]>(['name'], 'beforeBackup'),
            afterBackup: new AsyncSeriesHook<[string]>(['name'], 'afterBackup'),
          }),
          'backup',
        );
        backupHooks.set(kernel, hooks);
      }
      return hooks;
    },
  };

  it('gives one hooks object per kernel, guarded like the kernel hooks', async () => {
    const kernel = new Kernel();
    expect(BackupPlugin.getHooks(kernel)).toBe(BackupPlugin.getHooks(kernel));
    expect(BackupPlugin.getHooks(new Kernel())).not.toBe(BackupPlugin.getHooks(kernel));

    BackupPlugin.getHooks(kernel).beforeBackup.tapPromise('rename', async (name) => `${name}.bak`);
    expect(await BackupPlugin.getHooks(kernel).beforeBackup.promise('state')).toBe('state.bak');

    BackupPlugin.getHooks(kernel).afterBackup.tap('notify', () => {
      throw new Error('smtp down');
    });
    const error = await rejectionOf(BackupPlugin.getHooks(kernel).afterBackup.promise('state'), PluginError);
    expect(error.code).toBe('PLUGIN_ERROR');
    expect(error.plugin).toBe('notify');
    expect(error.hook).toBe('backup.afterBackup');
  });
});
