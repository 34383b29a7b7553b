import { stateStats, type StateStats, type StatsGroup } from '@tempeh/core';
import { type Command, Option } from 'commander';
import { action } from '../program.js';
import type { CliRuntime } from '../runtime.js';
import { formatTable } from '../table.js';
import { addFilterOptions, filterFrom, inspectWithProgress, parseCount, type FilterFlags } from './inspect-options.js';

interface StatsFlags extends FilterFlags {
  top: number;
}

export function registerStats(program: Command, runtime: CliRuntime): void {
  addFilterOptions(
    program
      .command('stats')
      .description('count resources and instances by type, provider and module; bytes per type; the largest resources (streamed, any size)')
      .addOption(new Option('--top <n>', 'how many of the largest resources to show').default(10).argParser(parseCount)),
  ).action(
    action(runtime, async (flags: StatsFlags) => {
      const stats = await inspectWithProgress(runtime, 'stats', (source, engine) => stateStats(source, { ...filterFrom(flags), top: flags.top, ...engine }));
      runtime.io.stdout.write(runtime.globals.json ? `${JSON.stringify(stats)}\n` : formatStats(stats));
    }),
  );
}

/** The human-readable report: totals, then one table per grouping. */
export function formatStats(stats: StateStats): string {
  const totals = [
    ['resources', `${stats.resources} (${stats.managed} managed, ${stats.data} data)`],
    ['instances', String(stats.instances)],
    ['tainted', String(stats.tainted)],
    ['deposed', String(stats.deposed)],
    ['sensitive attributes', String(stats.sensitiveAttributes)],
    ['bytes', `${stats.resourceBytes} in resources, ${stats.totalBytes} in all`],
  ];
  const width = Math.max(...totals.map(([label]) => (label ?? '').length));
  const out = [totals.map(([label, value]) => `${(label ?? '').padEnd(width)}  ${value}`).join('\n')];
  const group = (title: string, groups: readonly StatsGroup[], name: (key: string) => string): void => {
    if (groups.length === 0) return;
    const rows = [...groups]
      .sort((a, b) => b.instances - a.instances || b.resources - a.resources)
      .map((g) => [name(g.key), String(g.resources), String(g.instances), String(g.bytes)]);
    out.push('', formatTable([title, 'RESOURCES', 'INSTANCES', 'BYTES'], rows).trimEnd());
  };
  group('TYPE', stats.byType, (key) => key);
  group('PROVIDER', stats.byProvider, (key) => key);
  group('MODULE', stats.byModule, (key) => (key === '' ? '(root)' : key));
  if (stats.largest.length > 0) {
    out.push('', formatTable(['LARGEST', 'BYTES'], stats.largest.map((r) => [r.address, String(r.bytes)])).trimEnd());
  }
  return `${out.join('\n')}\n`;
}
