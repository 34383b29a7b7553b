import type { DependencyGraph, GraphNode } from './types.js';

/**
 * The graph in Graphviz DOT, edges pointing from a resource to what it
 * depends on. Node ids are the same stable ids as `formatMermaid`'s (plain
 * `[A-Za-z0-9_]`), and the address is the node's label, an HTML-like label
 * (`label=<…>`) with every character DOT or XML might read as syntax written
 * as a character reference. Addresses are not used as quoted ids because
 * they can hold backslashes (`["a\\b"]`), and DOT's quoted strings have no
 * escape for a backslash before a quote that every Graphviz reads alike.
 * Missing nodes are dashed red, external ones dashed grey. Ends with a newline.
 */
export function formatDot(graph: DependencyGraph): string {
  const ids = stableNodeIds(graph.nodes.map((node) => node.address));
  const lines = ['digraph dependencies {', '  rankdir=LR;', '  node [shape=box];'];
  for (const node of graph.nodes) {
    const attributes = [`label=<${htmlEscape(nodeLabel(node))}>`];
    if (node.missing) attributes.push('style=dashed', 'color=red');
    else if (node.external) attributes.push('style=dashed', 'color=gray50');
    lines.push(`  ${ids.get(node.address) ?? ''} [${attributes.join(', ')}];`);
  }
  for (const edge of graph.edges) lines.push(`  ${ids.get(edge.from) ?? ''} -> ${ids.get(edge.to) ?? ''};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function nodeLabel(node: GraphNode): string {
  return node.missing ? `${node.address} (missing)` : node.address;
}

/**
 * Text for an HTML-like DOT label: `& < > " '` and the backslash as numeric
 * references; characters XML 1.0 forbids even as references (controls, lone
 * surrogates, U+FFFE/U+FFFF) and line breaks as visible `\uXXXX` text.
 */
function htmlEscape(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(code);
    if (code > 0xffff) i++;
    if ('&<>"\'\\'.includes(char)) out += `&#${code};`;
    else if (code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff) {
      out += `&#92;u${code.toString(16).padStart(4, '0')}`;
    } else out += char;
  }
  return out;
}

/**
 * The graph as a Mermaid flowchart (`flowchart LR`). Mermaid ids cannot
 * hold an address, so each node gets an id made of the address's letters
 * and digits plus a hash of the whole address (stable across runs and
 * graphs, matching /^[A-Za-z0-9_]+$/), and the address goes in a quoted
 * label where every character Mermaid might read as syntax (`"`, `#`, `;`,
 * `<`, `>`, `&`, backquote, backslash, control characters) is written as a
 * `#code;` entity. Missing and external nodes get classes of those names.
 */
export function formatMermaid(graph: DependencyGraph): string {
  const ids = stableNodeIds(graph.nodes.map((node) => node.address));
  const lines = ['flowchart LR'];
  for (const node of graph.nodes) lines.push(`  ${ids.get(node.address) ?? ''}["${mermaidEscape(nodeLabel(node))}"]`);
  for (const edge of graph.edges) lines.push(`  ${ids.get(edge.from) ?? ''} --> ${ids.get(edge.to) ?? ''}`);
  const missing = graph.nodes.filter((node) => node.missing).map((node) => ids.get(node.address) ?? '');
  const external = graph.nodes.filter((node) => !node.missing && node.external).map((node) => ids.get(node.address) ?? '');
  if (missing.length > 0) lines.push('  classDef missing stroke:#c00,stroke-dasharray:5 5', `  class ${missing.join(',')} missing`);
  if (external.length > 0) lines.push('  classDef external stroke:#888,stroke-dasharray:5 5', `  class ${external.join(',')} external`);
  return `${lines.join('\n')}\n`;
}

/** Stable node ids for DOT and Mermaid: `r_` + the address's ASCII letters/digits (runs of others as `_`, at most 48) + `_` + FNV-1a hash; a suffix on the rare clash. */
function stableNodeIds(addresses: string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const address of addresses) {
    const base = `r_${address.replace(/[^A-Za-z0-9]+/g, '_').slice(0, 48)}_${fnv1a(address)}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(address, id);
  }
  return ids;
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

// Letters, marks and digits of any script, and punctuation that is inert inside a quoted Mermaid label.
const SAFE = /[\p{L}\p{M}\p{N} .,:_\-/()[\]{}=+*!?@$%^~|']/u;

function mermaidEscape(text: string): string {
  let out = '';
  for (const char of text) out += SAFE.test(char) ? char : `#${char.codePointAt(0) ?? 0};`;
  return out;
}
