import { Kernel, StateManager, type StateBackend } from '@tempeh/core';
import { localBackendPlugin } from '@tempeh/backend-local';
import { postgresBackendPlugin } from '@tempeh/backend-postgres/plugin';
import { s3BackendPlugin } from '@tempeh/backend-s3/plugin';
import { findConfig, type LoadedConfig } from './config/load.js';
import type { CliIo } from './io.js';
import type { ReportStyle } from './report.js';
import { resolveTarget, selectionFrom, type GlobalOptions, type Selection, type Target } from './target.js';

/** A target with its backend opened. */
export interface Session {
  target: Target;
  backend: StateBackend;
  manager: StateManager;
}

/** The kernel every command uses: core's built-in `memory` backend plus `local`, `postgres` and `s3`. */
export async function createCliKernel(): Promise<Kernel> {
  const kernel = new Kernel();
  await kernel.use(localBackendPlugin);
  await kernel.use(postgresBackendPlugin);
  await kernel.use(s3BackendPlugin);
  return kernel;
}

/**
 * What one run of `tempeh` shares between the parser and the command that
 * runs: the I/O, the kernel, the parsed global flags, the config file
 * (read once), and the backends it opened (closed once, at the end).
 */
export class CliRuntime {
  readonly io: CliIo;
  readonly kernel: Kernel;
  /** The command line as given to main (without node and the script). */
  readonly argv: readonly string[];
  /** Set by the command; main returns it. */
  exitCode = 0;
  /** Aborted when the operator interrupts a run that holds or takes a lock (see InterruptGuard); lock waits pass its signal. */
  readonly interruption = new AbortController();
  private globalOptions: GlobalOptions = { json: false, color: true, progress: true };
  private configPromise: Promise<LoadedConfig | undefined> | undefined;
  private readonly opened: StateBackend[] = [];

  constructor(io: CliIo, argv: readonly string[], kernel: Kernel) {
    this.io = io;
    this.argv = argv;
    this.kernel = kernel;
  }

  /** Called once the command line is parsed, before the action runs. */
  setGlobals(globals: GlobalOptions): void {
    this.globalOptions = globals;
  }

  get globals(): GlobalOptions {
    return this.globalOptions;
  }

  get style(): ReportStyle {
    return { json: this.globals.json, color: this.globals.color && this.io.stderrIsTTY && !this.io.env.NO_COLOR };
  }

  selection(): Selection {
    return selectionFrom(this.globals, this.io.env);
  }

  config(): Promise<LoadedConfig | undefined> {
    this.configPromise ??= findConfig(this.kernel, this.io.cwd, this.selection().config);
    return this.configPromise;
  }

  /** The one target the flags, variables and config pick. */
  async target(): Promise<Target> {
    const selection = this.selection();
    // --state and --backend do not need the config; reading it anyway would make a broken config block them.
    const config = selection.state === undefined && selection.backend === undefined ? await this.config() : undefined;
    return resolveTarget(this.kernel, selection, config, this.io.cwd, this.io.env);
  }

  /** Opens the backend of `target` (default: the selected one). Closed by `close()`. */
  async open(target?: Target): Promise<Session> {
    const chosen = target ?? (await this.target());
    const backend = await this.kernel.backends.create(chosen.backendType, chosen.backendConfig, { cwd: chosen.cwd });
    this.opened.push(backend);
    return { target: chosen, backend, manager: new StateManager({ kernel: this.kernel, backend }) };
  }

  /** Closes every backend opened; the first failure is thrown after all were tried. */
  async close(): Promise<void> {
    const results = await Promise.allSettled(this.opened.splice(0).map((b) => b.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
