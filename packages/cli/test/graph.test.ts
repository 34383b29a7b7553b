import { readFile } from 'node:fs/promises';
import { buildDependencyGraph, parseState } from '@tempeh/core';
import { describe, expect, it } from 'vitest';
import { MAIN_FIXTURE, errorCode, tempDir, tempeh } from './helpers/cli.js';

describe('tempeh graph', () => {
  it('prints Graphviz DOT by default: one node per config resource, an edge per dependency', async () => {
    const result = await tempeh(['--state', MAIN_FIXTURE, 'graph'], { cwd: await tempDir() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.startsWith('digraph dependencies {\n')).toBe(true);
    expect(result.out.endsWith('}\n')).toBe(true);
    const graph = buildDependencyGraph(parseState(await readFile(MAIN_FIXTURE)).resources);
    for (const node of graph.nodes) expect(result.out).toContain(`label=<${node.address}`);
    expect(result.out.split('\n').filter((line) => line.includes(' -> '))).toHaveLength(graph.edges.length);
  });

  it('--format mermaid prints a Mermaid flowchart', async () => {
    const result = await tempeh(['--state', MAIN_FIXTURE, 'graph', '--format', 'mermaid'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    expect(result.out.startsWith('flowchart LR\n')).toBe(true);
    expect(result.out).toContain('["module.app_blue.terraform_data.config"]');
    expect(result.out).toContain(' --> ');
  });

  it('--module keeps that module, and marks the other ends of its edges external', async () => {
    const result = await tempeh(['--state', MAIN_FIXTURE, '--json', 'graph', '--module', 'module.app_blue'], { cwd: await tempDir() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const expected = buildDependencyGraph(parseState(await readFile(MAIN_FIXTURE)).resources, { module: 'module.app_blue' });
    expect(JSON.parse(result.out)).toEqual(expected);
    expect(expected.nodes.filter((node) => !node.external).every((node) => node.address.startsWith('module.app_blue.'))).toBe(true);
    const dot = await tempeh(['--state', MAIN_FIXTURE, 'graph', '--module', 'module.app_blue'], { cwd: await tempDir() });
    expect(dot.out).not.toContain('label=<terraform_data.network>');
    expect(dot.out).toContain('style=dashed, color=gray50');
  });

  it('a --module that does not parse is TEMPEH_E_INVALID_ADDRESS (exit 1); an unknown --format is a usage error (exit 2)', async () => {
    const dir = await tempDir();
    const module = await tempeh(['--state', MAIN_FIXTURE, 'graph', '--module', 'module.'], { cwd: dir });
    expect(module.code).toBe(1);
    expect(errorCode(module.stderr)).toBe('TEMPEH_E_INVALID_ADDRESS');
    const format = await tempeh(['--state', MAIN_FIXTURE, 'graph', '--format', 'svg'], { cwd: dir });
    expect(format.code).toBe(2);
    expect(errorCode(format.stderr)).toBe('TEMPEH_E_USAGE');
  });

  it('a missing state is TEMPEH_E_NOT_FOUND (exit 1)', async () => {
    const dir = await tempDir();
    const result = await tempeh(['--state', 'none.tfstate', 'graph'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });
});
