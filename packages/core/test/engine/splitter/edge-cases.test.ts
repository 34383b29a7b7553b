import { describe, expect, it } from 'vitest';
import { splitState } from '../../../src/engine/splitter/index.js';
import fc from 'fast-check';
import { chunked, cutAt, rejectionCode, expectMatchesJsonParse, parseBytes, readFixture, split, streamJsonResources, variants } from './helpers.js';

/** A state in Terraform's layout (JSON.stringify with two spaces matches Go's MarshalIndent for these values). */
function terraformLayout(state: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(state, null, 2)}\n`);
}

function resource(name: string, attributes: unknown): unknown {
  return {
    mode: 'managed',
    type: 'terraform_data',
    name,
    provider: 'provider["terraform.io/builtin/terraform"]',
    instances: [{ schema_version: 0, attributes, sensitive_attributes: [] }],
  };
}

function state(resources: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 4, terraform_version: '1.11.4', serial: 3, lineage: 'l-1', outputs: {}, resources, check_results: null, ...extra };
}

/** Tricky strings: escaped quotes, backslashes before quotes, brackets, indentation look-alikes, unicode. */
const TRICKY = [
  'say \\"hi\\"',
  'ends with a backslash \\',
  'backslash then quote \\\\"',
  '\\\\\\"',
  '{ [ ] } ]]]] }}}}',
  '    }',
  '    },',
  '\n    }\n  ]\n}',
  '",\n    {',
  'ünïcödé ✓ 日本語 🦀 \u{10FFFF} \u2028 \u0000 \uFFFD',
  '<>& \u003c',
];

const trickyResources = TRICKY.map((text, i) =>
  resource(`r${i}`, { value: text, list: [text, [text, { [text]: text }]], map: { [text]: [[], {}, [[[]]]] }, n: [1.5e300, -0, 2] }),
);

/** Every way a state is split in these tests: each layout, both scanners, whole, 1-byte and 3-byte chunks. */
async function expectSplitsRight(bytes: Buffer): Promise<void> {
  for (const layout of Object.values(variants(bytes))) {
    for (const scanner of ['auto', 'general'] as const) {
      for (const size of [layout.length, 1, 3]) expectMatchesJsonParse(layout, await split(chunked(layout, size), { scanner, batchBytes: 512 }));
    }
    const theirs = await streamJsonResources(chunked(layout, 5));
    expect((await split(chunked(layout, 5))).resources.map((r) => parseBytes(r.bytes))).toEqual(theirs);
  }
}

describe('splitState: strings, escapes and nesting', () => {
  it('cuts resources whose strings hold escaped quotes, backslashes, brackets, look-alike lines and unicode', async () => {
    const bytes = terraformLayout(state(trickyResources));
    await expectSplitsRight(bytes);
    expect((await split(chunked(bytes, 100))).summary.fastResources).toBe(trickyResources.length);
  });

  it('cuts a compact file where a string holds "    }" and "\\n    }"', async () => {
    const bytes = Buffer.from(JSON.stringify(state([resource('a', '    }'), resource('b', '\n    },\n    {'), resource('c', 'x')])));
    expectMatchesJsonParse(bytes, await split(chunked(bytes, 1)));
  });

  it('cuts multi-byte UTF-8 and \\u escapes split across chunks anywhere', async () => {
    const bytes = terraformLayout(state([resource('u', { s: '🦀é\\u00e9\\ud83e\\udd80"\\"' }), resource('v', '日本')]));
    for (let cut = 1; cut < bytes.length; cut++) expectMatchesJsonParse(bytes, await split(cutAt(bytes, [cut])));
  });

  it('keeps deeply nested attributes intact', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) deep = i % 2 === 0 ? [deep, { k: [] }] : { k: deep, e: {} };
    await expectSplitsRight(terraformLayout(state([resource('deep', deep), resource('flat', 1)])));
  });
});

describe('splitState: shapes of the top level', () => {
  it('handles an empty resources array in every layout', async () => {
    const bytes = terraformLayout(state([]));
    await expectSplitsRight(bytes);
    const result = await split(chunked(bytes, 1));
    expect(result.batches).toBe(0);
    expect(result.summary.keyOrder).toEqual(['version', 'terraform_version', 'serial', 'lineage', 'outputs', 'resources', 'check_results']);
    expect(result.summary.fallbackOffset).toBeUndefined();
  });

  it('handles resources as the first key and as the last key', async () => {
    const resources = trickyResources.slice(0, 3);
    const first = terraformLayout({ resources, version: 4, outputs: { o: { value: [1, { a: '}' }], type: 'x' } }, serial: 1 });
    const last = terraformLayout({ version: 4, serial: 1, lineage: 'x', resources });
    await expectSplitsRight(first);
    await expectSplitsRight(last);
    expect((await split(chunked(first, 7))).summary.keyOrder).toEqual(['resources', 'version', 'outputs', 'serial']);
    expect((await split(chunked(first, 7))).summary.fastResources).toBe(3);
    expect((await split(chunked(last, 7))).summary.fastResources).toBe(3);
  });

  it('handles a single resource, unknown keys and scalar fields of every kind', async () => {
    const text = JSON.stringify(state([resource('only', { a: 1 })], { zeta: [true, false, null], big: 0, neg: -1.5e-7, s: 'x"}' }), null, 2);
    // A number beyond 2^53 keeps its digits: the splitter never converts values.
    const bytes = Buffer.from(`${text.replace('"big": 0', '"big": 18014398509481985')}\n`);
    await expectSplitsRight(bytes);
    const result = await split(chunked(bytes, 1));
    const big = result.summary.fields.find((f) => f.key === 'big');
    expect(big === undefined ? undefined : Buffer.from(big.bytes).toString()).toBe('18014398509481985');
  });

  it('keeps a duplicated top-level key twice, in order', async () => {
    const bytes = Buffer.from('{"version":4,"resources":[],"version":5}');
    const result = await split(chunked(bytes, 1));
    expect(result.summary.keyOrder).toEqual(['version', 'resources', 'version']);
    expect(result.summary.fields.map((f) => Buffer.from(f.bytes).toString())).toEqual(['4', '5']);
  });

  it('accepts odd whitespace: CRLF, tabs, spaces around every token', async () => {
    const bytes = Buffer.from(' \r\n\t{ "version" :\t4 ,\r\n"resources"\n:\n[ \t{ "a" : [ 1 , { } ] }\r\n,\r\n{}\n] , "x" : "y" }\r\n');
    expectMatchesJsonParse(bytes, await split(chunked(bytes, 1)));
  });
});

describe('splitState: the fast path checks the layout and falls back', () => {
  const good = readFixture('terraform/terraform.tfstate');
  const whole: unknown = JSON.parse(good.toString('utf8'));
  const resources: unknown = typeof whole === 'object' && whole !== null ? Reflect.get(whole, 'resources') : undefined;
  if (!Array.isArray(resources)) throw new Error('fixture has no resources');

  it('falls back when the layout breaks halfway: Terraform layout first, then compact elements', async () => {
    const pretty = resources.slice(0, 5).map((r) => `\n    ${JSON.stringify(r, null, 2).replace(/\n/g, '\n    ')}`);
    const compact = resources.slice(5).map((r) => JSON.stringify(r));
    const header = `{\n  "version": 4,\n  "serial": 30,\n  "resources": [`;
    const bytes = Buffer.from(`${header}${pretty.join(',')},${compact.join(',')}\n  ],\n  "check_results": null\n}\n`);
    // The last element in the layout is cut right but followed by a compact one, so it is read again by the general scanner.
    const lastPretty = bytes.indexOf(Buffer.from(pretty[4] ?? '')) + 5;
    for (const size of [bytes.length, 1, 100, 4096]) {
      const result = await split(chunked(bytes, size), { batchBytes: 2048 });
      expectMatchesJsonParse(bytes, result);
      expect(result.summary.fastResources).toBe(4);
      expect(result.summary.fallbackOffset).toBe(lastPretty);
    }
  });

  it('falls back when an element closes at element indentation too early (an inner line reindented by hand)', async () => {
    const bytes = Buffer.from(
      '{\n  "version": 4,\n  "resources": [\n    {\n      "a": {\n    },\n      "b": "x"\n    },\n    {\n      "c": 1\n    }\n  ]\n}\n',
    );
    for (const size of [bytes.length, 1]) {
      const result = await split(chunked(bytes, size));
      expectMatchesJsonParse(bytes, result);
      expect(result.summary.fallbackOffset).toBe(bytes.indexOf('{\n      "a"'));
      expect(result.summary.fastResources).toBe(0);
    }
  });

  it('falls back when elements are not on their own lines', async () => {
    const bytes = Buffer.from('{\n  "version": 4,\n  "resources": [\n    {\n      "a": 1\n    }, {"b": 2}\n  ]\n}\n');
    const result = await split(chunked(bytes, 2));
    expectMatchesJsonParse(bytes, result);
    expect(result.summary.fastResources).toBe(0);
    expect(result.summary.fallbackOffset).toBe(bytes.indexOf('{\n      "a"'));
  });

  it('rejects, or leaves a slice that does not parse, when a hand edit fakes an element boundary (documented limit)', async () => {
    // An inner array of objects reindented to element depth. The general scanner reads it.
    const bytes = Buffer.from('{\n  "version": 4,\n  "resources": [\n    {\n      "a": [\n    {\n      "x": 1\n    },\n    {\n      "y": 2\n    }\n      ]\n    }\n  ]\n}\n');
    expect(await rejectionCode(() => split(chunked(bytes, bytes.length)))).toBe('TEMPEH_E_INVALID_STATE');
    expectMatchesJsonParse(bytes, await split(chunked(bytes, bytes.length), { scanner: 'general' }));
  });
});

describe('splitState: random chunking (fast-check)', () => {
  const inputs = [
    readFixture('odd-keys/root-keys/terraform.tfstate'),
    variants(readFixture('odd-keys/root-keys/terraform.tfstate')).compact ?? Buffer.alloc(0),
    terraformLayout(state(trickyResources)),
    Buffer.from(JSON.stringify(state(trickyResources))),
  ];

  it('gives the same slices wherever the chunks are cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: inputs.length - 1 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.constantFrom('auto' as const, 'general' as const),
        fc.integer({ min: 1, max: 8192 }),
        async (which, cuts, scanner, minWindowBytes) => {
          const bytes = inputs[which] ?? Buffer.alloc(0);
          const result = await split(cutAt(bytes, cuts.map((cut) => cut % bytes.length)), { scanner, minWindowBytes, batchBytes: 1000 });
          expectMatchesJsonParse(bytes, result);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('splitState: the source', () => {
  it('accepts plain Uint8Array chunks, not only Buffers', async () => {
    const bytes = terraformLayout(state(trickyResources));
    async function* plain(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < bytes.length; at += 1000) yield new Uint8Array(bytes.subarray(at, at + 1000));
    }
    expectMatchesJsonParse(bytes, await split(plain()));
  });

  it('reads only as far as the consumer pulls, and closes the source when it stops early', async () => {
    const bytes = terraformLayout(state(Array.from({ length: 200 }, (_, i) => resource(`r${i}`, 'x'.repeat(1000)))));
    let read = 0;
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (let at = 0; at < bytes.length; at += 1024) {
          read += Math.min(1024, bytes.length - at);
          yield bytes.subarray(at, at + 1024);
        }
      } finally {
        closed = true;
      }
    }
    const splitter = splitState(source(), { batchBytes: 8 * 1024, minWindowBytes: 1024 });
    for await (const batch of splitter) {
      expect(batch.resources.length).toBeGreaterThan(0);
      break;
    }
    expect(read).toBeLessThan(bytes.length / 4);
    expect(closed).toBe(true);
  });
});

describe('splitState: batches', () => {
  it('closes a batch before it would pass the cap; a larger resource makes a batch on its own', async () => {
    const resources = Array.from({ length: 60 }, (_, i) => resource(`r${i}`, 'x'.repeat((i * 37) % 700)));
    const bytes = terraformLayout(state(resources));
    const cap = 800;
    const splitter = splitState(chunked(bytes, 333), { batchBytes: cap });
    let seen = 0;
    let oversized = 0;
    for await (const batch of splitter) {
      if (batch.resources.length > 1) expect(batch.bytes).toBeLessThanOrEqual(cap);
      else if (batch.bytes > cap) oversized++;
      for (const r of batch.resources) expect(r.index).toBe(seen++);
    }
    expect(seen).toBe(60);
    expect(oversized).toBeGreaterThan(0);
  });
});
