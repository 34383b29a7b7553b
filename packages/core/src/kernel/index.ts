// The kernel: hooks, plugins, backend registry.
export * from './kernel.js';
export * from './hooks.js';
export * from './plugin.js';
export * from './backend-registry.js';
export * from './config-issues.js';
export type { GuardableHook, UnsettledTap } from './tap-guard.js';
