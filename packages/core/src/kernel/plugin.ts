import type { Kernel } from './kernel.js';

/**
 * A Tempeh plugin: a name and an `apply` that taps the kernel's hooks
 * (always with the plugin's name) or registers backend types. What it
 * declares it needs is checked by `kernel.use` before `apply` runs.
 */
export interface TempehPlugin {
  /** Unique among the plugins of one kernel; also the name of every tap it adds. */
  readonly name: string;
  /** Plugins that must have been applied before this one. */
  readonly dependencies?: readonly string[];
  readonly needs?: {
    /** Backend types that must be registered when this plugin is applied. */
    readonly backendTypes?: readonly string[];
  };
  /** Tap hooks, register backends. May be async; `kernel.use` awaits it. */
  apply(kernel: Kernel): void | Promise<void>;
}
