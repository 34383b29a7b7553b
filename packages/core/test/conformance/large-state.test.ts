import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareInstanceKeys } from '../../src/address/compare.js';
import { JsonNumber, isJsonObject, type JsonValue } from '../../src/json/json-value.js';
import { formatState, parseState } from '../../src/state/index.js';
import type { TerraformState } from '../../src/state/types.js';
import { generateLargeState, writeLargeStateFile } from '../../src/testing/index.js';

const run = promisify(execFile);
const TERRAFORM = '/usr/local/bin/terraform';
const hasTerraform = existsSync(TERRAFORM);
const TWO_MB = 2 * 1000 * 1000;

function bytesOf(targetBytes: number, seed?: number): Buffer {
  return Buffer.concat([...generateLargeState({ targetBytes, seed }).chunks()]);
}

async function drain(stream: AsyncIterable<Buffer>): Promise<{ size: number; sha256: string; chunks: number }> {
  const hash = createHash('sha256');
  let size = 0;
  let chunks = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.byteLength;
    chunks++;
  }
  return { size, sha256: hash.digest('hex'), chunks };
}

/** Every object under `attributes` must have its keys sorted, as cty writes them. */
function unsortedObjects(value: JsonValue, path: string, found: string[]): void {
  if (Array.isArray(value)) value.forEach((item, i) => unsortedObjects(item, `${path}[${i}]`, found));
  else if (isJsonObject(value)) {
    const keys = Object.keys(value);
    if (keys.join('\u0000') !== [...keys].sort().join('\u0000')) found.push(path);
    for (const key of keys) {
      const item = value[key];
      if (item !== undefined) unsortedObjects(item, `${path}.${key}`, found);
    }
  }
}

function resourceSortKey(resource: TerraformState['resources'][number]): string {
  return [resource.module ?? '', resource.mode, resource.type, resource.name].join('\u0000');
}

