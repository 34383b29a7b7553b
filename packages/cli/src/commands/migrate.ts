import { ConflictError, UsageError, type StateBackend } from '@tempeh/core';
import { Option, type Command } from 'commander';
import { action } from '../program.js';
import { formatBytes } from '../progress.js';
import { printInfo } from '../report.js';
import type { CliRuntime } from '../runtime.js';
import { endpointTarget, isBackendUrl, type Target } from '../target.js';

interface MigrateOptions {
  from: string;
  to: string;
  overwrite?: boolean;
}

/** What `tempeh migrate --json` prints. */
export interface MigrateReport {
  workspace: string;
  from: string;
  to: string;
  /** sha256 of the source's bytes, as read while copying. */
  sourceSha256: string;
  /** sha256 of the copy, read back from the target. */
  targetSha256: string;
  size: number;
  /** The target's revision of the copy, when it has one. */
  revision: string | null;
}

export function registerMigrate(program: Command, runtime: CliRuntime): void {
  program
    .command('migrate')
    .description("copy a workspace's state to another backend under both locks, then read the copy back and compare sha256 checksums")
    .addOption(new Option('--from <backend>', 'where the state is: a backend URL, or an environment of the config').makeOptionMandatory())
    .addOption(new Option('--to <backend>', 'where it goes: a backend URL, or an environment of the config').makeOptionMandatory())
    .option('--overwrite', 'replace a state the target already has (by default the copy is refused)')
    .addHelpText(
      'after',
      `
The workspace is --workspace, else the source environment's, else 'default';
it keeps its name in the target. The target is initialised first (tables,
directories), as \`terraform init\` does. The source is left as it was.

Example: from Terraform's pg backend to Tempeh's layout in the same database
  tempeh migrate --workspace prod \\
    --from 'postgres://ci@db/tf?compat=terraform' --to 'postgres://ci@db/tf?schema=tempeh'
`,
    )
    .action(
      action(runtime, async (options: MigrateOptions) => {
        const selection = runtime.selection();
        const config = isBackendUrl(options.from) && isBackendUrl(options.to) ? undefined : await runtime.config();
        const { kernel, io } = runtime;
        const from = endpointTarget(kernel, options.from, config, io.cwd, io.env, selection.workspace);
        // The workspace keeps its name: the source's decides, and the target environment's own default does not apply.
        const to = { ...endpointTarget(kernel, options.to, config, io.cwd, io.env, from.workspace), workspace: from.workspace };
        if (sameStore(from, to)) {
          throw new UsageError(`--from and --to name the same store (${from.label})`, { hint: 'name two different backends or environments' });
        }
        const source = await runtime.open(from);
        const target = await runtime.open(to);
        await target.backend.init();
        const { workspace } = from;
        const overwrite = options.overwrite === true;
        if (!overwrite) await refuseExisting(target.backend, to, workspace);
        // Loaded here, not at start-up: the package also holds the pg driver, which other commands do not need.
        const { migrateWorkspace } = await import('@tempeh/backend-postgres');
        const result = await migrateWorkspace(source.manager, target.manager, { workspace, overwrite }).catch((error: unknown) => {
          // The target's compare-and-swap caught a state written since the check above.
          if (!overwrite && error instanceof ConflictError && error.reason === 'revision') throw existingStateError(to, workspace, error);
          throw error;
        });
        // migrateWorkspace has compared the two and throws when they differ, so both are this hash.
        const report: MigrateReport = {
          workspace,
          from: from.label,
          to: to.label,
          sourceSha256: result.sha256,
          targetSha256: result.sha256,
          size: result.size,
          revision: result.revision ?? null,
        };
        if (runtime.globals.json) {
          io.stdout.write(`${JSON.stringify(report)}\n`);
          return;
        }
        io.stdout.write(
          [
            `migrated workspace '${workspace}' (${formatBytes(report.size)})`,
            `  from  ${report.from}`,
            `  to    ${report.to}`,
            `  sha256 source  ${report.sourceSha256}`,
            `  sha256 target  ${report.targetSha256}  (equal)`,
            '',
          ].join('\n'),
        );
        printInfo(io, runtime.style, 'the source still holds its state; remove it yourself once you have switched over');
      }),
    );
}

/**
 * Fails fast, before any lock is taken, when the target already has a
 * state; the write's compare-and-swap still guards the moment between
 * this check and the write, on backends that have one.
 */
async function refuseExisting(backend: StateBackend, to: Target, workspace: string): Promise<void> {
  const existing = await backend.readStream(workspace, { revision: false });
  if (!existing) return;
  existing.stream.destroy();
  throw existingStateError(to, workspace);
}

function existingStateError(to: Target, workspace: string, cause?: unknown): ConflictError {
  return new ConflictError('content', `workspace '${workspace}' of ${to.label} already has a state`, {
    cause,
    hint: "pass --overwrite to replace it (Tempeh's postgres layout keeps the replaced one as a version), or pick another --workspace",
  });
}

/** Two targets on the same store: a copy onto itself would only lock itself out. */
function sameStore(a: Target, b: Target): boolean {
  return a.backendType === b.backendType && a.cwd === b.cwd && JSON.stringify(a.backendConfig) === JSON.stringify(b.backendConfig);
}

