import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listInstanceAddresses } from '../../../src/address/state-instances.js';
import { EnginePool, builtinTask, type ResourceSummary, type TaskResults } from '../../../src/engine/pool/index.js';
import { FIXTURE_STATES, fixtureState, fixtureTask, resourceBatch } from './fixture-batches.js';

// Built-in and third-party tasks, through the real pool and the compiled
// worker in dist/ (run `npx tsc -b packages/core` first).

const TASKS = [builtinTask('addresses'), builtinTask('resource-summary'), builtinTask('resource-hash')];

describe('built-in worker tasks through EnginePool', () => {
  let pool: EnginePool;
  beforeAll(() => {
    pool = new EnginePool({ threads: 2, tasks: TASKS });
  });
  afterAll(async () => {
    await pool.close();
  });

  it.each(FIXTURE_STATES)('%s: one result row per resource, in batch order', async (name) => {
    const batch = resourceBatch(fixtureState(name));
    const results = await pool.run(batch);
    expect(results.map((row) => [row.index, row.offset, row.values.length])).toEqual(batch.map((raw) => [raw.index, raw.offset, 3]));
  });

  it.each(FIXTURE_STATES)('%s: addresses, merged, are the `terraform state list` lines', async (name) => {
    const state = fixtureState(name);
    const results = await pool.run(resourceBatch(state));
    const lines = results.flatMap((row) => stringArray(row.values[0]));
    expect(lines.sort()).toEqual(listInstanceAddresses(state).sort());
  });

  it('addresses of the main fixture match state-list.txt as Terraform printed it', async () => {
    const results = await pool.run(resourceBatch(fixtureState('terraform.tfstate')));
    const printed = readFileSync(new URL('../../../../../fixtures/terraform/state-list.txt', import.meta.url), 'utf8').trim().split('\n');
    expect(results.flatMap((row) => stringArray(row.values[0])).sort()).toEqual([...printed].sort());
  });

  it.each(FIXTURE_STATES)('%s: resource-hash is the sha256 of the bytes sent', async (name) => {
    const batch = resourceBatch(fixtureState(name));
    const results = await pool.run(batch);
    expect(results.map((row) => row.values[2])).toEqual(batch.map((raw) => createHash('sha256').update(raw.bytes).digest('hex')));
  });

  it.each(FIXTURE_STATES)('%s: resource-summary counts what JSON.parse sees', async (name) => {
    const state = fixtureState(name);
    const batch = resourceBatch(state);
    const results = await pool.run(batch);
    const expected = batch.map((raw) => expectedSummary(JSON.parse(new TextDecoder().decode(raw.bytes)), raw.bytes.byteLength));
    expect(results.map((row) => row.values[1])).toEqual(expected);
  });

  it('counts deposed and tainted objects in the edge fixtures', async () => {
    const summaries = async (name: string): Promise<ResourceSummary[]> => summariesOf(await pool.run(resourceBatch(fixtureState(name))));
    const deposed = (await summaries('edge/deposed.tfstate')).find((s) => s.name === 'rotating');
    expect(deposed).toMatchObject({ instances: 1, deposed: 1, tainted: 0 });
    const tainted = (await summaries('edge/tainted.tfstate')).find((s) => s.name === 'member');
    expect(tainted).toMatchObject({ instances: 3, deposed: 0, tainted: 1 });
  });
});

describe('a third-party task loaded by file URL', () => {
  it('counts instances tagged Owner=growth in every worker', async () => {
    const state = fixtureState('generated/aws-6-services.tfstate');
    const batch = resourceBatch(state);
    const pool = new EnginePool({ threads: 2, tasks: [fixtureTask('tag-count.mjs', 'countTagged', { key: 'Owner', value: 'growth' })] });
    try {
      // Several batches, so more than one worker loads and inits the task.
      const halves = [batch.slice(0, 20), batch.slice(20)];
      const results = (await Promise.all(halves.map((half) => pool.run(half)))).flat();
      const total = results.reduce((sum, row) => sum + numberOf(row.values[0]), 0);
      const expected = JSON.parse(JSON.stringify(state.resources)).flatMap((r: { instances: { deposed?: string; attributes?: { tags?: Record<string, string> | null } }[] }) =>
        r.instances.filter((i) => !i.deposed && i.attributes?.tags?.Owner === 'growth'),
      ).length;
      expect(expected).toBeGreaterThan(0);
      expect(total).toBe(expected);
    } finally {
      await pool.close();
    }
  });
});

function stringArray(value: unknown): string[] {
  expect(Array.isArray(value)).toBe(true);
  return Array.isArray(value) ? value.map(String) : [];
}

function numberOf(value: unknown): number {
  expect(typeof value).toBe('number');
  return typeof value === 'number' ? value : Number.NaN;
}

function summariesOf(results: TaskResults[]): ResourceSummary[] {
  return results.map((row) => {
    const value: unknown = row.values[1];
    if (typeof value !== 'object' || value === null) throw new Error('not a summary');
    return { ...expectedShape, ...value };
  });
}

const expectedShape: ResourceSummary = { type: '', name: '', provider: '', module: '', mode: '', instances: 0, tainted: 0, deposed: 0, sensitiveAttributes: 0, bytes: 0 };

interface PlainResource {
  type: string;
  name: string;
  provider: string;
  module?: string;
  mode: string;
  instances: { deposed?: string; status?: string; sensitive_attributes?: unknown[] }[];
}

function expectedSummary(resource: PlainResource, bytes: number): ResourceSummary {
  const current = resource.instances.filter((i) => !i.deposed);
  return {
    type: resource.type,
    name: resource.name,
    provider: resource.provider,
    module: resource.module ?? '',
    mode: resource.mode,
    instances: current.length,
    tainted: current.filter((i) => i.status === 'tainted').length,
    deposed: resource.instances.length - current.length,
    sensitiveAttributes: resource.instances.reduce((sum, i) => sum + (i.sensitive_attributes?.length ?? 0), 0),
    bytes,
  };
}
