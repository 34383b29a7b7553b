import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IoError, NotFoundError, toError } from '@tempeh/core';
import type { Command } from 'commander';
import { action, lockTimeoutOption } from '../program.js';
import { printError, printInfo } from '../report.js';
import { acquireLock } from './shared.js';
import type { CliRuntime, Session } from '../runtime.js';

/** LockInfo.Operation of the lock `exec` holds while its command runs, named like Terraform's `OperationTypeApply`. */
export const EXEC_OPERATION = 'OperationTypeExec';

/** Signals passed on to the child; the child decides how to end, tempeh waits for it and then unlocks. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface ExecOptions {
  lockTimeout: number;
  reason?: string;
}

export function registerExec(program: Command, runtime: CliRuntime): void {
  program
    .command('exec')
    .description('run a command while holding the lock; the child gets TEMPEH_LOCK_ID and exits with its own code')
    .argument('<command...>', 'the command and its arguments, after --')
    .addOption(lockTimeoutOption('0s'))
    .option('--reason <text>', "why, recorded in the lock's Info field (default: the command line)")
    .addHelpText('after', '\nExample:\n  tempeh --env prod exec --lock-timeout 2m -- ./migrate.sh\n')
    .action(
      action(runtime, async (command: string[], options: ExecOptions) => {
        const session = await runtime.open();
        const { manager, target } = session;
        const env = await childEnv(runtime, session);
        const request = { operation: EXEC_OPERATION, info: options.reason ?? command.join(' ') };
        const lock = await acquireLock(manager, target.workspace, request, options.lockTimeout, { signal: runtime.interruption.signal });
        printInfo(runtime.io, runtime.style, `locked workspace '${target.workspace}' of ${target.label} (id ${lock.ID})`);
        const code = await runChild(runtime, command, { ...env, TEMPEH_LOCK_ID: lock.ID });
        try {
          await manager.unlock(target.workspace, lock.ID);
        } catch (error) {
          // The child's result matters more than ours: report the unlock failure, keep its exit code unless it succeeded.
          printError(runtime.io, runtime.style, error);
          return code === 0 ? 1 : code;
        }
        return code;
      }),
    );
}

/**
 * The child's environment (the lock ID is added once taken): the same target, so nested
 * `tempeh` calls (pull, push --lock-id) reach the store the lock is on.
 * Inherited target variables are cleared first, or one of higher
 * precedence could point the child elsewhere. Paths are absolute, so the
 * child may change directory.
 */
async function childEnv(runtime: CliRuntime, session: Session): Promise<NodeJS.ProcessEnv> {
  const { io } = runtime;
  const selection = runtime.selection();
  const env: NodeJS.ProcessEnv = { ...io.env, TEMPEH_WORKSPACE: session.target.workspace };
  delete env.TEMPEH_STATE;
  delete env.TEMPEH_BACKEND;
  delete env.TEMPEH_ENV;
  if (selection.state !== undefined) env.TEMPEH_STATE = path.resolve(io.cwd, selection.state);
  else if (selection.backend !== undefined) env.TEMPEH_BACKEND = selection.backend;
  else if (session.target.environment !== undefined) env.TEMPEH_ENV = session.target.environment;
  // ./terraform.tfstate of this directory, named so that it is found from any other.
  else if (session.target.kind === 'cwd') env.TEMPEH_BACKEND = pathToFileURL(path.join(session.target.cwd, 'terraform.tfstate')).href;
  // The config file that defined the environment, found or given, so a child in another directory finds it too.
  const config = session.target.kind === 'environment' ? await runtime.config() : undefined;
  if (config) env.TEMPEH_CONFIG = config.filepath;
  else if (selection.config !== undefined) env.TEMPEH_CONFIG = path.resolve(io.cwd, selection.config);
  return env;
}

/** Runs the child to its end and resolves to its exit code (128 + n when killed by signal n). */
async function runChild(runtime: CliRuntime, command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [file, ...args] = command;
  if (file === undefined) return 0;
  const child = spawn(file, args, { stdio: 'inherit', env, cwd: runtime.io.cwd });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    return await waitForExit(child, file);
  } catch (error) {
    printError(runtime.io, runtime.style, error);
    // env(1)'s convention: 127 command not found, 126 found but not runnable.
    return error instanceof NotFoundError ? 127 : 126;
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}

function waitForExit(child: ChildProcess, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new NotFoundError(`command '${file}' was not found`, { cause: error, hint: 'check the command name and PATH' }));
      } else {
        reject(new IoError(`could not run '${file}': ${toError(error).message}`, { cause: error, path: file }));
      }
    });
    child.once('exit', (code, signal) => {
      if (code !== null) resolve(code);
      else resolve(128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
