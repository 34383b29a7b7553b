// The resource dependency graph of a state, and its DOT and Mermaid forms.
export type { DependencyGraph, GraphEdge, GraphNode } from './types.js';
export { buildDependencyGraph, configAddressOf, DependencyGraphBuilder, type DependencyGraphOptions } from './build-graph.js';
export { formatDot, formatMermaid } from './format-graph.js';
