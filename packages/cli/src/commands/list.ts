import { listInstanceAddresses } from '@tempeh/core';
import type { Command } from 'commander';
import { action } from '../program.js';
import type { CliRuntime } from '../runtime.js';
import { noStateError } from './shared.js';

export function registerList(program: Command, runtime: CliRuntime): void {
  program
    .command('list')
    .description('list the resource instances in the state, exactly as `terraform state list` does')
    .action(
      action(runtime, async () => {
        const session = await runtime.open();
        const loaded = await session.manager.load(session.target.workspace);
        if (!loaded) throw noStateError(session);
        const addresses = listInstanceAddresses(loaded.state);
        const { stdout } = runtime.io;
        if (runtime.globals.json) stdout.write(`${JSON.stringify(addresses)}\n`);
        else stdout.write(addresses.map((a) => `${a}\n`).join(''));
      }),
    );
}
