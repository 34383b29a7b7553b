import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findCycles } from '../src/rules/state-rules.js';
import { validateState } from '../src/index.js';

const graph = (entries: Record<string, string[]>): Map<string, Set<string>> => new Map(Object.entries(entries).map(([node, targets]) => [node, new Set(targets)]));

/** A state of `count` resources, each depending on the next; the last depends on the first when `closed`. */
function chainState(count: number, closed: boolean): Buffer {
  const name = (i: number): string => `terraform_data.r${String(i).padStart(6, '0')}`;
  const resources = Array.from({ length: count }, (_, i) => {
    const next = i + 1 < count ? name(i + 1) : closed ? name(0) : undefined;
    return {
      mode: 'managed',
      type: 'terraform_data',
      name: `r${String(i).padStart(6, '0')}`,
      provider: 'provider["terraform.io/builtin/terraform"]',
      instances: [{ schema_version: 0, attributes: { id: `id-${i}` }, sensitive_attributes: [], ...(next ? { dependencies: [next] } : {}) }],
    };
  });
  return Buffer.from(JSON.stringify({ version: 4, terraform_version: '1.9.8', serial: 1, lineage: '3f2a1b4c-1d2e-4f5a-8b9c-0d1e2f3a4b5c', outputs: {}, resources, check_results: null }));
}

describe('dependency cycles (TV021)', () => {
  it('reports each group of resources that depend on each other once, as a shortest cycle from its first member', () => {
    expect(findCycles(graph({ a: ['b'], b: ['c'], c: [] }))).toEqual([]);
    // a → b → a and a → c → b → a overlap: one group of three, shown as its shortest cycle.
    expect(findCycles(graph({ a: ['b', 'c'], b: ['a'], c: ['b'], d: ['a'] }))).toEqual([{ cycle: ['a', 'b'], groupSize: 3 }]);
    expect(findCycles(graph({ z: ['z'], x: ['y'], y: ['x'] }))).toEqual([
      { cycle: ['x', 'y'], groupSize: 2 },
      { cycle: ['z'], groupSize: 1 },
    ]);
  });

  it('a chain of 50 000 dependencies neither overflows the stack nor floods the message', async () => {
    const closed = await validateState(Readable.from([chainState(50_000, true)]));
    const cycles = closed.findings.filter((f) => f.rule === 'TV021');
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.address).toBe('terraform_data.r000000');
    expect(cycles[0]!.message).toMatch(/^dependency cycle: terraform_data\.r000000 → terraform_data\.r000001 → .* → … 49988 more … → terraform_data\.r049999 → terraform_data\.r000000$/);
    expect(closed.findings.filter((f) => f.severity === 'error')).toEqual(cycles);

    const open = await validateState(Readable.from([chainState(50_000, false)]));
    expect(open.findings.filter((f) => f.severity === 'error')).toEqual([]);
  }, 120_000);
});
