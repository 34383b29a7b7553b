import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TempehError } from '../../src/errors.js';
import { findInstances, type FindInstancesOptions, type FoundInstance } from '../../src/inspect/find-instances.js';
import { REPO_ROOT, chunked } from './fixture-states.js';

const AWS = path.join(REPO_ROOT, 'fixtures/terraform/generated/aws-6-services.tfstate');

interface Instance {
  index_key?: string | number;
  deposed?: string;
  attributes?: Record<string, unknown>;
}
interface Resource {
  module?: string;
  mode: string;
  type: string;
  name: string;
  provider: string;
  instances: Instance[];
}

/** The expected output, from JSON.parse; the fixture's keys are plain ASCII, so addresses are simple to write. */
async function expected(file: string, match: (r: Resource, i: Instance) => boolean): Promise<FoundInstance[]> {
  const parsed: { resources: Resource[] } = JSON.parse(await readFile(file, 'utf8'));
  return parsed.resources.flatMap((r) =>
    r.instances
      .filter((i) => i.deposed === undefined && match(r, i))
      .map((i) => {
        const key = i.index_key === undefined ? '' : typeof i.index_key === 'number' ? `[${i.index_key}]` : `[${JSON.stringify(i.index_key)}]`;
        const address = `${r.module === undefined ? '' : `${r.module}.`}${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}${key}`;
        return {
          address,
          type: r.type,
          provider: r.provider,
          ...(r.module === undefined ? {} : { module: r.module }),
          ...(i.index_key === undefined ? {} : { index_key: i.index_key }),
        };
      }),
  );
}

async function find(options: FindInstancesOptions): Promise<FoundInstance[]> {
  const found: FoundInstance[] = [];
  for await (const instance of findInstances(chunked(await readFile(AWS)), options)) found.push(instance);
  return found;
}

const tag = (i: Instance, key: string): unknown => {
  const tags = i.attributes?.tags;
  return typeof tags === 'object' && tags !== null ? Reflect.get(tags, key) : undefined;
};

describe('findInstances', () => {
  describe.each([
    { path: 'in-process', options: {} },
    { path: 'pool', options: { inProcessBelowBytes: 0, threads: 2 } },
  ])('$path', ({ options }) => {
    it('with no predicate, finds every current instance', async () => {
      expect(await find(options)).toEqual(await expected(AWS, () => true));
    });

    it('--tag keeps instances whose tags hold every KEY=VALUE', async () => {
      const found = await find({ ...options, tags: ['Environment=prod', 'Owner=search'] });
      expect(found.length).toBeGreaterThan(0);
      expect(found).toEqual(await expected(AWS, (_r, i) => tag(i, 'Environment') === 'prod' && tag(i, 'Owner') === 'search'));
    });

    it('--attr compares strings and numbers at a dotted path, with the resource filters', async () => {
      const found = await find({ ...options, type: ['aws_instance'], attrs: ['instance_type=t3.micro', 'root_block_device.0.volume_size=30'] });
      expect(found.length).toBeGreaterThan(0);
      expect(found).toEqual(
        await expected(AWS, (r, i) => {
          const disk: unknown = Array.isArray(i.attributes?.root_block_device) ? i.attributes.root_block_device[0] : undefined;
          const size = typeof disk === 'object' && disk !== null ? Reflect.get(disk, 'volume_size') : undefined;
          return r.type === 'aws_instance' && i.attributes?.instance_type === 't3.micro' && size === 30;
        }),
      );
    });

    it('--module and --provider narrow the resources', async () => {
      const found = await find({ ...options, module: 'module.service', provider: ['aws'] });
      expect(found).toEqual(await expected(AWS, (r) => r.module?.startsWith('module.service[') === true));
      expect(await find({ ...options, provider: ['terraform'] })).toEqual([]);
    });
  });

  it('a predicate without = is TEMPEH_E_USAGE', async () => {
    const error = await find({ tags: ['Environment'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TempehError);
    expect(error instanceof TempehError ? error.code : undefined).toBe('TEMPEH_E_USAGE');
  });

  it('refuses non-integer index keys with TEMPEH_E_INVALID_STATE on the pool path', async () => {
    const bytes = await readFile(path.join(REPO_ROOT, 'fixtures/odd-keys/handmade/number-keys/terraform.tfstate'));
    const run = async (): Promise<void> => {
      for await (const found of findInstances(chunked(bytes), { inProcessBelowBytes: 0, threads: 1 })) expect(found.address).toBeTypeOf('string');
    };
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TempehError);
    expect(error instanceof TempehError ? error.code : undefined).toBe('TEMPEH_E_INVALID_STATE');
  });
});
