import type { SyncHook } from 'tapable';
import { PluginError, toError } from '../errors.js';

// tapable does not export its Hook base class or FullTap type; take them
// from the signature of `intercept`, which every hook class shares.
type HookInterceptor = Parameters<SyncHook<unknown[]>['intercept']>[0];
type FullTap = Parameters<NonNullable<HookInterceptor['register']>>[0];

/** Any tapable hook, whatever its arguments: what the guard needs of it. */
export interface GuardableHook {
  readonly name: string | undefined;
  intercept(interceptor: { name: string; register: (tap: FullTap) => FullTap }): void;
}

/** A promise or callback tap that was called and has not settled yet. */
export interface UnsettledTap {
  /** The tap's name, which is its plugin's name. */
  readonly plugin: string;
  readonly hook: string;
  /** When the tap was called. */
  readonly since: Date;
}

/** Pending promise/callback taps, for `Kernel.unsettledTaps()` (rollup's unfulfilledActions). */
export class TapTracker {
  readonly #pending = new Set<UnsettledTap>();

  start(plugin: string, hook: string): UnsettledTap {
    const entry: UnsettledTap = Object.freeze({ plugin, hook, since: new Date() });
    this.#pending.add(entry);
    return entry;
  }

  settle(entry: UnsettledTap): void {
    this.#pending.delete(entry);
  }

  list(): UnsettledTap[] {
    return [...this.#pending];
  }
}

export interface GuardOptions {
  /** Kernel-internal tap functions: tracked, but their errors pass through unwrapped. */
  readonly internal: WeakSet<object>;
  readonly tracker: TapTracker;
}

/**
 * Installs a `register` interceptor on `hook`, so every tap, already added
 * or added later, runs inside a guard: whatever it throws, rejects with or
 * passes to its callback arrives as PluginError naming the tap (= plugin)
 * and `hookName`, and its pending promise or callback is tracked.
 */
export function guardHook(hook: GuardableHook, hookName: string, options: GuardOptions): void {
  hook.intercept({
    name: 'tempeh:tap-guard',
    register: (tap) => guardTap(tap, hookName, options),
  });
}

function guardTap(tap: FullTap, hook: string, { internal, tracker }: GuardOptions): FullTap {
  const original = tap.fn;
  const plugin = tap.name;
  const passThrough = internal.has(original);
  const wrap = (error: unknown): unknown => (passThrough ? error : new PluginError(plugin, hook, error));

  switch (tap.type) {
    case 'sync':
      return {
        ...tap,
        fn: (...args: unknown[]): unknown => {
          try {
            return Reflect.apply(original, undefined, args);
          } catch (error) {
            throw wrap(error);
          }
        },
      };
    case 'promise':
      return {
        ...tap,
        fn: (...args: unknown[]): Promise<unknown> => {
          let result: unknown;
          try {
            result = Reflect.apply(original, undefined, args);
          } catch (error) {
            return Promise.reject(wrap(error));
          }
          if (!isPromiseLike(result)) {
            return Promise.reject(wrap(new TypeError(`a tapPromise tap must return a promise, it returned ${typeof result}`)));
          }
          const entry = tracker.start(plugin, hook);
          return Promise.resolve(result).then(
            (value) => {
              tracker.settle(entry);
              return value;
            },
            (error: unknown) => {
              tracker.settle(entry);
              throw wrap(error);
            },
          );
        },
      };
    case 'async':
      return {
        ...tap,
        fn: (...args: unknown[]): void => {
          const callback = args.pop();
          if (typeof callback !== 'function') throw new TypeError(`hook '${hook}' called tap '${plugin}' without a callback`);
          const entry = tracker.start(plugin, hook);
          let settled = false;
          const done = (error?: unknown, result?: unknown): void => {
            // A second call is a plugin bug; forwarding it would run the
            // remaining taps twice, so only the first call counts.
            if (settled) return;
            settled = true;
            tracker.settle(entry);
            // tapable treats any truthy first argument as an error; so do we.
            if (error) Reflect.apply(callback, undefined, [wrap(error)]);
            else Reflect.apply(callback, undefined, [null, result]);
          };
          try {
            Reflect.apply(original, undefined, [...args, done]);
          } catch (error) {
            if (settled) throw wrap(error);
            settled = true;
            tracker.settle(entry);
            // `throw undefined` must still fail the hook, so never pass a falsy error on.
            Reflect.apply(callback, undefined, [wrap(error) || toError(error)]);
          }
        },
      };
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    'then' in value &&
    typeof value.then === 'function'
  );
}
