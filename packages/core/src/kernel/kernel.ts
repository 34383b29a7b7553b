import { PluginDependencyError, PluginError } from '../errors.js';
import { memoryBackendDefinition } from '../backend/memory-backend.js';
import { BackendRegistry } from './backend-registry.js';
import { createKernelHooks, type KernelHooks } from './hooks.js';
import type { TempehPlugin } from './plugin.js';
import { TapTracker, guardHook, type GuardableHook, type UnsettledTap } from './tap-guard.js';

export interface KernelOptions {
  /** Register the built-in backend types (`memory`). Default true. */
  registerDefaults?: boolean;
}

/**
 * The hub plugins attach to: one frozen set of typed hooks, the backend
 * registry, and the applied plugins. Every tap on every hook is guarded:
 * its errors arrive as PluginError (code PLUGIN_ERROR) naming the plugin
 * and the hook, and its pending promises are listed by `unsettledTaps()`.
 *
 * @example
 * const kernel = new Kernel();
 * await kernel.use(myPlugin);
 * const backend = await kernel.backends.create('memory', {}, { cwd: process.cwd() });
 */
export class Kernel {
  /** Every hook, frozen: plugins tap these, they never add or replace one. */
  readonly hooks: KernelHooks;
  readonly backends: BackendRegistry;

  readonly #applied: string[] = [];
  readonly #applying = new Set<string>();
  readonly #tracker = new TapTracker();
  readonly #internalTaps = new WeakSet<object>();

  constructor(options: KernelOptions = {}) {
    this.hooks = createKernelHooks();
    this.guardHooks(this.hooks);
    this.backends = new BackendRegistry(this.hooks, { markInternalTap: (fn) => this.#internalTaps.add(fn) });
    if (options.registerDefaults ?? true) this.backends.register(memoryBackendDefinition);
  }

  /** Names of the plugins applied so far, in order. */
  get plugins(): readonly string[] {
    return [...this.#applied];
  }

  hasPlugin(name: string): boolean {
    return this.#applied.includes(name);
  }

  /**
   * Checks what `plugin` declares it needs, then runs its `apply`.
   * PluginDependencyError for a duplicate name, a dependency not applied
   * yet, or a backend type not registered; PluginError (hook `apply`) when
   * `apply` throws. A kernel whose plugin failed half-way may hold some of
   * its taps: discard it.
   */
  async use(plugin: TempehPlugin): Promise<void> {
    const name = typeof plugin.name === 'string' ? plugin.name.trim() : '';
    if (!name) {
      throw new PluginDependencyError('(unnamed)', 'a name; taps and errors are reported under it', {
        hint: 'give the plugin object a non-empty `name`',
      });
    }
    if (this.#applied.includes(name) || this.#applying.has(name)) {
      throw new PluginDependencyError(name, `a unique name; a plugin named '${name}' is already applied`, {
        hint: 'apply each plugin once',
      });
    }
    for (const dependency of plugin.dependencies ?? []) {
      if (!this.#applied.includes(dependency)) {
        throw new PluginDependencyError(name, `plugin '${dependency}'; apply it first`, {
          hint: `call kernel.use() with '${dependency}' before '${name}'`,
        });
      }
    }
    for (const type of plugin.needs?.backendTypes ?? []) {
      if (!this.backends.has(type)) {
        throw new PluginDependencyError(name, `a backend of type '${type}'; none is registered`, {
          hint: `apply the plugin that registers the '${type}' backend first`,
        });
      }
    }
    this.#applying.add(name);
    try {
      await plugin.apply(this);
    } catch (error) {
      throw new PluginError(name, 'apply', error);
    } finally {
      this.#applying.delete(name);
    }
    this.#applied.push(name);
  }

  /**
   * Promise and callback taps that were called and have not settled. The
   * CLI lists them on exit, so a plugin that hangs is named instead of the
   * process waiting silently (rollup's unfulfilledActions).
   */
  unsettledTaps(): UnsettledTap[] {
    return this.#tracker.list();
  }

  /**
   * Puts the kernel's guard (PluginError wrapping, unsettled tracking) on
   * hooks a plugin creates for others to tap (the `getHooks` pattern).
   * Hook names in errors are `${prefix}.${key}`, or `key` without prefix.
   */
  guardHooks<Hooks extends { readonly [K in keyof Hooks]: GuardableHook }>(hooks: Hooks, prefix?: string): Hooks {
    const entries: [string, GuardableHook][] = Object.entries<GuardableHook>(hooks);
    for (const [key, hook] of entries) {
      guardHook(hook, prefix ? `${prefix}.${key}` : key, { internal: this.#internalTaps, tracker: this.#tracker });
    }
    return hooks;
  }
}
