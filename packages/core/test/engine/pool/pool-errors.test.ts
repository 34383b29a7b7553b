import { describe, expect, it } from 'vitest';
import { CancelledError, WorkerCrashedError, WorkerTaskError, isTempehError } from '../../../src/errors.js';
import { EnginePool, builtinTask, packBatch, type RawResource, type WorkerTask } from '../../../src/engine/pool/index.js';
import { fixtureModule, fixtureState, fixtureTask, resourceBatch } from './fixture-batches.js';

// Every failure crosses the thread boundary as data (or as a dead thread)
// and arrives as a typed TempehError; after each one the pool still works.

const batch = resourceBatch(fixtureState('terraform.tfstate'));

async function withPool<T>(tasks: WorkerTask[], body: (pool: EnginePool) => Promise<T>, threads = 1): Promise<T> {
  const pool = new EnginePool({ threads, tasks });
  try {
    return await body(pool);
  } finally {
    await pool.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('a task that throws', () => {
  it('becomes WorkerTaskError with the task, the resource and the original error rebuilt', async () => {
    const task = fixtureTask('failing.mjs', 'throwOnSecond');
    await withPool([task], async (pool) => {
      const error = await rejection(pool.run(batch));
      expect(error).toBeInstanceOf(WorkerTaskError);
      if (!(error instanceof WorkerTaskError)) return;
      expect(error.code).toBe('TEMPEH_E_WORKER_TASK');
      expect(error.phase).toBe('map');
      expect(error.module).toBe(fixtureModule('failing.mjs'));
      expect(error.exportName).toBe('throwOnSecond');
      expect(error.resourceIndex).toBe(1);
      expect(error.cause).toBeInstanceOf(Error);
      const cause = error.cause instanceof Error ? error.cause : undefined;
      expect(cause?.name).toBe('TypeError');
      expect(cause?.message).toBe('refusing resource 1');
      // The stack is the worker's, pointing into the task module.
      expect(cause?.stack).toContain('failing.mjs');
      expect(error.causeCode).toBeUndefined();
      expect(error.hint?.length).toBeGreaterThan(0);
      // Only index 1 fails; a batch without it runs.
      expect((await pool.run([batch[0], batch[2]].filter(isRaw))).map((row) => row.values[0])).toEqual([0, 2]);
    });
  });

  it('keeps the TempehError code of the original as causeCode', async () => {
    const notAResource: RawResource = { bytes: new TextEncoder().encode('[1, 2]'), index: 7, offset: 0 };
    await withPool([builtinTask('resource-summary')], async (pool) => {
      const error = await rejection(pool.run([notAResource]));
      expect(isTempehError(error) && error.code).toBe('TEMPEH_E_WORKER_TASK');
      expect(error instanceof WorkerTaskError && [error.phase, error.resourceIndex, error.causeCode]).toEqual(['map', 7, 'TEMPEH_E_INVALID_STATE']);
    });
  });

  it('an init() that throws is reported with phase init and no resource', async () => {
    await withPool([fixtureTask('failing.mjs', 'brokenInit')], async (pool) => {
      const error = await rejection(pool.run(batch));
      expect(error instanceof WorkerTaskError && [error.code, error.phase, error.exportName, error.resourceIndex]).toEqual([
        'TEMPEH_E_WORKER_TASK',
        'init',
        'brokenInit',
        undefined,
      ]);
    });
  });

  it('a result msgpack cannot carry is reported with phase encode, naming the task and resource', async () => {
    await withPool([builtinTask('resource-hash'), fixtureTask('failing.mjs', 'returnsSymbol')], async (pool) => {
      const error = await rejection(pool.run(batch.slice(0, 2)));
      expect(error instanceof WorkerTaskError && [error.code, error.phase, error.exportName, error.resourceIndex]).toEqual([
        'TEMPEH_E_WORKER_TASK',
        'encode',
        'returnsSymbol',
        0,
      ]);
    });
  });
});

describe('a task module that cannot be loaded', () => {
  it.each([
    ['a file URL that does not exist', { module: fixtureModule('no-such-task.mjs'), export: 'anything' }],
    ['a package that is not installed', { module: '@tempeh/no-such-plugin', export: 'task' }],
    ['a relative specifier (not resolvable from the worker)', { module: './tag-count.mjs', export: 'countTagged' }],
    ['an export that is missing', { module: fixtureModule('tag-count.mjs'), export: 'missing' }],
    ['an export that is not a task', { module: fixtureModule('failing.mjs'), export: 'notATask' }],
  ])('%s: WorkerTaskError phase load naming the module', async (_, task) => {
    await withPool([task], async (pool) => {
      const error = await rejection(pool.run(batch));
      expect(error instanceof WorkerTaskError && [error.code, error.phase, error.module, error.exportName]).toEqual([
        'TEMPEH_E_WORKER_TASK',
        'load',
        task.module,
        task.export,
      ]);
      expect(error instanceof Error && error.message).toContain(task.module);
    });
  });
});

describe('a worker that dies', () => {
  it('process.exit inside a task: WorkerCrashedError, not a hang; the pool replaces the thread', async () => {
    await withPool([fixtureTask('failing.mjs', 'exitWorker')], async (pool) => {
      const error = await rejection(pool.run(batch));
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(isTempehError(error) && error.code).toBe('TEMPEH_E_WORKER_CRASHED');
      expect(error instanceof Error && error.cause).toBeInstanceOf(Error);
    });
  }, 15_000);

  it('an uncaught throw outside the task: WorkerCrashedError', async () => {
    await withPool([fixtureTask('failing.mjs', 'throwOutside')], async (pool) => {
      const error = await rejection(pool.run(batch));
      expect(isTempehError(error) && error.code).toBe('TEMPEH_E_WORKER_CRASHED');
    });
  }, 15_000);

  it('the same pool keeps working after a crash: piscina replaces the thread', async () => {
    await withPool([fixtureTask('failing.mjs', 'exitOn', { index: 99 })], async (pool) => {
      const doomed: RawResource = { bytes: new TextEncoder().encode('{}'), index: 99, offset: 0 };
      expect(await rejection(pool.run([doomed]))).toBeInstanceOf(WorkerCrashedError);
      expect((await pool.run(batch)).map((row) => row.values[0])).toEqual(batch.map((raw) => raw.index));
    });
  }, 15_000);
});

describe('a worker that dies while idle', () => {
  it('is reported to onIdleWorkerError as WorkerCrashedError, not thrown on the main thread', async () => {
    let reported: (error: unknown) => void = () => undefined;
    const idleError = new Promise<unknown>((resolve) => {
      reported = resolve;
    });
    const pool = new EnginePool({ threads: 1, tasks: [fixtureTask('failing.mjs', 'throwAfterAnswer')], onIdleWorkerError: (error) => reported(error) });
    try {
      expect((await pool.run(batch.slice(0, 1))).map((row) => row.values[0])).toEqual([0]);
      const error = await idleError;
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(isTempehError(error) && error.code).toBe('TEMPEH_E_WORKER_CRASHED');
    } finally {
      await pool.close();
    }
  }, 15_000);
});

describe('cancellation', () => {
  const slow = fixtureTask('misc.mjs', 'sleep', { ms: 60_000 });

  it('aborting a running batch rejects it with TEMPEH_E_CANCELLED and the pool stays usable', async () => {
    const pool = new EnginePool({ threads: 1, tasks: [slow] });
    try {
      const controller = new AbortController();
      const running = pool.run(batch.slice(0, 1), { signal: controller.signal });
      controller.abort(new Error('user pressed ctrl-c'));
      const error = await rejection(running);
      expect(error).toBeInstanceOf(CancelledError);
      expect(isTempehError(error) && error.code).toBe('TEMPEH_E_CANCELLED');
      expect(pool.inFlight).toBe(0);
    } finally {
      await pool.close();
    }
  }, 15_000);

  it('after an abort the same pool runs the next batch', async () => {
    const echo = fixtureTask('misc.mjs', 'sleep', { ms: 0 });
    await withPool([echo], async (pool) => {
      const controller = new AbortController();
      const first = pool.run(batch, { signal: controller.signal });
      controller.abort();
      expect(isTempehError(await rejection(first)) && 'cancelled').toBe('cancelled');
      expect((await pool.run(batch)).map((row) => row.values[0])).toEqual(batch.map((raw) => raw.index));
    });
  }, 15_000);

  it('a signal already aborted rejects at once and sends nothing', async () => {
    await withPool([slow], async (pool) => {
      const packed = packBatch(batch);
      const error = await rejection(pool.run(packed, { signal: AbortSignal.abort() }));
      expect(isTempehError(error) && error.code).toBe('TEMPEH_E_CANCELLED');
      expect(packed.buffer.byteLength).toBeGreaterThan(0);
    });
  });

  it('aborting a run that waits for a slot removes it from the queue', async () => {
    const pool = new EnginePool({ threads: 1, maxInFlight: 1, tasks: [slow] });
    try {
      const controller = new AbortController();
      const first = pool.run(batch.slice(0, 1));
      // Handled from the start: close() below rejects it before we look.
      const firstError = rejection(first);
      const second = pool.run(batch.slice(0, 1), { signal: controller.signal });
      expect([pool.inFlight, pool.waiting]).toEqual([1, 1]);
      controller.abort();
      expect(isTempehError(await rejection(second)) && 'cancelled').toBe('cancelled');
      expect(pool.waiting).toBe(0);
      // close() cancels the one still running.
      await pool.close();
      const error = await firstError;
      expect(isTempehError(error) && error.code).toBe('TEMPEH_E_CANCELLED');
    } finally {
      await pool.close();
    }
  }, 15_000);

  it('close() rejects running and waiting runs with TEMPEH_E_CANCELLED, and later runs too', async () => {
    const pool = new EnginePool({ threads: 1, maxInFlight: 1, tasks: [slow] });
    const runs = [pool.run(batch.slice(0, 1)), pool.run(batch.slice(0, 1)), pool.run(batch.slice(0, 1))];
    const settled = runs.map(rejection);
    await pool.close();
    const errors = await Promise.all(settled);
    expect(errors.map((error) => isTempehError(error) && error.code)).toEqual(['TEMPEH_E_CANCELLED', 'TEMPEH_E_CANCELLED', 'TEMPEH_E_CANCELLED']);
    expect(isTempehError(await rejection(pool.run(batch))) && 'cancelled').toBe('cancelled');
  }, 15_000);
});

function isRaw(value: RawResource | undefined): value is RawResource {
  return value !== undefined;
}
