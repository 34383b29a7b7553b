import { listAddresses, listAddressesText } from '@tempeh/core';
import type { Command } from 'commander';
import { writeAll } from '../io.js';
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
      const { stdout } = runtime.io;
      if (runtime.globals.json) {
        const addresses = await inspectWithProgress(runtime, 'list', (source, engine) => listAddresses(source, { ...filterFrom(flags), ...engine }));
        stdout.write(`${JSON.stringify(addresses)}\n`);
        return;
      }
      // The text as UTF-8 chunks: a 300,000-line listing never becomes 300,000 strings held at once.
      // Nothing is written until the whole state has been read and checked, as terraform prints nothing for a broken state.
      const text = await inspectWithProgress(runtime, 'list', (source, engine) => listAddressesText(source, { ...filterFrom(flags), ...engine }));
      await writeAll(stdout, text);
    }),
  );
}
