// The dependency graph built on the engine against the one built from
// parsed resources, on every fixture state and a generated large one.
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDependencyGraph, formatDot, formatMermaid } from '../../src/engine/graph/index.js';
import { TempehError } from '../../src/errors.js';
import { buildGraphFromSource } from '../../src/inspect/graph-source.js';
import { parseState } from '../../src/state/index.js';
import { writeLargeStateFile } from '../../src/testing/large-state.js';
import { REPO_ROOT, chunked, fixtureStates, codeOfRejection as codeOf } from './fixture-states.js';

const MAIN = await readFile(path.join(REPO_ROOT, 'fixtures/terraform/terraform.tfstate'));


/** A source that fails the test if anything reads it. */
const unread: AsyncIterable<Uint8Array> = {
  [Symbol.asyncIterator]() {
    throw new Error('the input was read');
  },
};

describe('buildGraphFromSource', async () => {
  const readable: string[] = [];
  for (const state of await fixtureStates()) {
    try {
      parseState(await readFile(path.join(REPO_ROOT, state)));
      readable.push(state);
    } catch (error) {
      // A state the reference refuses has no reference graph to compare with.
      if (!(error instanceof TempehError)) throw error;
    }
  }

  describe.each([
    { path: 'in-process', options: {} },
    { path: 'pool', options: { inProcessBelowBytes: 0, threads: 2 } },
  ])('$path', ({ options }) => {
    it.each(readable)('equals buildDependencyGraph of the parsed resources: %s', async (state) => {
      const bytes = await readFile(path.join(REPO_ROOT, state));
      const resources = parseState(bytes).resources;
      expect(await buildGraphFromSource(chunked(bytes), options)).toEqual(buildDependencyGraph(resources));
      expect(await buildGraphFromSource(chunked(bytes), { ...options, module: 'module.app_blue' })).toEqual(
        buildDependencyGraph(resources, { module: 'module.app_blue' }),
      );
    });
  });

  it('keeps a module and the other ends of its edges, marked external', async () => {
    const graph = await buildGraphFromSource(chunked(MAIN), { module: 'module.app_blue' });
    expect(graph.nodes.filter((node) => !node.external).map((node) => node.address)).toEqual([
      'module.app_blue.terraform_data.by_key',
      'module.app_blue.terraform_data.config',
      'module.app_blue.terraform_data.member',
    ]);
    expect(graph.nodes.filter((node) => node.external).every((node) => node.address.startsWith('module.app_green.'))).toBe(true);
    expect(graph.edges.length).toBeGreaterThan(0);
    expect(formatDot(graph)).toContain('color=gray50');
    expect(formatMermaid(graph)).toContain('classDef external');
  });

  it('`root` keeps the root module only', async () => {
    const graph = await buildGraphFromSource(chunked(MAIN), { module: 'root' });
    const inside = graph.nodes.filter((node) => !node.external).map((node) => node.address);
    expect(inside).toContain('terraform_data.network');
    expect(inside.some((address) => address.startsWith('module.'))).toBe(false);
  });

  it('refuses a module filter that does not parse before reading anything', async () => {
    expect(await codeOf(buildGraphFromSource(unread, { module: 'module.' }))).toBe('TEMPEH_E_INVALID_ADDRESS');
  });

  it('refuses what is not a v4 state', async () => {
    expect(await codeOf(buildGraphFromSource(chunked(Buffer.from('{"version": 3, "resources": []}'))))).toBe('TEMPEH_E_STATE_VERSION');
    expect(await codeOf(buildGraphFromSource(chunked(Buffer.from('{"version": 4, "resources": [{"module": "x"}]}'))))).toBe('TEMPEH_E_INVALID_STATE');
  });

  it('draws a generated state above the in-process threshold through the pool, as from its parsed resources', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tempeh-graph-'));
    try {
      const written = await writeLargeStateFile(path.join(dir, 'large.tfstate'), 10 * 1024 * 1024, { seed: 3 });
      const graph = await buildGraphFromSource(createReadStream(written.path), { size: written.size, threads: 2 });
      expect(graph).toEqual(buildDependencyGraph(parseState(await readFile(written.path)).resources));
      expect(graph.nodes.length).toBeGreaterThan(5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
