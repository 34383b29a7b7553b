// Properties of diffInstances on random attribute trees: no changes exactly
// when the values are equal, and the reported changes, applied to `before`,
// rebuild `after`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffInstances, jsonEqual, type AttributeChange } from '../../../src/engine/diff/index.js';
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue } from '../../../src/json/index.js';

const leaf: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom('a', 'b', ''),
  fc.constantFrom(new JsonNumber('12345678901234567890'), new JsonNumber('12345678901234567891'), new JsonNumber('1.0')),
);

const { tree } = fc.letrec<{ tree: JsonValue }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('x', 'y', 'z', 'a b'), tie('tree'), { maxKeys: 3 }),
  ),
}));

const attributes: fc.Arbitrary<JsonObject> = fc.dictionary(fc.constantFrom('id', 'tags', 'list', 'n'), tree, { maxKeys: 4 });

function clone(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(clone);
  if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, clone(member)]));
  return value;
}

function apply(root: JsonObject, changes: AttributeChange[]): JsonObject {
  const out = clone(root);
  if (!isJsonObject(out)) throw new Error('not an object');
  // Removals last and from the end, so array positions stay valid.
  const ordered = [...changes.filter((change) => change.kind !== 'removed'), ...changes.filter((change) => change.kind === 'removed').reverse()];
  for (const change of ordered) {
    let parent: JsonValue = out;
    for (const step of change.path.slice(0, -1)) {
      const next: JsonValue | undefined = Array.isArray(parent) ? parent[Number(step.value)] : isJsonObject(parent) ? parent[String(step.value)] : undefined;
      if (next === undefined) throw new Error(`no ${change.text}`);
      parent = next;
    }
    const last = change.path.at(-1);
    if (last === undefined) throw new Error('empty attribute path');
    if (Array.isArray(parent)) {
      if (change.kind === 'removed') parent.splice(Number(last.value), 1);
      else if (change.after !== undefined) parent[Number(last.value)] = change.after;
    } else if (isJsonObject(parent)) {
      if (change.kind === 'removed') delete parent[String(last.value)];
      else if (change.after !== undefined) parent[String(last.value)] = change.after;
    }
  }
  return out;
}

describe('diffInstances properties', () => {
  it('finds no change exactly when the attributes are equal, and its changes rebuild the other side', () => {
    fc.assert(
      fc.property(attributes, attributes, (before, after) => {
        const changes = diffInstances({ schema_version: 0, attributes: before }, { schema_version: 0, attributes: after });
        expect(changes.length === 0).toBe(jsonEqual(before, after));
        expect(jsonEqual(apply(before, changes), after)).toBe(true);
        expect(diffInstances({ schema_version: 0, attributes: after }, { schema_version: 0, attributes: after })).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
