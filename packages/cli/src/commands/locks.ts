import { createInterface } from 'node:readline/promises';
import { describeLock } from '@tempeh/core';
import type { Command } from 'commander';
import { action, lockTimeoutOption } from '../program.js';
import { printInfo } from '../report.js';
import { acquireLock } from './shared.js';
import type { CliRuntime } from '../runtime.js';

/** LockInfo.Operation of a lock taken by `tempeh lock`, named like Terraform's `OperationTypeApply`. */
export const LOCK_OPERATION = 'OperationTypeLock';

interface LockOptions {
  reason?: string;
  lockTimeout: number;
}

interface ForceUnlockOptions {
  force?: boolean;
}

export function registerLockCommands(program: Command, runtime: CliRuntime): void {
  program
    .command('lock')
    .description('take the lock and keep it after exit; prints only the lock ID (the LockInfo with --json)')
    .option('--reason <text>', "why, recorded in the lock's Info field")
    .addOption(lockTimeoutOption('0s'))
    .action(
      action(runtime, async (options: LockOptions) => {
        const { manager, target } = await runtime.open();
        const lock = await acquireLock(manager, target.workspace, { operation: LOCK_OPERATION, info: options.reason ?? '' }, options.lockTimeout, {
          // The lock must outlive this command: only unlock or force-unlock ends it.
          detached: true,
          signal: runtime.interruption.signal,
        });
        runtime.io.stdout.write(runtime.globals.json ? `${JSON.stringify(lock)}\n` : `${lock.ID}\n`);
        printInfo(runtime.io, runtime.style, `locked workspace '${target.workspace}' of ${target.label}; release with \`tempeh unlock ${lock.ID}\``);
      }),
    );

  program
    .command('unlock')
    .description('release a lock you hold')
    .argument('<id>', 'the lock ID `tempeh lock` printed')
    .action(
      action(runtime, async (id: string) => {
        const { manager, target } = await runtime.open();
        await manager.unlock(target.workspace, id);
        printInfo(runtime.io, runtime.style, `released lock ${id} on workspace '${target.workspace}' of ${target.label}`);
      }),
    );

  program
    .command('force-unlock')
    .description("release a lock whoever holds it (Terraform's force-unlock); asks first when stdin is a terminal")
    .argument('<id>', 'the ID of the lock to break (see `tempeh status`)')
    .option('-f, --force', 'do not ask for confirmation')
    .action(
      action(runtime, async (id: string, options: ForceUnlockOptions) => {
        const { manager, target } = await runtime.open();
        if (options.force !== true && runtime.io.stdin.isTTY === true) {
          const status = await manager.getLock(target.workspace);
          const holder = status?.info ? describeLock(status.info) : 'an unknown holder';
          const confirmed = await confirm(
            runtime,
            `Force-unlock workspace '${target.workspace}' of ${target.label}, held by ${holder}?\n` +
              'Only do this if the holder is gone: it may be writing the state right now.\n' +
              "Type 'yes' to confirm: ",
          );
          if (!confirmed) {
            printInfo(runtime.io, runtime.style, 'force-unlock cancelled; the lock is still held');
            return 1;
          }
        }
        await manager.forceUnlock(target.workspace, id);
        printInfo(runtime.io, runtime.style, `force-unlocked ${id} on workspace '${target.workspace}' of ${target.label}`);
      }),
    );
}

/** Asks on stderr (stdout stays data); only the exact answer `yes` confirms, as in Terraform. */
async function confirm(runtime: CliRuntime, question: string): Promise<boolean> {
  const prompt = createInterface({ input: runtime.io.stdin, output: runtime.io.stderr });
  try {
    return (await prompt.question(question)).trim() === 'yes';
  } finally {
    prompt.close();
  }
}
