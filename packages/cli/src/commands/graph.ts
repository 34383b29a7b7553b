import { buildGraphFromSource, formatDot, formatMermaid } from '@tempeh/core';
import { type Command, Option } from 'commander';
import { action } from '../program.js';
import type { CliRuntime } from '../runtime.js';
import { inspectWithProgress } from './inspect-options.js';

interface GraphFlags {
  format: 'dot' | 'mermaid';
  module?: string;
}

const GRAPH_HELP = `
One node per resource of the configuration (the instances of module.w[0] and
module.w[1] are drawn as module.w), an edge from a resource to each resource
in its instances' dependencies. Nodes named in dependencies but gone from the
state are dashed red; with --module, nodes outside the module that an edge
reaches are dashed grey. --json prints {"nodes":[{"address","missing","external"}],
"edges":[{"from","to"}]} instead.

Render: tempeh graph | dot -Tsvg > graph.svg
`;

export function registerGraph(program: Command, runtime: CliRuntime): void {
  program
    .command('graph')
    .description('draw the resource dependency graph of the state as Graphviz DOT or a Mermaid flowchart (streamed, any size)')
    .addOption(new Option('--format <format>', 'output format').choices(['dot', 'mermaid']).default('dot'))
    .option('--module <address>', 'only resources in this module and its children (module.app; instance keys are ignored; `root` for the root module only), with the other ends of their edges')
    .addHelpText('after', GRAPH_HELP)
    .action(
      action(runtime, async (flags: GraphFlags) => {
        const graph = await inspectWithProgress(runtime, 'graph', (source, engine) =>
          buildGraphFromSource(source, { ...engine, ...(flags.module === undefined ? {} : { module: flags.module }) }),
        );
        const { stdout } = runtime.io;
        if (runtime.globals.json) stdout.write(`${JSON.stringify(graph)}\n`);
        else stdout.write(flags.format === 'mermaid' ? formatMermaid(graph) : formatDot(graph));
      }),
    );
}
