import {
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  SyncHook,
  SyncWaterfallHook,
} from 'tapable';
import type { LockInfo, TempehError } from '../errors.js';
import type { BackendContext, LockRequest, Revision, StateBackend } from '../backend/types.js';
import type { TerraformState } from '../state/types.js';

// Named stages for `tap({ name, stage }, fn)`: lower runs earlier, taps in
// the same stage run in the order they were added. Use these, not numbers.

/** Before the default taps: checks that must see the untouched value. */
export const STAGE_EARLY = -100;
/** Where a tap without a stage goes. */
export const STAGE_DEFAULT = 0;
/** After the default taps: consumers of the final value (backups, reporting). */
export const STAGE_LATE = 100;
/** The BackendRegistry's tap on `resolveBackend`: after every plugin's, so a plugin can answer first. */
export const STAGE_REGISTRY = 1000;

/** What every StateManager hook context carries. */
export interface OperationContext {
  /** The workspace being operated on. */
  readonly workspace: string;
  /** The backend StateManager talks to. */
  readonly backend: StateBackend;
}

export interface LoadContext extends OperationContext {
  /** The lock the caller holds, when it said so. */
  readonly lockId: string | undefined;
}

export interface SaveContext extends OperationContext {
  /** The stored state before this save (after transformRead), `undefined` when there was none or, with `force`, it did not parse. */
  readonly previous: TerraformState | undefined;
  /** Terraform's lineage/serial rules were skipped. */
  readonly force: boolean;
  /** The lock held for this save. */
  readonly lockId: string;
}

export interface SavedContext extends SaveContext {
  /** The revision the backend reports for what was written. */
  readonly revision: Revision | undefined;
  /** Bytes handed to the backend (after transformWrite). */
  readonly size: number;
}

export interface StreamContext extends OperationContext {
  readonly direction: 'read' | 'write';
}

export interface LockContext extends OperationContext {
  /** `forceUnlock`: the caller may not be the holder. */
  readonly force: boolean;
}

export interface ErrorContext {
  /** The StateManager method that failed: `load`, `save`, `lock`, … */
  readonly operation: string;
  /** Absent for operations on no single workspace (`listWorkspaces`). */
  readonly workspace: string | undefined;
  readonly backend: StateBackend;
}

/**
 * Every hook of a Kernel. Tap with your plugin's name:
 * `kernel.hooks.beforeSave.tapPromise('my-plugin', async (state, ctx) => state)`.
 */
export interface KernelHooks {
  /** Runs when a backend is created from a type and config. Return a backend to supply it yourself; return undefined to pass. The registry answers last (STAGE_REGISTRY). */
  readonly resolveBackend: AsyncSeriesBailHook<[type: string, config: unknown, context: BackendContext], StateBackend | undefined>;
  /** Runs before a state is read in `load`. May check preconditions or throw to refuse the read. */
  readonly beforeLoad: AsyncSeriesHook<[context: LoadContext]>;
  /** Runs after a state was read and parsed in `load`. May return a transformed state (e.g. a migration). */
  readonly afterLoad: AsyncSeriesWaterfallHook<[state: TerraformState, context: LoadContext]>;
  /** Runs in `save` under the lock, after Terraform's rules passed and before anything is written. May return a transformed state or throw to refuse; the result is validated again. */
  readonly beforeSave: AsyncSeriesWaterfallHook<[state: TerraformState, context: SaveContext]>;
  /** Runs after the backend committed a write. A notification: the state is already stored. */
  readonly afterSave: AsyncSeriesHook<[state: TerraformState, context: SavedContext]>;
  /** Runs on every byte stream read from the backend, before parsing. May return a wrapping stream (decompress, decrypt). */
  readonly transformRead: SyncWaterfallHook<[stream: AsyncIterable<Uint8Array>, context: StreamContext]>;
  /** Runs on every byte stream about to be written to the backend. May return a wrapping stream (compress, encrypt). */
  readonly transformWrite: SyncWaterfallHook<[stream: AsyncIterable<Uint8Array>, context: StreamContext]>;
  /** Runs before a lock is requested from the backend. May return the request with fields changed (e.g. Info). */
  readonly beforeLock: AsyncSeriesWaterfallHook<[request: LockRequest, context: LockContext]>;
  /** Runs after the backend granted a lock, with what it stored. A notification. */
  readonly afterLock: AsyncSeriesHook<[lock: LockInfo, context: LockContext]>;
  /** Runs before a lock is released (also by forceUnlock). May throw to refuse the release. */
  readonly beforeUnlock: AsyncSeriesHook<[lockId: string, context: LockContext]>;
  /** Runs after the backend released a lock. A notification. */
  readonly afterUnlock: AsyncSeriesHook<[lockId: string, context: LockContext]>;
  /** Runs for every error StateManager throws, just before it is thrown. For logging and metrics; must not throw. */
  readonly error: SyncHook<[error: TempehError, context: ErrorContext]>;
}

/** The names of the hooks, in the order they are documented. */
export type KernelHookName = keyof KernelHooks;

/** A fresh, frozen set of hooks; each hook carries its own name for error messages. */
export function createKernelHooks(): KernelHooks {
  return Object.freeze({
    resolveBackend: new AsyncSeriesBailHook<[string, unknown, BackendContext], StateBackend | undefined>(
      ['type', 'config', 'context'],
      'resolveBackend',
    ),
    beforeLoad: new AsyncSeriesHook<[LoadContext]>(['context'], 'beforeLoad'),
    afterLoad: new AsyncSeriesWaterfallHook<[TerraformState, LoadContext]>(['state', 'context'], 'afterLoad'),
    beforeSave: new AsyncSeriesWaterfallHook<[TerraformState, SaveContext]>(['state', 'context'], 'beforeSave'),
    afterSave: new AsyncSeriesHook<[TerraformState, SavedContext]>(['state', 'context'], 'afterSave'),
    transformRead: new SyncWaterfallHook<[AsyncIterable<Uint8Array>, StreamContext]>(['stream', 'context'], 'transformRead'),
    transformWrite: new SyncWaterfallHook<[AsyncIterable<Uint8Array>, StreamContext]>(['stream', 'context'], 'transformWrite'),
    beforeLock: new AsyncSeriesWaterfallHook<[LockRequest, LockContext]>(['request', 'context'], 'beforeLock'),
    afterLock: new AsyncSeriesHook<[LockInfo, LockContext]>(['lock', 'context'], 'afterLock'),
    beforeUnlock: new AsyncSeriesHook<[string, LockContext]>(['lockId', 'context'], 'beforeUnlock'),
    afterUnlock: new AsyncSeriesHook<[string, LockContext]>(['lockId', 'context'], 'afterUnlock'),
    error: new SyncHook<[TempehError, ErrorContext]>(['error', 'context'], 'error'),
  });
}
