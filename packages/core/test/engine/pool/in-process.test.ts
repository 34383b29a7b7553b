import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerTaskError } from '../../../src/errors.js';
import { EnginePool, builtinTask, packBatch, runInProcess, type RawResource, type WorkerTask } from '../../../src/engine/pool/index.js';
import { FIXTURE_STATES, fixtureState, fixtureTask, ownedBatch, resourceBatch } from './fixture-batches.js';

// The in-process path runs the same task functions on the main thread; it
// must agree with the pool on every value and every error.

const TASKS: WorkerTask[] = [
  builtinTask('addresses'),
  builtinTask('resource-summary'),
  builtinTask('resource-hash'),
  fixtureTask('tag-count.mjs', 'countTagged', { key: 'Environment', value: 'prod' }),
  fixtureTask('misc.mjs', 'firstBig'),
  fixtureTask('misc.mjs', 'where'),
];

describe('runInProcess equals EnginePool.run', () => {
  let pool: EnginePool;
  beforeAll(() => {
    pool = new EnginePool({ threads: 2, tasks: TASKS });
  });
  afterAll(async () => {
    await pool.close();
  });

  it.each(FIXTURE_STATES)('%s: same rows, same values', async (name) => {
    const batch = resourceBatch(fixtureState(name));
    const local = await runInProcess(batch, TASKS);
    expect(local).toHaveLength(batch.length);
    expect(await pool.run(batch)).toEqual(local);
  });

  it('same values for a PackedBatch (and in-process does not detach it)', async () => {
    const batch = resourceBatch(fixtureState('edge/deposed.tfstate'));
    const local = await runInProcess(packBatch(batch), TASKS);
    const packed = packBatch(batch);
    expect(await runInProcess(packed, TASKS)).toEqual(local);
    expect(packed.buffer.byteLength).toBeGreaterThan(0);
    expect(await pool.run(packed)).toEqual(local);
  });

  it('same values for an OwnedBatch (and in-process does not detach it)', async () => {
    const batch = resourceBatch(fixtureState('edge/tainted.tfstate'));
    const owned = ownedBatch(batch);
    const local = await runInProcess(owned, TASKS);
    expect(owned.buffer.byteLength).toBeGreaterThan(0);
    expect(local).toEqual(await runInProcess(batch, TASKS));
    expect(await pool.run(owned)).toEqual(local);
  });

  it.each([
    ['a task that throws', fixtureTask('failing.mjs', 'throwOnSecond')],
    ['an init that throws', fixtureTask('failing.mjs', 'brokenInit')],
    ['a module that does not exist', fixtureTask('no-such-task.mjs', 'task')],
    ['a result msgpack cannot carry', fixtureTask('failing.mjs', 'returnsSymbol')],
  ])('%s: the same WorkerTaskError', async (_, task) => {
    const batch = resourceBatch(fixtureState('terraform.tfstate'));
    const single = new EnginePool({ threads: 1, tasks: [task] });
    try {
      const [local, pooled] = await Promise.all([errorOf(runInProcess(batch, [task])), errorOf(single.run(batch))]);
      expect(local).toBeInstanceOf(WorkerTaskError);
      expect(pooled).toBeInstanceOf(WorkerTaskError);
      expect(fields(local)).toEqual(fields(pooled));
    } finally {
      await single.close();
    }
  });

  it('a resource that is not valid JSON fails the same way in both', async () => {
    const broken: RawResource[] = [{ bytes: new TextEncoder().encode('{"mode": '), index: 3, offset: 40 }];
    const tasks = [builtinTask('addresses')];
    const [local, pooled] = await Promise.all([errorOf(runInProcess(broken, tasks)), errorOf(pool.run(broken))]);
    expect(fields(local)).toEqual(fields(pooled));
    expect(fields(local)).toMatchObject({ code: 'TEMPEH_E_WORKER_TASK', phase: 'map', resourceIndex: 3, causeCode: 'TEMPEH_E_INVALID_STATE' });
  });
});

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function fields(error: unknown): Record<string, unknown> {
  if (!(error instanceof WorkerTaskError)) return { notAWorkerTaskError: String(error) };
  const cause = error.cause instanceof Error ? error.cause : undefined;
  // Node's "cannot find module" text names the importing file: the src/ copy
  // under vitest here, the dist/ copy in the worker. In production both are dist/.
  const messages = error.phase === 'load' ? {} : { causeMessage: cause?.message, message: error.message };
  return {
    code: error.code,
    phase: error.phase,
    module: error.module,
    exportName: error.exportName,
    resourceIndex: error.resourceIndex,
    causeCode: error.causeCode,
    causeName: cause?.name,
    ...messages,
  };
}
