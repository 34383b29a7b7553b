import { once } from 'node:events';
import { findInstances } from '@tempeh/core';
import type { Command } from 'commander';
import { action } from '../program.js';
import type { CliRuntime } from '../runtime.js';
import { addFilterOptions, collect, filterFrom, inspectWithProgress, type FilterFlags } from './inspect-options.js';

interface FindFlags extends FilterFlags {
  tag: string[];
  attr: string[];
}

export function registerFind(program: Command, runtime: CliRuntime): void {
  addFilterOptions(
    program
      .command('find')
      .description('print the resource instances that match, one JSON line each: {"address","type","provider","module"?,"index_key"?} (streamed, state order)')
      .option('--tag <key=value>', "only instances whose tags (else tags_all) have KEY set to exactly VALUE (repeatable: all must hold)", collect, [])
      .option('--attr <path=value>', 'only instances whose attribute at the dotted PATH equals VALUE, e.g. root_block_device.0.volume_size=30 (repeatable: all must hold)', collect, []),
  ).action(
    action(runtime, async (flags: FindFlags) => {
      const { stdout } = runtime.io;
      await inspectWithProgress(
        runtime,
        'find',
        async (source, engine) => {
          for await (const instance of findInstances(source, { ...filterFrom(flags), tags: flags.tag, attrs: flags.attr, ...engine })) {
            // A slow reader stops the state from being read further; `once` rejects if the pipe breaks instead of waiting forever.
            if (!stdout.write(`${JSON.stringify(instance)}\n`)) await once(stdout, 'drain');
          }
        },
        { writesStdoutWhileRunning: true },
      );
    }),
  );
}
