import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateStats, type StateStats, type StatsGroup } from '../../src/inspect/state-stats.js';
import { REPO_ROOT, chunked } from './fixture-states.js';

// Fixtures in Terraform's own layout: each resource runs from a line "    {" to a line "    }" or "    },".
const FIXTURES = [
  'fixtures/terraform/terraform.tfstate',
  'fixtures/terraform/edge/tainted.tfstate',
  'fixtures/terraform/edge/deposed.tfstate',
  'fixtures/terraform/generated/aws-6-services.tfstate',
  'fixtures/terraform/generated/builtin-3-services.tfstate',
  'fixtures/terraform/pg/empty-workspace.tfstate',
  'fixtures/odd-keys/modules/terraform.tfstate',
];

type Expected = StateStats;

interface Instance {
  deposed?: string;
  status?: string;
  sensitive_attributes?: unknown[];
}
interface Resource {
  module?: string;
  mode: string;
  type: string;
  name: string;
  provider: string;
  instances: Instance[];
}

/** Each resource's size from the file's lines, independent of the engine's splitter. */
function resourceSizes(text: string): number[] {
  const sizes: number[] = [];
  let start: number | undefined;
  let at = 0;
  let inResources = false;
  for (const line of text.split('\n')) {
    if (line === '  "resources": [') inResources = true;
    else if (line === '  ]' || line === '  ],') inResources = false;
    else if (inResources && line === '    {') start = at + 4;
    else if (inResources && (line === '    }' || line === '    },') && start !== undefined) {
      sizes.push(Buffer.byteLength(text.slice(start, at + 5)));
      start = undefined;
    }
    at += line.length + 1;
  }
  return sizes;
}

/** The statistics computed with JSON.parse, for `top` largest resources. */
function expectedStats(text: string, top: number): Expected {
  const parsed: { resources: Resource[] } = JSON.parse(text);
  const sizes = resourceSizes(text);
  expect(sizes.length).toBe(parsed.resources.length);
  const groups = { byType: new Map<string, StatsGroup>(), byProvider: new Map<string, StatsGroup>(), byModule: new Map<string, StatsGroup>() };
  const e: Expected = {
    resources: 0, managed: 0, data: 0, instances: 0, tainted: 0, deposed: 0, sensitiveAttributes: 0,
    resourceBytes: 0, totalBytes: Buffer.byteLength(text), byType: [], byProvider: [], byModule: [], largest: [],
  };
  const all: { address: string; bytes: number }[] = [];
  parsed.resources.forEach((r, i) => {
    const bytes = sizes[i] ?? 0;
    const current = r.instances.filter((x) => x.deposed === undefined);
    e.resources++;
    if (r.mode === 'data') e.data++;
    else e.managed++;
    e.instances += current.length;
    e.tainted += current.filter((x) => x.status === 'tainted').length;
    e.deposed += r.instances.length - current.length;
    e.sensitiveAttributes += r.instances.reduce((sum, x) => sum + (x.sensitive_attributes?.length ?? 0), 0);
    e.resourceBytes += bytes;
    const module = r.module ?? '';
    for (const [map, key] of [[groups.byType, r.type], [groups.byProvider, r.provider], [groups.byModule, module]] as const) {
      const g = map.get(key) ?? { key, resources: 0, instances: 0, bytes: 0 };
      g.resources++;
      g.instances += current.length;
      g.bytes += bytes;
      map.set(key, g);
    }
    all.push({ address: `${module === '' ? '' : `${module}.`}${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`, bytes });
  });
  const sorted = (map: Map<string, StatsGroup>): StatsGroup[] => [...map.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  e.byType = sorted(groups.byType);
  e.byProvider = sorted(groups.byProvider);
  e.byModule = sorted(groups.byModule);
  // Array.prototype.sort is stable: ties stay in resource order.
  e.largest = all.sort((a, b) => b.bytes - a.bytes).slice(0, top);
  return e;
}

describe('stateStats', () => {
  describe.each([
    { path: 'in-process', options: {} },
    { path: 'pool', options: { inProcessBelowBytes: 0, threads: 2 } },
  ])('$path', ({ options }) => {
    it.each(FIXTURES)('equals the counts computed with JSON.parse on %s', async (fixture) => {
      const text = await readFile(path.join(REPO_ROOT, fixture), 'utf8');
      const stats = await stateStats(chunked(Buffer.from(text)), { ...options, top: 5 });
      expect(stats).toEqual(expectedStats(text, 5));
    });
  });

  it('sees tainted, deposed and sensitive attributes in the edge fixtures', async () => {
    const read = async (f: string): Promise<Buffer> => readFile(path.join(REPO_ROOT, f));
    expect((await stateStats(chunked(await read('fixtures/terraform/edge/tainted.tfstate')))).tainted).toBeGreaterThan(0);
    expect((await stateStats(chunked(await read('fixtures/terraform/edge/deposed.tfstate')))).deposed).toBeGreaterThan(0);
    expect((await stateStats(chunked(await read('fixtures/terraform/generated/aws-6-services.tfstate')))).sensitiveAttributes).toBeGreaterThan(0);
  });

  it('applies the filters and the top count', async () => {
    const bytes = await readFile(path.join(REPO_ROOT, 'fixtures/terraform/generated/aws-6-services.tfstate'));
    const all = await stateStats(chunked(bytes), { top: 0 });
    expect(all.largest).toEqual([]);
    const aws = await stateStats(chunked(bytes), { provider: ['hashicorp/aws'], top: 3 });
    expect(aws.byProvider.map((g) => g.key)).toEqual(['provider["registry.terraform.io/hashicorp/aws"]']);
    expect(aws.resources).toBe(all.byProvider.find((g) => g.key.includes('hashicorp/aws'))?.resources);
    expect(aws.largest.length).toBe(3);
    const type = all.byType[0];
    if (type === undefined) throw new Error('no types');
    const one = await stateStats(chunked(bytes), { type: [type.key] });
    expect(one.byType).toEqual([type]);
    expect(one.totalBytes).toBe(bytes.byteLength);
  });
});
