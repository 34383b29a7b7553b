import { diffStateSources, formatDiffJson, formatDiffText, hasDifferences, NotFoundError, UsageError, type DiffSource, type StateReadStream } from '@tempeh/core';
import type { Command } from 'commander';
import { action } from '../program.js';
import { withProgress } from '../progress.js';
import type { CliRuntime } from '../runtime.js';
import { resolveTarget, type Selection, type Target } from '../target.js';
import { noStateError } from './shared.js';

/** What `diff --exit-code` exits with when the states differ (1 and 2 stay errors and usage errors, as `git diff --exit-code` has it). */
export const DIFFERENCES_EXIT_CODE = 3;

const DIFF_HELP = `
Operands (each of BEFORE and AFTER):
  FILE                  a state file; write ./NAME for a file whose name has a colon
  workspace:NAME        workspace NAME of the selected backend (--env, --backend,
                        --state or the config's default environment)
  env:ENV[:WORKSPACE]   environment ENV of the config file, in its own workspace
                        or in WORKSPACE

Instances only in AFTER are +, only in BEFORE -, in both but different ~ with
one line per attribute; then the root outputs. A change of lineage or serial
is shown first. Values of sensitive attributes and outputs are (sensitive)
unless --show-sensitive is given. --json prints the same as one JSON object.

Exit codes: 0 done (with --exit-code: no differences in resources or
outputs), ${DIFFERENCES_EXIT_CODE} the states differ (only with --exit-code), 1 error, 2 usage error.
`;

interface DiffFlags {
  showSensitive?: boolean;
  exitCode?: boolean;
}

/** A diff operand as given on the command line. */
export type DiffOperand =
  | { kind: 'file'; path: string }
  | { kind: 'workspace'; workspace: string }
  | { kind: 'env'; env: string; workspace: string | undefined };

export function registerDiff(program: Command, runtime: CliRuntime): void {
  program
    .command('diff')
    .description('compare two states: instances added, removed and changed (attribute by attribute), and outputs (streamed, any size)')
    .argument('<before>', 'FILE, workspace:NAME or env:ENV[:WORKSPACE]')
    .argument('<after>', 'FILE, workspace:NAME or env:ENV[:WORKSPACE]')
    .option('--show-sensitive', 'show the values of sensitive attributes and outputs instead of (sensitive)')
    .option('--exit-code', `exit with ${DIFFERENCES_EXIT_CODE} when the states differ, 0 when they do not`)
    .addHelpText('after', DIFF_HELP)
    .action(
      action(runtime, async (before: string, after: string, flags: DiffFlags) => {
        // Both operands are checked, and both states opened, before either is read: a typo in the second fails at once.
        const operands = [parseDiffOperand(before), parseDiffOperand(after)] as const;
        const sources = [await openOperand(runtime, operands[0]), await openOperand(runtime, operands[1])] as const;
        const sizes = sources.map((source) => source.size);
        const total = sizes.every((size) => size !== undefined) ? sizes.reduce((sum: number, size) => sum + (size ?? 0), 0) : undefined;
        const diff = await withProgress(runtime, { label: 'diff', total }, (progress) =>
          diffStateSources(sources[0], sources[1], { showSensitive: flags.showSensitive === true, onProgress: (p) => progress.onProgress(p) }),
        );
        const { stdout } = runtime.io;
        if (runtime.globals.json) stdout.write(`${formatDiffJson(diff)}\n`);
        else stdout.write(formatDiffText(diff, { color: colorOnStdout(runtime) }));
        return flags.exitCode === true && hasDifferences(diff) ? DIFFERENCES_EXIT_CODE : 0;
      }),
    );
}

/**
 * Reads one operand: `workspace:NAME`, `env:ENV[:WORKSPACE]`, or else a
 * file path. Any other `word:` prefix is a usage error, so that a typo
 * (`workspce:prod`) is not taken for a file name; a file whose name has a
 * colon is written `./name`.
 */
export function parseDiffOperand(text: string): DiffOperand {
  if (text === '') throw new UsageError('an empty diff operand was given', { hint: OPERAND_HINT });
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(text);
  // `C:\state.tfstate`: a Windows drive, not a prefix.
  if (match === null || (match[1]?.length === 1 && /^[\\/]/.test(match[2] ?? ''))) return { kind: 'file', path: text };
  const [, prefix = '', rest = ''] = match;
  if (prefix === 'workspace') {
    if (rest === '') throw new UsageError(`'${text}' names no workspace`, { hint: OPERAND_HINT });
    return { kind: 'workspace', workspace: rest };
  }
  if (prefix === 'env') {
    const [env = '', workspace, ...more] = rest.split(':');
    if (env === '' || workspace === '' || more.length > 0) throw new UsageError(`'${text}' is not env:ENV or env:ENV:WORKSPACE`, { hint: OPERAND_HINT });
    return { kind: 'env', env, workspace };
  }
  throw new UsageError(`'${prefix}:' in '${text}' is not an operand form tempeh knows`, { hint: OPERAND_HINT });
}

const OPERAND_HINT = 'give a state file (./NAME if the name has a colon), workspace:NAME or env:ENV[:WORKSPACE]; see `tempeh diff --help`';

/** The operand's target, as the global flags would pick it with the operand's overrides. */
async function targetOf(runtime: CliRuntime, operand: DiffOperand): Promise<Target> {
  const { kernel, io } = runtime;
  const selection = runtime.selection();
  if (operand.kind === 'file') {
    const file: Selection = { state: operand.path, backend: undefined, env: undefined, config: undefined, workspace: undefined };
    return resolveTarget(kernel, file, undefined, io.cwd, io.env);
  }
  if (operand.kind === 'workspace') {
    const chosen: Selection = { ...selection, workspace: operand.workspace };
    // As runtime.target(): --state and --backend do not need the config, and a broken one must not block them.
    const config = chosen.state === undefined && chosen.backend === undefined ? await runtime.config() : undefined;
    return resolveTarget(kernel, chosen, config, io.cwd, io.env);
  }
  const chosen: Selection = { state: undefined, backend: undefined, env: operand.env, config: selection.config, workspace: operand.workspace };
  return resolveTarget(kernel, chosen, await runtime.config(), io.cwd, io.env);
}

/**
 * Opens the operand's state once now (NotFoundError when there is none), and
 * again whenever the diff reads it anew.
 */
async function openOperand(runtime: CliRuntime, operand: DiffOperand): Promise<DiffSource> {
  const target = await targetOf(runtime, operand);
  const session = await runtime.open(target);
  const read = async (): Promise<StateReadStream> => {
    const stream = await session.manager.openRead(target.workspace);
    if (stream !== undefined) return stream;
    if (operand.kind === 'file') throw new NotFoundError(`state file ${operand.path} does not exist`, { hint: 'check the path (relative paths start at the working directory)' });
    throw noStateError(session);
  };
  let first: StateReadStream | undefined = await read();
  const label = target.kind === 'state' ? target.label : `workspace '${target.workspace}' of ${target.label}`;
  return {
    label,
    size: first.size,
    open: async () => {
      const stream = first ?? (await read());
      first = undefined;
      return stream;
    },
  };
}

/** Colour on stdout: a terminal, and neither --no-color nor NO_COLOR. */
function colorOnStdout(runtime: CliRuntime): boolean {
  const { stdout, env } = runtime.io;
  const tty: unknown = Reflect.get(stdout, 'isTTY');
  return runtime.globals.color && tty === true && !env.NO_COLOR;
}
