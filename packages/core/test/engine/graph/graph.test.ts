// The dependency graph of real states, and DOT / Mermaid output that other
// tools can read back whatever the addresses contain.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildDependencyGraph, configAddressOf, DependencyGraphBuilder, formatDot, formatMermaid, type DependencyGraph } from '../../../src/engine/graph/index.js';
import { formatAddress } from '../../../src/address/index.js';
import { parseState, type StateResource, type TerraformState } from '../../../src/state/index.js';

const FIXTURES = fileURLToPath(new URL('../../../../../fixtures/', import.meta.url));

function fixture(path: string): TerraformState {
  return parseState(readFileSync(FIXTURES + path));
}

function edgeList(graph: DependencyGraph): string[] {
  return graph.edges.map((edge) => `${edge.from} -> ${edge.to}`);
}

/** Edges computed straight from the raw JSON: config address of each resource → union of its instances' dependencies. */
function rawEdges(path: string): Set<string> {
  const raw: unknown = JSON.parse(readFileSync(FIXTURES + path, 'utf8'));
  const edges = new Set<string>();
  if (typeof raw !== 'object' || raw === null || !('resources' in raw) || !Array.isArray(raw.resources)) throw new Error('not a state');
  for (const resource of raw.resources) {
    const module = typeof resource.module === 'string' ? resource.module.replace(/\[("(\\.|[^"\\])*"|\d+)\]/g, '') : '';
    const address = `${module === '' ? '' : `${module}.`}${resource.mode === 'data' ? 'data.' : ''}${resource.type}.${resource.name}`;
    for (const instance of resource.instances) for (const dependency of instance.dependencies ?? []) edges.add(`${address} -> ${dependency}`);
  }
  return edges;
}

describe('buildDependencyGraph', () => {
  it('draws the fixture state: one node per config resource, edges from the dependencies fields', () => {
    const graph = buildDependencyGraph(fixture('terraform/terraform.tfstate').resources);
    expect(graph.nodes.map((node) => node.address)).toEqual([
      'data.terraform_remote_state.upstream',
      'terraform_data.network',
      'terraform_data.node',
      'terraform_data.rotating',
      'terraform_data.secret',
      'terraform_data.service',
      'terraform_data.trigger',
      'module.app_blue.terraform_data.by_key',
      'module.app_blue.terraform_data.config',
      'module.app_blue.terraform_data.member',
      'module.app_green.terraform_data.by_key',
      'module.app_green.terraform_data.config',
      'module.app_green.terraform_data.member',
    ]);
    expect(graph.nodes.every((node) => !node.missing && !node.external)).toBe(true);
    const edges = edgeList(graph);
    expect(new Set(edges)).toEqual(rawEdges('terraform/terraform.tfstate'));
    expect(edges).toHaveLength(new Set(edges).size);
    // module.app_green has depends_on = [module.app_blue]: every green resource depends on blue ones.
    expect(edges).toContain('module.app_green.terraform_data.config -> module.app_blue.terraform_data.config');
    expect(edges).toContain('module.app_green.terraform_data.member -> module.app_blue.terraform_data.by_key');
    expect(edges).toContain('terraform_data.node -> terraform_data.service');
    expect(edges).not.toContain('module.app_blue.terraform_data.config -> module.app_green.terraform_data.config');
  });

  it('folds module instances into config addresses (odd-keys modules fixture)', () => {
    const state = fixture('odd-keys/modules/terraform.tfstate');
    const graph = buildDependencyGraph(state.resources);
    expect(new Set(edgeList(graph))).toEqual(rawEdges('odd-keys/modules/terraform.tfstate'));
    expect(graph.nodes.every((node) => !node.address.includes('['))).toBe(true);
    expect(graph.nodes.some((node) => node.address.startsWith('module.fe.module.deep.module.leaf.'))).toBe(true);
    expect(graph.nodes.filter((node) => node.missing)).toEqual([]);
  });

  it('keeps dangling dependencies as missing nodes', () => {
    const resources: StateResource[] = [
      { mode: 'managed', type: 't', name: 'a', provider: 'p', instances: [{ schema_version: 0, dependencies: ['t.gone', 'module.m.t.b'] }] },
      { module: 'module.m[0]', mode: 'managed', type: 't', name: 'b', provider: 'p', instances: [{ schema_version: 0, index_key: 1 }, { schema_version: 0, index_key: 2, dependencies: ['data.t.d'] }] },
    ];
    const graph = buildDependencyGraph(resources);
    expect(graph.nodes).toEqual([
      { address: 'data.t.d', missing: true, external: false },
      { address: 't.a', missing: false, external: false },
      { address: 't.gone', missing: true, external: false },
      { address: 'module.m.t.b', missing: false, external: false },
    ]);
    expect(edgeList(graph)).toEqual(['t.a -> t.gone', 't.a -> module.m.t.b', 'module.m.t.b -> data.t.d']);
  });

  it('filters by module, keeping the other end of each edge as external', () => {
    const resources = fixture('terraform/terraform.tfstate').resources;
    const blue = buildDependencyGraph(resources, { module: 'module.app_blue' });
    expect(blue.nodes.filter((node) => !node.external).map((node) => node.address)).toEqual([
      'module.app_blue.terraform_data.by_key',
      'module.app_blue.terraform_data.config',
      'module.app_blue.terraform_data.member',
    ]);
    expect(blue.nodes.filter((node) => node.external).map((node) => node.address)).toEqual([
      'module.app_green.terraform_data.by_key',
      'module.app_green.terraform_data.config',
      'module.app_green.terraform_data.member',
    ]);
    expect(blue.edges.every((edge) => edge.from.startsWith('module.app_blue.') || edge.to.startsWith('module.app_blue.'))).toBe(true);
    expect(edgeList(blue)).toContain('module.app_green.terraform_data.config -> module.app_blue.terraform_data.config');
    // Instance keys in the filter are ignored; the root filter '' keeps everything.
    expect(buildDependencyGraph(resources, { module: 'module.app_blue[0]' })).toEqual(blue);
    expect(buildDependencyGraph(resources, { module: '' })).toEqual(buildDependencyGraph(resources));
    const green = buildDependencyGraph(resources, { module: 'module.app_green' });
    expect(green.nodes.filter((node) => node.external).map((node) => node.address)).toEqual([
      'module.app_blue.terraform_data.by_key',
      'module.app_blue.terraform_data.config',
      'module.app_blue.terraform_data.member',
    ]);
    const nested = buildDependencyGraph(fixture('odd-keys/modules/terraform.tfstate').resources, { module: 'module.fe.module.deep' });
    expect(nested.nodes.filter((node) => !node.external).every((node) => node.address.startsWith('module.fe.module.deep.'))).toBe(true);
    expect(nested.nodes.length).toBeGreaterThan(0);
  });

  it('builds the same graph from a builder fed one resource at a time', () => {
    const resources = fixture('terraform/terraform.tfstate').resources;
    const builder = new DependencyGraphBuilder();
    for (const resource of [...resources].reverse()) builder.addResource(resource);
    expect(builder.build()).toEqual(buildDependencyGraph(resources));
    const first = resources.find((resource) => resource.module === 'module.app_green');
    expect(first === undefined ? '' : configAddressOf(first)).toBe('module.app_green.terraform_data.by_key');
  });
});

// A DOT reader for the subset formatDot writes, following Graphviz's lexer:
// in a quoted string `\"` is a quote and every other backslash is literal.
interface DotStatement {
  ids: string[];
  edge: boolean;
  attributes: Map<string, string>;
}

function readDot(text: string): { statements: DotStatement[]; header: string } {
  const tokens: { kind: 'id' | 'punct'; value: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] ?? '';
    if (/\s/.test(char)) i++;
    else if (char === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted string');
        if (text[i] === '\\' && text[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else value += text[i++];
      }
      tokens.push({ kind: 'id', value });
    } else if (char === '<') {
      // An HTML string: balanced angle brackets (formatDot writes none inside, only references).
      const end = text.indexOf('>', i);
      if (end < 0 || text.slice(i + 1, end).includes('<')) throw new Error('unbalanced HTML string');
      tokens.push({ kind: 'id', value: decodeReferences(text.slice(i + 1, end)) });
      i = end + 1;
    } else if (text.startsWith('->', i)) {
      tokens.push({ kind: 'punct', value: '->' });
      i += 2;
    } else if ('{}[];=,'.includes(char)) {
      tokens.push({ kind: 'punct', value: char });
      i++;
    } else {
      const match = /^[A-Za-z0-9_.]+/.exec(text.slice(i));
      if (match === null) throw new Error(`unexpected ${JSON.stringify(char)} at ${i}`);
      tokens.push({ kind: 'id', value: match[0] });
      i += match[0].length;
    }
  }
  const header = tokens.slice(0, 2).map((token) => token.value).join(' ');
  if (tokens[2]?.value !== '{' || tokens.at(-1)?.value !== '}') throw new Error('not a digraph body');
  const statements: DotStatement[] = [];
  let current: DotStatement = { ids: [], edge: false, attributes: new Map() };
  for (let t = 3; t < tokens.length - 1; t++) {
    const token = tokens[t];
    if (token === undefined) break;
    if (token.value === ';' && token.kind === 'punct') {
      statements.push(current);
      current = { ids: [], edge: false, attributes: new Map() };
    } else if (token.kind === 'punct' && token.value === '->') current.edge = true;
    // A graph attribute (`rankdir=LR`): read as a statement of two ids, never with a label.
    else if (token.kind === 'punct' && token.value === '=') continue;
    else if (token.kind === 'punct' && token.value === '[') {
      for (t++; tokens[t]?.value !== ']' || tokens[t]?.kind !== 'punct'; t++) {
        const key = tokens[t];
        const value = tokens[t + 2];
        if (key === undefined || value === undefined || tokens[t + 1]?.value !== '=') throw new Error('bad attribute list');
        current.attributes.set(key.value, value.value);
        t += 2;
        if (tokens[t + 1]?.value === ',') t++;
      }
    } else if (token.kind === 'id') current.ids.push(token.value);
    else throw new Error(`unexpected ${token.value}`);
  }
  return { statements, header };
}

/** XML character references, the only markup formatDot puts in a label; a raw `&` would be an error. */
function decodeReferences(text: string): string {
  if (/&(?!#\d+;)/.test(text)) throw new Error(`bare & in ${text}`);
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
}

function oddGraph(): DependencyGraph {
  const state = fixture('odd-keys/root-keys/terraform.tfstate');
  const keys = state.resources.flatMap((resource) => resource.instances.map((instance) => instance.index_key)).filter((key) => typeof key === 'string');
  // Config addresses have no keys, so make addresses out of the odd keys as dangling dependencies and module names.
  const resources: StateResource[] = [
    ...state.resources,
    {
      mode: 'managed',
      type: 'terraform_data',
      name: 'uses_odd',
      provider: 'p',
      instances: [
        {
          schema_version: 0,
          dependencies: keys
            .map((key) => formatAddress({ module: [], mode: 'managed', type: 'terraform_data', name: 'odd', key }))
            .concat(['a\\"b', 'end', 'x"]; evil -> y [', 'q\\', 'a&b<c>#d;e`f']),
        },
      ],
    },
  ];
  return buildDependencyGraph(resources);
}

describe('formatDot', () => {
  it('reads back: balanced quotes, every node declared once, every edge endpoint declared, ids exact', () => {
    for (const graph of [buildDependencyGraph(fixture('terraform/terraform.tfstate').resources), oddGraph()]) {
      const { statements, header } = readDot(formatDot(graph));
      expect(header).toBe('digraph dependencies');
      const declared = statements.filter((statement) => !statement.edge && statement.ids.length === 1 && statement.attributes.has('label'));
      // Each node once, with a plain id, labelled with its address (exactly, once references are decoded).
      const labels = declared.map((statement) => (statement.attributes.get('label') ?? '').replace(/ \(missing\)$/, ''));
      expect(labels).toEqual(graph.nodes.map((node) => node.address));
      const addressOf = new Map(declared.map((statement, index) => [statement.ids[0] ?? '', labels[index] ?? '']));
      expect(addressOf.size).toBe(graph.nodes.length);
      expect([...addressOf.keys()].every((id) => /^[A-Za-z0-9_]+$/.test(id))).toBe(true);
      // Every edge endpoint is a declared node, and the edges are the graph's.
      const edges = statements.filter((statement) => statement.edge).map((statement) => statement.ids);
      expect(edges.flat().every((id) => addressOf.has(id))).toBe(true);
      expect(edges.map((ids) => ids.map((id) => addressOf.get(id)))).toEqual(graph.edges.map((edge) => [edge.from, edge.to]));
    }
  });

  it('writes characters XML refuses as visible escapes', () => {
    const dot = formatDot(buildDependencyGraph([{ mode: 'managed', type: 't', name: 'a', provider: 'p', instances: [{ schema_version: 0, dependencies: ['x\ny\u0001\ud800'] }] }]));
    expect(dot).toContain('[label=<x&#92;u000ay&#92;u0001&#92;ud800 (missing)>, style=dashed, color=red];');
  });

  it('styles missing and external nodes', () => {
    const dot = formatDot(buildDependencyGraph(fixture('terraform/terraform.tfstate').resources, { module: 'module.app_green' }));
    expect(dot).toMatch(/ {2}r_module_app_blue_terraform_data_config_[0-9a-f]{8} \[label=<module\.app_blue\.terraform_data\.config>, style=dashed, color=gray50\];/);
    const missing = formatDot(buildDependencyGraph([{ mode: 'managed', type: 't', name: 'a', provider: 'p', instances: [{ schema_version: 0, dependencies: ['t.b'] }] }]));
    expect(missing.replace(/_[0-9a-f]{8}\b/g, '_HASH')).toBe(
      [
        'digraph dependencies {',
        '  rankdir=LR;',
        '  node [shape=box];',
        '  r_t_a_HASH [label=<t.a>];',
        '  r_t_b_HASH [label=<t.b (missing)>, style=dashed, color=red];',
        '  r_t_a_HASH -> r_t_b_HASH;',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('formatMermaid', () => {
  it('is syntactically safe for odd-key addresses: plain ids, escaped labels', () => {
    const graph = oddGraph();
    const mermaid = formatMermaid(graph);
    const lines = mermaid.trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    const ids = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const node = /^ {2}([A-Za-z0-9_]+)\["([^"]*)"\]$/.exec(line);
      const edge = /^ {2}([A-Za-z0-9_]+) --> ([A-Za-z0-9_]+)$/.exec(line);
      const style = /^ {2}(classDef (missing|external) [^"\n]*|class [A-Za-z0-9_,]+ (missing|external))$/.exec(line);
      expect(node !== null || edge !== null || style !== null, line).toBe(true);
      if (node !== null) {
        const [, id = '', label = ''] = node;
        // Entities are the only `#` and `;` uses, and nothing Mermaid reads as markup is left raw.
        expect(label).not.toMatch(/[<>&`\\\n\r]/);
        expect(label.replace(/#\d+;/g, '')).not.toMatch(/[#;]/);
        ids.set(id, label.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code))));
      }
      if (edge !== null) {
        expect(ids.has(edge[1] ?? '')).toBe(true);
        expect(ids.has(edge[2] ?? '')).toBe(true);
      }
    }
    // Every address comes back from its label, and ids are unique, not Mermaid keywords.
    expect([...ids.values()].map((label) => label.replace(/ \(missing\)$/, ''))).toEqual(graph.nodes.map((node) => node.address));
    expect(ids.size).toBe(graph.nodes.length);
    expect([...ids.keys()].every((id) => id.startsWith('r_'))).toBe(true);
    expect(graph.nodes.some((node) => node.address.includes('"'))).toBe(true);
  });

  it('gives an address the same id in every graph', () => {
    const all = formatMermaid(buildDependencyGraph(fixture('terraform/terraform.tfstate').resources));
    const blue = formatMermaid(buildDependencyGraph(fixture('terraform/terraform.tfstate').resources, { module: 'module.app_blue' }));
    const idOf = (text: string, address: string): string | undefined =>
      text.split('\n').find((line) => line.endsWith(`["${address}"]`))?.trim().split('[')[0];
    const address = 'module.app_blue.terraform_data.config';
    expect(idOf(all, address)).toMatch(/^r_module_app_blue_terraform_data_config_[0-9a-f]{8}$/);
    expect(idOf(all, address)).toBe(idOf(blue, address));
    expect(blue).toContain('classDef external');
  });
});
