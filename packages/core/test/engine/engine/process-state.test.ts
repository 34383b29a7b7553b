import { afterAll, describe, expect, it } from 'vitest';
import { WorkerCrashedError, WorkerTaskError } from '../../../src/errors.js';
import { EnginePool, builtinTask, runInProcess, type TaskResults } from '../../../src/engine/pool/index.js';
import { processState, type EngineProgress } from '../../../src/engine/engine.js';
import { chunked, fixtureStates, readFixture, rejection, split } from '../splitter/helpers.js';
import { fixtureTask } from '../pool/fixture-batches.js';

// processState against the in-process reference: the same results, in the
// same order, whichever path runs them. Run `npx tsc -b packages/core` first
// (the workers load dist/).

const tasks = [builtinTask('addresses'), builtinTask('resource-summary'), builtinTask('resource-hash')];
const shared = new EnginePool({ threads: 2, tasks });
afterAll(() => shared.close());

async function reference(file: Buffer): Promise<TaskResults[]> {
  const { resources } = await split(chunked(file, 4096));
  return runInProcess(resources, tasks);
}

describe('processState on every fixture', () => {
  it.each(fixtureStates())('%s: pooled results equal runInProcess, in order', async (path) => {
    const file = readFixture(path);
    const expected = await reference(file);
    // Small batches and chunks, so even a small fixture spans several batches in flight.
    const processing = processState(chunked(file, 1000), { pool: shared, inProcessBelowBytes: 0, maxInFlight: 3, split: { batchBytes: 2048 } });
    const results = await processing.toArray();
    expect(processing.mode).toBe('pool');
    expect(results).toEqual(expected);
    expect(processing.summary.resourceCount).toBe(expected.length);
    expect(processing.summary.bytesRead).toBe(file.length);
  });

  it.each(fixtureStates())('%s: in-process results equal runInProcess', async (path) => {
    const file = readFixture(path);
    const processing = processState(chunked(file, 777), { tasks, split: { batchBytes: 2048 } });
    expect(await processing.toArray()).toEqual(await reference(file));
    expect(processing.mode).toBe('in-process');
  });
});

describe('the in-process threshold', () => {
  const file = readFixture('terraform/generated/aws-6-services.tfstate');

  it.each([
    ['a known size below the threshold', { size: file.length, inProcessBelowBytes: file.length + 1 }, 'in-process'],
    ['a known size at the threshold', { size: file.length, inProcessBelowBytes: file.length }, 'pool'],
    ['no size, and the whole input turns out smaller', { inProcessBelowBytes: file.length + 1 }, 'in-process'],
    ['no size, and the input reaches the threshold', { inProcessBelowBytes: 4096 }, 'pool'],
    ['a threshold of 0', { inProcessBelowBytes: 0 }, 'pool'],
  ] as const)('%s → %s', async (_, options, mode) => {
    const progress: EngineProgress[] = [];
    const processing = processState(chunked(file, 1024), { ...options, tasks, threads: 1, split: { batchBytes: 4096 }, onProgress: (p) => progress.push(p) });
    const results = await processing.toArray();
    expect(processing.mode).toBe(mode);
    expect(results).toEqual(await reference(file));
    expect(progress.at(-1)).toEqual({ bytes: file.length, resources: results.length });
    expect(progress.map((p) => p.resources)).toEqual([...progress.map((p) => p.resources)].sort((a, b) => a - b));
  });
});

describe('failures', () => {
  const file = readFixture('terraform/terraform.tfstate');

  it('a task that throws: WorkerTaskError, and the pool it started is closed', async () => {
    const processing = processState(chunked(file, 512), { tasks: [fixtureTask('failing.mjs', 'throwOnSecond')], inProcessBelowBytes: 0, threads: 1 });
    const error = await rejection(() => processing.toArray());
    expect(error.code).toBe('TEMPEH_E_WORKER_TASK');
    expect(error instanceof WorkerTaskError && error.resourceIndex).toBe(1);
  });

  it('a task that throws in-process: the same WorkerTaskError', async () => {
    const error = await rejection(() => processState(chunked(file, 512), { tasks: [fixtureTask('failing.mjs', 'throwOnSecond')] }).toArray());
    expect(error instanceof WorkerTaskError && [error.code, error.resourceIndex]).toEqual(['TEMPEH_E_WORKER_TASK', 1]);
  });

  it('a worker that dies: WorkerCrashedError, not a hang', async () => {
    const error = await rejection(() => processState(chunked(file, 512), { tasks: [fixtureTask('failing.mjs', 'exitWorker')], inProcessBelowBytes: 0, threads: 1 }).toArray());
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.code).toBe('TEMPEH_E_WORKER_CRASHED');
  }, 15_000);

  it('an aborted signal: CancelledError before anything runs', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(() => processState(chunked(file, 512), { tasks, signal: controller.signal }).toArray());
    expect(error.code).toBe('TEMPEH_E_CANCELLED');
  });

  it('a reused pool with other tasks is refused', () => {
    expect(() => processState(chunked(file, 512), { pool: shared, tasks: [builtinTask('addresses')] })).toThrow(expect.objectContaining({ code: 'TEMPEH_E_USAGE' }));
  });

  it('a reused pool stays open after processState ends', async () => {
    const results = await processState(chunked(file, 512), { pool: shared, inProcessBelowBytes: 0 }).toArray();
    expect(results.length).toBeGreaterThan(0);
  });
});
