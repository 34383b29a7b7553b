import type { JsonValue } from '../../json/json-value.js';
import type { ResourceView } from './resource-view.js';
import { serializeError, type TaskFailure, type WorkerTask } from './messages.js';

/**
 * The simplest task: a function called once per resource with the task's
 * options. Its result must be plain data (JSON values, JsonNumber,
 * Uint8Array): it travels back msgpack-encoded.
 */
export type WorkerTaskFunction = (resource: ResourceView, options: JsonValue | undefined) => unknown;

/**
 * A task with set-up: `init(options)` runs once per thread (and per distinct
 * options) before the first resource, and whatever it returns (say, a
 * compiled matcher) is passed to every `map` call. Without `init`, `map`
 * gets the options.
 */
export interface WorkerTaskDefinition<Context = unknown> {
  init?(options: JsonValue | undefined): Context | Promise<Context>;
  map(resource: ResourceView, context: Context): unknown;
}

/** A task loaded and initialised, ready to map resources. */
export interface LoadedTask {
  task: WorkerTask;
  map(resource: ResourceView): unknown;
}

export type LoadResult = { ok: true; loaded: LoadedTask } | { ok: false; failure: TaskFailure };

// One load per task per thread: importing and init are the expensive part,
// and init's context is meant to be reused across batches.
const cache = new Map<string, Promise<LoadResult>>();

/** Imports and initialises `task` once per thread; failures come back as data, and are not cached so a fixed module can be retried. */
export function loadTask(task: WorkerTask): Promise<LoadResult> {
  const key = JSON.stringify([task.module, task.export, task.options ?? null]);
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = load(task);
    cache.set(key, pending);
    void pending.then((result) => {
      if (!result.ok) cache.delete(key);
    });
  }
  return pending;
}

async function load(task: WorkerTask): Promise<LoadResult> {
  const fail = (phase: TaskFailure['phase'], error: unknown): LoadResult => ({
    ok: false,
    failure: { phase, module: task.module, export: task.export, resourceIndex: undefined, error: serializeError(error) },
  });
  let namespace: unknown;
  try {
    namespace = await import(task.module);
  } catch (error) {
    // Reported to the caller as a load failure naming the module.
    return fail('load', error);
  }
  const exported: unknown = typeof namespace === 'object' && namespace !== null ? Reflect.get(namespace, task.export) : undefined;
  if (typeof exported === 'function') {
    const options = task.options;
    return { ok: true, loaded: { task, map: (resource) => Reflect.apply(exported, undefined, [resource, options]) } };
  }
  if (typeof exported === 'object' && exported !== null) {
    const map: unknown = Reflect.get(exported, 'map');
    const init: unknown = Reflect.get(exported, 'init');
    if (typeof map === 'function' && (init === undefined || typeof init === 'function')) {
      let context: unknown = task.options;
      if (typeof init === 'function') {
        try {
          context = await Reflect.apply(init, exported, [task.options]);
        } catch (error) {
          // Reported to the caller as an init failure of this task.
          return fail('init', error);
        }
      }
      return { ok: true, loaded: { task, map: (resource) => Reflect.apply(map, exported, [resource, context]) } };
    }
  }
  return fail(
    'load',
    new TypeError(`export '${task.export}' of ${task.module} is ${describe(exported)}, not a task function or an object with a map() function`),
  );
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}
