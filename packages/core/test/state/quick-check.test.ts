import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainStateResource, StateResourceSchema } from '../../src/state/schema.js';
import { fixtureStates, readFixture } from '../engine/splitter/helpers.js';

// isPlainStateResource lets callers skip zod for the common shape; it must
// never say true where the schema would refuse.

const resources: unknown[] = fixtureStates().flatMap((path) => {
  const state: unknown = JSON.parse(readFixture(path).toString('utf8'));
  const list = typeof state === 'object' && state !== null ? Reflect.get(state, 'resources') : undefined;
  return Array.isArray(list) ? (list as unknown[]) : [];
});

/** Every path to a value inside `value` (objects and arrays), at most `limit` deep. */
function paths(value: unknown, limit = 4, prefix: (string | number)[] = []): (string | number)[][] {
  if (prefix.length >= limit || typeof value !== 'object' || value === null) return [prefix];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((key) => paths(Reflect.get(value, key), limit, [...prefix, key]))];
}

function replaced(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy: unknown = structuredClone(value);
  let parent: unknown = copy;
  for (const step of path.slice(0, -1)) parent = Reflect.get(parent as object, step);
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(path.at(-1)), 1);
    else Reflect.deleteProperty(parent as object, path.at(-1) ?? '');
  } else Reflect.set(parent as object, path.at(-1) ?? '', replacement);
  return copy;
}

describe('isPlainStateResource', () => {
  it('accepts the resources Terraform writes (the fast path is taken)', () => {
    expect(resources.length).toBeGreaterThan(50);
    const accepted = resources.filter((resource) => isPlainStateResource(resource));
    expect(accepted.length / resources.length).toBeGreaterThan(0.9);
    for (const resource of accepted) expect(StateResourceSchema.safeParse(resource).success).toBe(true);
  });

  it('never accepts what the schema refuses, after any one value is replaced or removed', () => {
    const odd = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.constantFrom(-1, 2 ** 53, 0.5, '', 'managed', 'data', 'list', 'map', '0a1b2c3d', 'zz', 'abc=', 'YWJj'),
      fc.string(),
      fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
    );
    fc.assert(
      fc.property(fc.nat(resources.length - 1), fc.nat(), odd, (which, where, replacement) => {
        const resource = resources[which];
        const all = paths(resource);
        const mutated = replaced(resource, all[where % all.length] ?? [], replacement);
        if (isPlainStateResource(mutated)) expect(StateResourceSchema.safeParse(mutated).success).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
