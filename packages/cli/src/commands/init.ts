import type { Command } from 'commander';
import { action } from '../program.js';
import { printInfo } from '../report.js';
import type { CliRuntime } from '../runtime.js';

export function registerInit(program: Command, runtime: CliRuntime): void {
  program
    .command('init')
    .description('prepare the backend: create the directories or tables it needs; on s3, check that the bucket enforces conditional writes (safe to repeat)')
    .action(
      action(runtime, async () => {
        const { backend, target } = await runtime.open();
        await backend.init();
        if (runtime.globals.json) runtime.io.stdout.write(`${JSON.stringify({ initialized: true, backend: backend.type, target: target.label })}\n`);
        printInfo(runtime.io, runtime.style, `initialized the ${backend.type} backend of ${target.label}`);
      }),
    );
}
