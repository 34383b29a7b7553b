import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IoError, NotFoundError, parseState } from '@tempeh/core';
import type { Command } from 'commander';
import { readAll } from '../io.js';
import { action, lockIdOption } from '../program.js';
import { printInfo } from '../report.js';
import type { CliRuntime } from '../runtime.js';
import { lockIdFrom } from './shared.js';

interface PushOptions {
  force?: boolean;
  lockId?: string;
}

export function registerPush(program: Command, runtime: CliRuntime): void {
  program
    .command('push')
    .description("replace the stored state with FILE (or stdin), following Terraform's lineage and serial rules")
    .argument('<file>', 'state file to push, or - for stdin')
    .option('--force', 'write even when the lineage differs or the serial is not newer (Terraform\'s -force)')
    .addOption(lockIdOption())
    .action(
      action(runtime, async (file: string, options: PushOptions) => {
        // Target first: a bad --workspace or config fails before stdin is read.
        const session = await runtime.open();
        const state = parseState(await readInput(runtime, file));
        const force = options.force === true;
        const lockId = lockIdFrom(options.lockId, runtime.io.env);
        // Without a lock ID, save takes the lock for the write itself (Operation OperationTypePush).
        const result = await session.manager.save(session.target.workspace, state, { lockId, force });
        const { workspace } = session.target;
        printInfo(
          runtime.io,
          runtime.style,
          result.unchanged
            ? `state unchanged: workspace '${workspace}' already holds serial ${state.serial}`
            : `pushed serial ${state.serial} (lineage ${state.lineage}) to workspace '${workspace}' of ${session.target.label}`,
        );
      }),
    );
}

async function readInput(runtime: CliRuntime, file: string): Promise<Buffer> {
  if (file === '-') return readAll(runtime.io.stdin);
  const filepath = path.resolve(runtime.io.cwd, file);
  try {
    return await readFile(filepath);
  } catch (cause) {
    if (cause instanceof Error && 'code' in cause && cause.code === 'ENOENT') {
      throw new NotFoundError(`state file ${filepath} does not exist`, { cause, hint: 'check the path, or pass - to read stdin' });
    }
    throw new IoError(`could not read ${filepath}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, path: filepath });
  }
}