describe('generateLargeState', () => {
  let bytes: Buffer;
  let state: TerraformState;

  beforeAll(() => {
    bytes = bytesOf(TWO_MB, 7);
    state = parseState(bytes);
  });

  it('yields a state that parseState accepts, at least targetBytes long', () => {
    expect(bytes.byteLength).toBeGreaterThanOrEqual(TWO_MB);
    // One module is about 30 KB: the overshoot stays below that.
    expect(bytes.byteLength).toBeLessThan(TWO_MB + 64 * 1024);
    expect(state.version).toBe(4);
    expect(state.resources.length).toBeGreaterThan(300);
  });

  it("is in Terraform's exact layout: formatState(parseState(x)) === x", () => {
    expect(formatState(state) === bytes.toString('utf8')).toBe(true);
  });

  it('sorts resources as Terraform does (module, mode, type, name) and instances by key', () => {
    const keys = state.resources.map(resourceSortKey);
    expect(keys).toEqual([...keys].sort());
    for (const resource of state.resources) {
      const indexKeys = resource.instances.filter((i) => i.deposed === undefined).map((i) => i.index_key);
      expect(indexKeys).toEqual([...indexKeys].sort(compareInstanceKeys));
    }
  });

  it('writes every attribute object with sorted keys', () => {
    const found: string[] = [];
    state.resources.forEach((resource, r) =>
      resource.instances.forEach((instance, i) => {
        if (instance.attributes) unsortedObjects(instance.attributes, `resources[${r}].instances[${i}].attributes`, found);
      }),
    );
    expect(found).toEqual([]);
  });

  it('has the realistic content later work relies on', () => {
    const text = bytes.toString('utf8');
    const instances = state.resources.flatMap((r) => r.instances);
    // Numbers beyond 2^53 survive as exact text.
    const db = instances.find((i) => i.attributes?.['latest_restorable_time_unix_nano'] !== undefined);
    expect(db?.attributes?.['latest_restorable_time_unix_nano']).toBeInstanceOf(JsonNumber);
    expect(state.outputs['build_id']?.value).toEqual(new JsonNumber('18014398509481985'));
    // Tags, nested blocks, long strings, modules, for_each keys, deposed objects, sensitive paths.
    expect(text).toContain('"tags_all": {');
    expect(text).toContain('\\u003c');
    expect(text).toContain('Zürich');
    expect(instances.some((i) => typeof i.index_key === 'string')).toBe(true);
    expect(instances.some((i) => i.deposed !== undefined)).toBe(true);
    expect(instances.some((i) => Array.isArray(i.sensitive_attributes) && i.sensitive_attributes.length > 0)).toBe(true);
    expect(state.resources.some((r) => r.module?.startsWith('module.service["svc-'))).toBe(true);
    expect(Math.max(...text.split('\n').map((line) => line.length))).toBeGreaterThan(1500);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(bytesOf(300_000, 7).equals(bytesOf(300_000, 7))).toBe(true);
    expect(bytesOf(300_000, 7).equals(bytesOf(300_000, 8))).toBe(false);
  });

  it('a smaller target is a prefix-compatible shorter state with the same identity', () => {
    const small = generateLargeState({ targetBytes: 100_000, seed: 7 });
    const big = generateLargeState({ targetBytes: TWO_MB, seed: 7 });
    expect(small.lineage).toBe(big.lineage);
    expect(small.serial).toBe(big.serial);
    expect(parseState(bytesOf(100_000, 7)).lineage).toBe(state.lineage);
  });

  it('takes lineage and serial overrides without changing the resources', () => {
    const lineage = '11111111-2222-3333-4444-555555555555';
    const custom = parseState(Buffer.concat([...generateLargeState({ targetBytes: 300_000, seed: 7, lineage, serial: 9 }).chunks()]));
    expect(custom.lineage).toBe(lineage);
    expect(custom.serial).toBe(9);
    expect(custom.resources).toEqual(parseState(bytesOf(300_000, 7)).resources);
  });

  it('an empty target still gives a valid state with the root resources', () => {
    const tiny = parseState(bytesOf(0));
    expect(tiny.resources.map((r) => `${r.type}.${r.name}`)).toEqual(['aws_caller_identity.current', 'aws_iam_role.ec2', 'aws_subnet.private', 'aws_vpc.main']);
  });

  it('streams in chunks of about chunkBytes, re-iterably, the same bytes as chunks()', async () => {
    const generated = generateLargeState({ targetBytes: 1_000_000, seed: 5, chunkBytes: 64 * 1024 });
    const first = await drain(generated.stream);
    const second = await drain(generated.stream);
    expect(second).toEqual(first);
    expect(first.chunks).toBeGreaterThan(10);
    expect(first.sha256).toBe(createHash('sha256').update(Buffer.concat([...generated.chunks()])).digest('hex'));
  });

  it('rejects a negative or fractional targetBytes', () => {
    expect(() => generateLargeState({ targetBytes: -1 })).toThrow(RangeError);
    expect(() => generateLargeState({ targetBytes: 1.5 })).toThrow(RangeError);
  });
});

describe('writeLargeStateFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tempeh-large-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the generated bytes and reports their size and sha256', async () => {
    const path = join(dir, 'terraform.tfstate');
    const written = await writeLargeStateFile(path, 500_000, { seed: 11 });
    const file = await readFile(path);
    expect(written.size).toBe(file.byteLength);
    expect(written.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect(file.equals(bytesOf(500_000, 11))).toBe(true);
    expect(parseState(file).lineage).toBe(written.lineage);
  });

  it.skipIf(!hasTerraform)('terraform state pull re-serialises it byte for byte (needs the terraform binary)', async () => {
    const workdir = await mkdtemp(join(dir, 'tf-'));
    const path = join(workdir, 'terraform.tfstate');
    await writeLargeStateFile(path, TWO_MB, { seed: 3 });
    const { stdout } = await run(TERRAFORM, ['state', 'pull'], {
      cwd: workdir,
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', TF_IN_AUTOMATION: '1' },
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'buffer',
    });
    // `state pull` prints the state followed by one more newline.
    const file = await readFile(path);
    expect(stdout.subarray(0, -1).equals(file)).toBe(true);
    expect(stdout.at(-1)).toBe(0x0a);
  });
});
