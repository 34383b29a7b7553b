import { listAddresses } from '@tempeh/core';
import type { Command } from 'commander';
import { action } from '../program.js';
import type { CliRuntime } from '../runtime.js';
import { addFilterOptions, filterFrom, inspectWithProgress, type FilterFlags } from './inspect-options.js';

export function registerList(program: Command, runtime: CliRuntime): void {
  addFilterOptions(
    program
      .command('list')
      .description('list the resource instances in the state, exactly as `terraform state list` does (streamed, any size)'),
  ).action(
    action(runtime, async (flags: FilterFlags) => {
      const addresses = await inspectWithProgress(runtime, 'list', (source, engine) => listAddresses(source, { ...filterFrom(flags), ...engine }));
      const { stdout } = runtime.io;
      if (runtime.globals.json) stdout.write(`${JSON.stringify(addresses)}\n`);
      else stdout.write(addresses.map((a) => `${a}\n`).join(''));
    }),
  );
}
