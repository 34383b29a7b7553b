import { CommanderError } from 'commander';
import { UsageError } from '@tempeh/core';
import { InterruptGuard, cancellationIn } from './interrupt.js';
import { isBrokenPipe, processIo, type CliIo } from './io.js';
import { createProgram, normaliseArgv } from './program.js';
import { exitCodeFor, printError, printWarning, styleFromArgv, type ReportStyle } from './report.js';
import { CliRuntime, createCliKernel } from './runtime.js';

/**
 * Runs `tempeh` with `argv` (without node and the script) and resolves to
 * the exit code: 0 ok, 1 error, 2 usage, or the child's code for `exec`.
 * Never calls process.exit, so it can run inside another program.
 */
export async function main(argv: string[], io: CliIo = processIo(), options: MainOptions = {}): Promise<number> {
  let runtime: CliRuntime | undefined;
  let guard: InterruptGuard | undefined;
  let code: number;
  let failure: unknown;
  // Whether stdout's reader went away: only then is an EPIPE the reader's choice rather than a failure.
  let stdoutBroken = false;
  const onStdoutError = (error: unknown): void => {
    if (isBrokenPipe(error)) stdoutBroken = true;
  };
  io.stdout.prependListener('error', onStdoutError);
  try {
    runtime = new CliRuntime(io, argv, await createCliKernel());
    if (options.handleSignals === true) {
      const current = runtime;
      guard = new InterruptGuard(io, () => styleOf(current, argv, io), runtime.interruption);
      guard.attach(runtime.kernel);
    }
    await createProgram(runtime).parseAsync(normaliseArgv(argv), { from: 'user' });
    code = runtime.exitCode;
  } catch (error) {
    failure = error;
    // Commander has already printed its message (help, version, usage error) through configureOutput.
    if (error instanceof CommanderError) {
      code = error.exitCode === 0 ? 0 : 2;
      // `tempeh` or `tempeh workspace` alone: commander printed the help; say why it is an error.
      if (error.code === 'commander.help' && code !== 0) {
        printError(io, styleOf(runtime, argv, io), new UsageError('a command is required', { hint: 'see `tempeh --help` for the commands' }));
      }
    } else if (isBrokenPipe(error) && stdoutBroken) {
      // The reader of stdout went away (`tempeh find … | head -1`): stop quietly, as git does, after the cleanup below.
      code = 0;
    } else {
      // After Ctrl-C, the cancellation it caused is the news, not the plugin or step it surfaced through.
      const cancelled = guard?.signal === undefined ? undefined : cancellationIn(error);
      printError(io, styleOf(runtime, argv, io), cancelled ?? error);
      code = exitCodeFor(error);
    }
  }
  if (runtime) code = await finish(runtime, argv, code);
  io.stdout.off('error', onStdoutError);
  if (guard) {
    code = guard.exitCode(code, failure);
    guard.dispose();
  }
  return code;
}

export interface MainOptions {
  /**
   * Handle SIGINT, SIGTERM and SIGHUP while a lock is held: finish the step in progress, release the
   * lock, exit 128 + n (see InterruptGuard). For the `tempeh` binary; a program embedding main keeps
   * its own signal handling.
   */
  handleSignals?: boolean;
}

/** Closes what the command opened and reports plugins that left work unsettled. */
async function finish(runtime: CliRuntime, argv: string[], code: number): Promise<number> {
  const style = styleOf(runtime, argv, runtime.io);
  let result = code;
  try {
    await runtime.close();
  } catch (error) {
    printError(runtime.io, style, error);
    if (result === 0) result = exitCodeFor(error);
  }
  for (const tap of runtime.kernel.unsettledTaps()) {
    printWarning(
      runtime.io,
      style,
      `plugin '${tap.plugin}' never settled its promise in hook '${tap.hook}' (called at ${tap.since.toISOString()}); tempeh did not wait for it`,
    );
  }
  return result;
}

/**
 * The output style, also for errors raised before commander has parsed the
 * flags: then --json / --no-color are looked for in argv directly.
 */
function styleOf(runtime: CliRuntime | undefined, argv: string[], io: CliIo): ReportStyle {
  const fromArgv = styleFromArgv(argv, io);
  return { json: fromArgv.json || (runtime?.globals.json ?? false), color: fromArgv.color };
}
