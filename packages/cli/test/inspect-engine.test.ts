import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, MAIN_FIXTURE, errorCode, tempDir, tempeh } from './helpers/cli.js';

const AWS = path.join(FIXTURES, 'generated/aws-6-services.tfstate');
const mainList = async (): Promise<string[]> => (await readFile(path.join(FIXTURES, 'state-list.txt'), 'utf8')).split('\n').filter(Boolean);

interface Resource {
  module?: string;
  mode: string;
  type: string;
  provider: string;
  instances: { deposed?: string; status?: string; sensitive_attributes?: unknown[] }[];
}
const resourcesOf = async (file: string): Promise<Resource[]> => {
  const parsed: { resources: Resource[] } = JSON.parse(await readFile(file, 'utf8'));
  return parsed.resources;
};

describe('tempeh list filters', () => {
  it('--type keeps exact types, repeatable', async () => {
    const all = await mainList();
    const result = await tempeh(['--state', MAIN_FIXTURE, 'list', '--type', 'terraform_data', '--type', 'terraform_remote_state'], { cwd: await tempDir() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.split('\n').filter(Boolean)).toEqual(all.filter((a) => /(^|\.)(terraform_data|data\.terraform_remote_state)\./.test(a)));
  });

  it('--module keeps the module and its children; root keeps the root module', async () => {
    const all = await mainList();
    const blue = await tempeh(['--state', MAIN_FIXTURE, 'list', '--module', 'module.app_blue'], { cwd: await tempDir() });
    expect(blue.code).toBe(0);
    expect(blue.out.split('\n').filter(Boolean)).toEqual(all.filter((a) => a.startsWith('module.app_blue.')));
    const root = await tempeh(['--state', MAIN_FIXTURE, 'list', '--module', 'root', '--json'], { cwd: await tempDir() });
    expect(root.code).toBe(0);
    expect(JSON.parse(root.out)).toEqual(all.filter((a) => !a.startsWith('module.')));
  });

  it('--provider matches the short name and the source address', async () => {
    const resources = await resourcesOf(AWS);
    const dir = await tempDir();
    const all = await tempeh(['--state', AWS, 'list', '--json'], { cwd: dir });
    const aws = await tempeh(['--state', AWS, 'list', '--provider', 'aws', '--json'], { cwd: dir });
    const full = await tempeh(['--state', AWS, 'list', '--provider', 'registry.terraform.io/hashicorp/aws', '--json'], { cwd: dir });
    const none = await tempeh(['--state', AWS, 'list', '--provider', 'terraform', '--json'], { cwd: dir });
    expect([all.code, aws.code, full.code, none.code]).toEqual([0, 0, 0, 0]);
    expect(resources.every((r) => r.provider.includes('hashicorp/aws'))).toBe(true);
    expect(JSON.parse(aws.out)).toEqual(JSON.parse(all.out));
    expect(JSON.parse(full.out)).toEqual(JSON.parse(all.out));
    expect(JSON.parse(none.out)).toEqual([]);
  });

  it('a --module that does not parse is TEMPEH_E_INVALID_ADDRESS (exit 1)', async () => {
    const result = await tempeh(['--state', MAIN_FIXTURE, 'list', '--module', 'module.'], { cwd: await tempDir() });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_INVALID_ADDRESS');
  });

  it('--help names the filters', async () => {
    const result = await tempeh(['list', '--help'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    for (const flag of ['--type', '--module', '--provider']) expect(result.out).toContain(flag);
  });
});

describe('tempeh stats', () => {
  it('--json gives the counts computed with JSON.parse', async () => {
    const resources = await resourcesOf(AWS);
    const result = await tempeh(['--state', AWS, 'stats', '--json', '--top', '2'], { cwd: await tempDir() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const stats: unknown = JSON.parse(result.out);
    const current = resources.flatMap((r) => r.instances.filter((i) => i.deposed === undefined));
    expect(stats).toMatchObject({
      resources: resources.length,
      managed: resources.filter((r) => r.mode === 'managed').length,
      data: resources.filter((r) => r.mode === 'data').length,
      instances: current.length,
      tainted: current.filter((i) => i.status === 'tainted').length,
      deposed: resources.flatMap((r) => r.instances).length - current.length,
      sensitiveAttributes: resources.flatMap((r) => r.instances).reduce((n, i) => n + (i.sensitive_attributes?.length ?? 0), 0),
      totalBytes: (await readFile(AWS)).byteLength,
    });
    const types = [...new Set(resources.map((r) => r.type))].sort();
    expect(stats).toHaveProperty('byType', expect.arrayContaining(types.map((key) => expect.objectContaining({ key }))));
    expect(stats).toHaveProperty('largest', expect.any(Array));
    if (typeof stats !== 'object' || stats === null || !('largest' in stats) || !Array.isArray(stats.largest)) throw new Error('no largest');
    expect(stats.largest).toHaveLength(2);
  });

  it('prints tables for humans', async () => {
    const result = await tempeh(['--state', AWS, 'stats', '--type', 'aws_instance'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^resources\s+18 \(18 managed, 0 data\)$/m);
    for (const header of ['TYPE', 'PROVIDER', 'MODULE', 'LARGEST']) expect(result.out).toContain(header);
  });

  it('--top that is not a number is a usage error (exit 2)', async () => {
    const result = await tempeh(['--state', AWS, 'stats', '--top', 'many'], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_USAGE');
  });

  it('a missing state is TEMPEH_E_NOT_FOUND (exit 1)', async () => {
    const dir = await tempDir();
    const result = await tempeh(['--state', path.join(dir, 'none.tfstate'), 'stats'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });

  it('refuses non-integer index keys with TEMPEH_E_INVALID_STATE', async () => {
    const state = path.join(FIXTURES, '../odd-keys/handmade/number-keys/terraform.tfstate');
    const result = await tempeh(['--state', state, 'stats'], { cwd: await tempDir() });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_INVALID_STATE');
  });

  it('--help names --top and the filters', async () => {
    const result = await tempeh(['stats', '--help'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    for (const flag of ['--top', '--type', '--module', '--provider']) expect(result.out).toContain(flag);
  });
});

describe('tempeh find', () => {
  const lines = (out: string): unknown[] => out.split('\n').filter(Boolean).map((line): unknown => JSON.parse(line));

  it('prints one JSON line per matching instance: --tag, --attr and the resource filters together', async () => {
    const result = await tempeh(
      ['--state', AWS, 'find', '--type', 'aws_instance', '--module', 'module.service', '--provider', 'aws', '--tag', 'Environment=prod', '--attr', 'instance_type=t3.micro'],
      { cwd: await tempDir() },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const found = lines(result.out);
    expect(found.length).toBeGreaterThan(0);
    for (const line of found) {
      expect(line).toMatchObject({ type: 'aws_instance', provider: 'provider["registry.terraform.io/hashicorp/aws"]', module: expect.stringMatching(/^module\.service\[/) });
      expect(Object.keys(line ?? {}).every((key) => ['address', 'type', 'provider', 'module', 'index_key'].includes(key))).toBe(true);
    }
  });

  it('with no predicate prints every current instance, leaving out module and index_key when absent', async () => {
    const result = await tempeh(['--state', MAIN_FIXTURE, 'find'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    const found = lines(result.out);
    const addresses = found.map((line) => (typeof line === 'object' && line !== null ? Reflect.get(line, 'address') : undefined));
    expect([...addresses].sort()).toEqual([...(await mainList())].sort());
    expect(found).toContainEqual({ address: 'module.app_blue.terraform_data.config', type: 'terraform_data', provider: 'provider["terraform.io/builtin/terraform"]', module: 'module.app_blue' });
    expect(found).toContainEqual(expect.objectContaining({ address: 'module.app_blue.terraform_data.by_key["x"]', index_key: 'x' }));
  });

  it('prints nothing and exits 0 when nothing matches', async () => {
    const result = await tempeh(['--state', AWS, 'find', '--tag', 'Environment=nowhere'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    expect(result.out).toBe('');
  });

  it('a --tag without = is a usage error (exit 2)', async () => {
    const result = await tempeh(['--state', AWS, 'find', '--tag', 'Environment'], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_USAGE');
  });

  it('--help names the predicates and the filters; the command list names stats and find', async () => {
    const dir = await tempDir();
    const help = await tempeh(['find', '--help'], { cwd: dir });
    expect(help.code).toBe(0);
    for (const flag of ['--tag', '--attr', '--type', '--module', '--provider']) expect(help.out).toContain(flag);
    const top = await tempeh(['--help'], { cwd: dir });
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/^\s+stats\b/m);
    expect(top.out).toMatch(/^\s+find\b/m);
  });
});
