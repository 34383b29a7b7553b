/** One resource (config address, no instance keys) in a dependency graph. */
export interface GraphNode {
  /** `module.app_blue.terraform_data.config`, `data.terraform_remote_state.upstream`. */
  address: string;
  /** Named in some `dependencies` but not a resource of the state (Terraform keeps stale entries until the next apply). */
  missing: boolean;
  /** Outside the module filter; drawn only because an edge reaches it. */
  external: boolean;
}

/** `from` depends on `to`: `to` is in the `dependencies` of one of `from`'s instances. */
export interface GraphEdge {
  from: string;
  to: string;
}

/** Nodes in config address order (module path, data before managed, type, name); edges sorted by `from`, then `to`, without duplicates. */
export interface DependencyGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}
