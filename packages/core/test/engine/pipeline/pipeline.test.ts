import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../../src/backend/memory-backend.js';
import { fromBackend, fromFile, fromFiles, fromWorkspaces, pipeline } from '../../../src/engine/pipeline/index.js';
import { FIXTURES_ROOT, rejection } from '../splitter/helpers.js';

// Pipelines through the real pool and in-process, over real fixture states.
// Run `npx tsc -b packages/core` first (the stages run from dist/).

const stages = new URL('fixtures/stages.mjs', import.meta.url).href;
const task = (name: string, options?: { type: string }) => (options === undefined ? { module: stages, export: name } : { module: stages, export: name, options });

const FILES = ['terraform/terraform.tfstate', 'terraform/upstream.tfstate', 'terraform/generated/aws-6-services.tfstate', 'odd-keys/handmade/deposed/terraform.tfstate'].map((path) =>
  join(FIXTURES_ROOT, path),
);

/** What the pipeline should find, computed with JSON.parse. */
function expectedOfType(path: string, type: string): { index: number; type: string; name: string }[] {
  const state: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const resources: unknown = typeof state === 'object' && state !== null ? Reflect.get(state, 'resources') : undefined;
  if (!Array.isArray(resources)) throw new Error(`${path} has no resources`);
  return resources.flatMap((resource: { type: string; name: string }, index) => (resource.type === type ? [{ index, type: resource.type, name: resource.name }] : []));
}

function isDescription(value: unknown): value is { type: string; name: string; instances: number } {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'type') === 'string' && typeof Reflect.get(value, 'instances') === 'number';
}

describe('pipeline over files', () => {
  it.each([
    ['in-process', {}],
    ['through one shared pool', { inProcessBelowBytes: 0, threads: 2 }],
  ])('filter → map → collect, %s, tagged with each file, in order', async (_, options) => {
    const run = pipeline(fromFiles(FILES)).filter(task('ofType', { type: 'aws_instance' })).map(task('describe'), isDescription).run(options);
    const items = [];
    for await (const item of run) items.push(item);
    const expected = FILES.flatMap((path) => expectedOfType(path, 'aws_instance').map((resource) => ({ path, ...resource })));
    expect(expected.length).toBeGreaterThan(0);
    expect(items.map((item) => ({ path: item.source.kind === 'file' ? item.source.path : '', index: item.index, type: item.value.type, name: item.value.name }))).toEqual(expected);
    expect(run.inputs.map((input) => input.source)).toEqual(FILES.map((path) => ({ kind: 'file', path })));
    const pooled = 'inProcessBelowBytes' in options;
    expect(run.poolsStarted).toBe(pooled ? 1 : 0);
    expect(run.inputs.every((input) => input.mode === (pooled ? 'pool' : 'in-process'))).toBe(true);
    expect(run.inputs[0]?.summary.keyOrder).toContain('lineage');
  });

  it('a filter keeps later stages away from the resources it drops', async () => {
    const path = join(FIXTURES_ROOT, 'terraform/terraform.tfstate');
    const names = await pipeline(fromFile(path))
      .filter(task('ofType', { type: 'terraform_data' }))
      .map(task('onlyTerraformData'))
      .reduce((all: unknown[], item) => [...all, item.value], [], { inProcessBelowBytes: 0, threads: 1 });
    expect(names).toEqual(expectedOfType(path, 'terraform_data').map((resource) => resource.name));
  });

  it('with no stages, every resource is kept with value null; the source is large enough to start the pool', async () => {
    const seen: number[] = [];
    await pipeline(fromFiles(FILES)).forEach((item) => void seen.push(item.value === null ? item.index : -1), { inProcessBelowBytes: 1024, threads: 1 });
    const counts = FILES.map((path) => {
      const state: unknown = JSON.parse(readFileSync(path, 'utf8'));
      const resources: unknown = typeof state === 'object' && state !== null ? Reflect.get(state, 'resources') : [];
      return Array.isArray(resources) ? resources.length : 0;
    });
    expect(seen).toEqual(counts.flatMap((count) => Array.from({ length: count }, (_, index) => index)));
  });

  it('a filter that returns something other than a boolean: WorkerTaskError', async () => {
    const error = await rejection(() => pipeline(fromFile(FILES[0] ?? '')).filter(task('notABoolean')).collect({ inProcessBelowBytes: 0, threads: 1 }));
    expect(error.code).toBe('TEMPEH_E_WORKER_TASK');
  });

  it('a stage module that cannot be loaded: WorkerTaskError from init', async () => {
    const error = await rejection(() => pipeline(fromFile(FILES[0] ?? '')).map({ module: new URL('fixtures/missing.mjs', import.meta.url).href, export: 'x' }).collect());
    expect(error.code).toBe('TEMPEH_E_WORKER_TASK');
    expect(Reflect.get(error, 'phase')).toBe('init');
  });

  it('a missing file: NotFoundError', async () => {
    const error = await rejection(() => pipeline(fromFile(join(FIXTURES_ROOT, 'no-such.tfstate'))).collect());
    expect(error.code).toBe('TEMPEH_E_NOT_FOUND');
  });

  it('an aborted signal: CancelledError, and the shared pool is closed', async () => {
    const controller = new AbortController();
    const run = pipeline(fromFiles(FILES)).run({ inProcessBelowBytes: 0, threads: 1, signal: controller.signal });
    const error = await rejection(async () => {
      for await (const item of run) if (item.index === 2) controller.abort();
    });
    expect(error.code).toBe('TEMPEH_E_CANCELLED');
    expect(run.poolsStarted).toBe(1);
  });
});

