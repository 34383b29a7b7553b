// The large-state generator's content (issue #3): what a realistic state has
// beyond resources and modules, in Terraform's exact layout. The layout and
// streaming basics are in conformance/large-state.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { compareInstanceKeys } from '../src/address/compare.js';
import { formatState, parseState } from '../src/state/index.js';
import type { StateInstance, StateResource, TerraformState } from '../src/state/types.js';
import { generateLargeState } from '../src/testing/index.js';

const THREE_MB = 3 * 1000 * 1000;
const NESTED_MODULE = /^module\.service\["svc-\d{8}"\]\.module\.monitoring$/;

function bytesOf(options: Parameters<typeof generateLargeState>[0]): Buffer {
  return Buffer.concat([...generateLargeState(options).chunks()]);
}

function instancesOf(resources: StateResource[]): StateInstance[] {
  return resources.flatMap((r) => r.instances);
}

describe('generateLargeState: realistic content', () => {
  let bytes: Buffer;
  let state: TerraformState;

  beforeAll(() => {
    bytes = bytesOf({ targetBytes: THREE_MB, seed: 7 });
    state = parseState(bytes);
  });

  it("is in Terraform's exact layout: formatState(parseState(bytes)) gives the same bytes", () => {
    expect(bytes.byteLength).toBeGreaterThanOrEqual(THREE_MB);
    expect(formatState(state) === bytes.toString('utf8')).toBe(true);
  });

  it('has tainted, deposed, data-source and nested-module instances', () => {
    const all = instancesOf(state.resources);
    const tainted = all.filter((i) => i.status === 'tainted');
    const deposed = all.filter((i) => i.deposed !== undefined);
    const data = instancesOf(state.resources.filter((r) => r.mode === 'data'));
    const nested = instancesOf(state.resources.filter((r) => NESTED_MODULE.test(r.module ?? '')));
    expect(tainted.length).toBeGreaterThan(0);
    expect(deposed.length).toBeGreaterThan(0);
    expect(data.length).toBeGreaterThan(0);
    expect(nested.length).toBeGreaterThan(0);
    // Data sources beyond the AMI lookup, some of them in the nested module.
    expect(new Set(state.resources.filter((r) => r.mode === 'data').map((r) => r.type))).toEqual(
      new Set(['aws_caller_identity', 'aws_ami', 'aws_iam_policy_document']),
    );
    expect(state.resources.some((r) => r.mode === 'data' && NESTED_MODULE.test(r.module ?? ''))).toBe(true);
  });

  it('writes status between index_key and schema_version, as Terraform does', () => {
    expect(bytes.toString('utf8')).toMatch(/\n {10}"index_key": 1,\n {10}"status": "tainted",\n {10}"schema_version": 1,\n/);
  });

  it('has a count of 12 or more, with its instances in numeric key order', () => {
    const counted = state.resources.filter((r) => r.instances.filter((i) => typeof i.index_key === 'number').length >= 12);
    expect(counted.length).toBeGreaterThan(0);
    for (const resource of counted) {
      const keys = resource.instances.map((i) => i.index_key);
      expect(keys).toEqual(keys.map((_, n) => n));
      expect(keys).toEqual([...keys].sort(compareInstanceKeys));
    }
  });

  it('sorts a nested module right after its parent module, by module string as Terraform does', () => {
    const modules = state.resources.map((r) => r.module ?? '');
    const parent = 'module.service["svc-00000001"]';
    const first = modules.indexOf(`${parent}.module.monitoring`);
    expect(modules[first - 1]).toBe(parent);
    expect(modules.lastIndexOf(`${parent}.module.monitoring`) + 1).toBe(modules.indexOf('module.service["svc-00000002"]'));
    const keys = state.resources.map((r) => [r.module ?? '', r.mode, r.type, r.name].join('\u0000'));
    expect(keys).toEqual([...keys].sort());
  });

  it("writes sensitive_attributes as Terraform 1.11 does, index steps with cty's dynamic JSON key", () => {
    const paths = instancesOf(state.resources).flatMap((i) => i.sensitive_attributes ?? []);
    expect(paths).toContainEqual([{ type: 'get_attr', value: 'password' }]);
    expect(paths).toContainEqual([{ type: 'get_attr', value: 'endpoint' }]);
    expect(paths).toContainEqual([
      { type: 'get_attr', value: 'root_block_device' },
      { type: 'index', value: { value: 0, type: 'number' } },
      { type: 'get_attr', value: 'kms_key_id' },
    ]);
    // An instance without secrets has an empty list, never a missing key.
    expect(instancesOf(state.resources).every((i) => Array.isArray(i.sensitive_attributes))).toBe(true);
  });

  it('keeps the same-seed-same-bytes property', () => {
    expect(bytesOf({ targetBytes: 400_000, seed: 9 }).equals(bytesOf({ targetBytes: 400_000, seed: 9 }))).toBe(true);
    const mutate = { everyNth: 5, seed: 2 };
    expect(bytesOf({ targetBytes: 400_000, seed: 9, mutate }).equals(bytesOf({ targetBytes: 400_000, seed: 9, mutate }))).toBe(true);
    expect(bytesOf({ targetBytes: 400_000, seed: 9, mutate }).equals(bytesOf({ targetBytes: 400_000, seed: 9, mutate: { everyNth: 5, seed: 3 } }))).toBe(false);
  });
});

describe('generateLargeState: mutate', () => {
  it('gives a copy with the same lineage and outputs, serial + 1, in the same layout', () => {
    const base = generateLargeState({ targetBytes: 500_000, seed: 4 });
    const copy = generateLargeState({ targetBytes: 500_000, seed: 4, mutate: { everyNth: 9 } });
    const copyBytes = Buffer.concat([...copy.chunks()]);
    const before = parseState(Buffer.concat([...base.chunks()]));
    const after = parseState(copyBytes);
    expect(copy.lineage).toBe(base.lineage);
    expect(copy.serial).toBe(base.serial + 1);
    expect(after.serial).toBe(before.serial + 1);
    expect(after.outputs).toEqual(before.outputs);
    expect(formatState(after) === copyBytes.toString('utf8')).toBe(true);
    // An explicit serial is the base's; the copy's is one more.
    expect(generateLargeState({ targetBytes: 0, serial: 41, mutate: { everyNth: 3 } }).serial).toBe(42);
  });

  it('reports no changes without mutate, without generating anything', () => {
    expect(generateLargeState({ targetBytes: 10 * 1000 * 1000 * 1000, seed: 1 }).changes()).toEqual({ added: [], removed: [], changed: [] });
  });

  it('rejects an everyNth that is not a positive integer, and a fractional seed', () => {
    for (const everyNth of [0, -1, 1.5, Number.NaN]) expect(() => generateLargeState({ targetBytes: 0, mutate: { everyNth } })).toThrow(RangeError);
    expect(() => generateLargeState({ targetBytes: 0, mutate: { everyNth: 2, seed: 0.5 } })).toThrow(RangeError);
  });
});
