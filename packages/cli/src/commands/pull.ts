import type { Command } from 'commander';
import { writeAll } from '../io.js';
import { action, lockIdOption } from '../program.js';
import { countingBytes, withProgress } from '../progress.js';
import type { CliRuntime } from '../runtime.js';
import { assertLockHeld, lockIdFrom, noStateError } from './shared.js';
import { readVersion, requireVersions } from './versions.js';

interface PullOptions {
  lockId?: string;
  version?: string;
}

export function registerPull(program: Command, runtime: CliRuntime): void {
  program
    .command('pull')
    .description('write the stored state to stdout, byte for byte (streamed)')
    .option('--version <id>', 'an earlier version instead of the current state: its id from `tempeh versions` (a number on postgres, a version ID on s3)')
    .addOption(lockIdOption())
    .action(
      action(runtime, async (options: PullOptions) => {
        const session = await runtime.open();
        const { workspace } = session.target;
        const lockId = lockIdFrom(options.lockId, runtime.io.env);
        if (lockId !== undefined) await assertLockHeld(session.manager, workspace, lockId);
        // A version is read as stored: read-side plugins (transformRead) apply to the current state only.
        const bytes =
          options.version === undefined
            ? await session.manager.openRead(workspace)
            : await readVersion(await requireVersions(session.backend, 'reading an earlier version'), workspace, options.version);
        if (!bytes) throw noStateError(session);
        await withProgress(runtime, { label: 'pull', total: bytes.size, writesStdoutWhileRunning: true }, (progress) =>
          writeAll(runtime.io.stdout, countingBytes(bytes, progress)),
        );
      }),
    );
}