describe('pipeline over workspaces', () => {
  async function backendWithWorkspaces(): Promise<MemoryBackend> {
    const backend = new MemoryBackend();
    await backend.init();
    await backend.putState('default', readFileSync(join(FIXTURES_ROOT, 'terraform/terraform.tfstate')));
    await backend.putState('staging', readFileSync(join(FIXTURES_ROOT, 'terraform/terraform.tfstate.d/staging/terraform.tfstate')));
    await backend.putState('aws', readFileSync(join(FIXTURES_ROOT, 'terraform/generated/aws-6-services.tfstate')));
    await backend.createWorkspace('empty');
    return backend;
  }

  it('fromWorkspaces reads every workspace with a state, tagged with its name', async () => {
    const backend = await backendWithWorkspaces();
    const items = await pipeline(fromWorkspaces(backend)).filter(task('ofType', { type: 'terraform_remote_state' })).map(task('describe'), isDescription).collect();
    const workspaces = (await backend.listWorkspaces()).filter((workspace) => workspace !== 'empty' && workspace !== 'aws');
    expect(items.map((item) => (item.source.kind === 'workspace' ? item.source.workspace : ''))).toEqual(workspaces);
    expect(items.every((item) => item.value.name === 'upstream')).toBe(true);
    await backend.close();
  });

  it('fromBackend reads one workspace through the pool', async () => {
    const backend = await backendWithWorkspaces();
    const count = await pipeline(fromBackend(backend, 'aws'))
      .filter(task('ofType', { type: 'aws_instance' }))
      .map(task('describe'), isDescription)
      .reduce((sum, item) => sum + item.value.instances, 0, { inProcessBelowBytes: 0, threads: 2 });
    const path = join(FIXTURES_ROOT, 'terraform/generated/aws-6-services.tfstate');
    expect(count).toBe(JSON.parse(readFileSync(path, 'utf8')).resources.filter((r: { type: string }) => r.type === 'aws_instance').reduce((sum: number, r: { instances: { deposed?: string }[] }) => sum + r.instances.filter((i) => !i.deposed).length, 0));
    expect(await pipeline(fromBackend(backend, 'empty')).collect()).toEqual([]);
    await backend.close();
  });
});
