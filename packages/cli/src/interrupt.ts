import { constants } from 'node:os';
import { CancelledError, type Kernel } from '@tempeh/core';
import type { CliIo } from './io.js';
import { printWarning, type ReportStyle } from './report.js';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const HOOK_NAME = 'tempeh-cli:interrupt';

/**
 * Ctrl-C (or SIGTERM, SIGHUP) while tempeh holds a lock or is taking one,
 * handled as Terraform does:
 *
 * - holding a lock, the first signal lets the step in progress finish (a
 *   write is never left half-done), the lock is released, no further lock is
 *   taken, and tempeh exits 128 + the signal's number;
 * - taking a lock, the wait for it ends, and a lock the attempt in flight
 *   obtains is released at once;
 * - a second signal stops tempeh at once, leaving a held lock held.
 *
 * With no lock held or being taken, a signal ends tempeh at once as usual:
 * a read has nothing to leave behind.
 *
 * Only the `tempeh` binary installs this (main's `handleSignals`): signal
 * handlers belong to the process, not to a program that embeds main.
 */
export class InterruptGuard {
  readonly #io: CliIo;
  readonly #style: () => ReportStyle;
  readonly #abort: AbortController;
  /** Lock ID → which lock it is, for the locks this run took and has not released. */
  readonly #held = new Map<string, string>();
  /** Lock attempts under way: beforeLock ran, neither afterLock nor a failure yet. */
  #acquiring = 0;
  #signal: NodeJS.Signals | undefined;
  #listening = false;
  /** The errors the guard threw from a tap (the kernel wraps them in PluginError). */
  readonly #own = new WeakSet<Error>();

  /** `abort` is aborted on the first signal: pass its signal to lock waits (LockWaitOptions.signal). */
  constructor(io: CliIo, style: () => ReportStyle, abort: AbortController) {
    this.#io = io;
    this.#style = style;
    this.#abort = abort;
  }

  /** Follows the locks `kernel` takes and releases. */
  attach(kernel: Kernel): void {
    const { hooks } = kernel;
    hooks.beforeLock.tap(HOOK_NAME, (request, context) => {
      // After an interrupt the command takes no further lock (`migrate` of several workspaces stops here).
      if (this.#signal !== undefined) throw this.#refusal(context.workspace);
      this.#acquiring++;
      this.#update();
      return request;
    });
    hooks.afterLock.tap(HOOK_NAME, (lock, context) => {
      this.#acquiring--;
      if (this.#signal !== undefined) {
        // Obtained by the attempt that was in flight when the signal came: StateManager releases it when afterLock fails.
        this.#update();
        throw this.#refusal(context.workspace);
      }
      this.#held.set(lock.ID, `the ${context.backend.type} lock on workspace '${context.workspace}'`);
      this.#update();
    });
    hooks.afterUnlock.tap(HOOK_NAME, (lockId) => {
      this.#held.delete(lockId);
      this.#update();
    });
    hooks.error.tap(HOOK_NAME, (error, context) => {
      // A lock attempt that failed: held by another, unreachable, another plugin's refusal. The guard's own
      // refusals are already counted (beforeLock refuses before counting, afterLock after uncounting).
      if (context.operation === 'lock' && this.#acquiring > 0 && !causes(error).some((cause) => this.#own.has(cause))) {
        this.#acquiring--;
        this.#update();
      }
    });
  }

  /** The signal received while a lock was held or being taken, if any. */
  get signal(): NodeJS.Signals | undefined {
    return this.#signal;
  }

  /**
   * The exit code after the run: after an interrupt, 128 + the signal's number when the command
   * succeeded anyway or was cancelled by it (as a shell expects), else the command's own failure.
   */
  exitCode(code: number, error: unknown): number {
    if (this.#signal === undefined) return code;
    if (code !== 0 && !isCancellation(error)) return code;
    return 128 + (constants.signals[this.#signal] ?? 0);
  }

  /** Stops listening; the process's default handling applies again. */
  dispose(): void {
    this.#held.clear();
    this.#acquiring = 0;
    this.#update();
  }

  readonly #onSignal = (signal: NodeJS.Signals): void => {
    if (this.#signal !== undefined) {
      const ids = [...this.#held.keys()];
      const release = ids.length === 1 ? `\`tempeh force-unlock ${ids[0]}\`` : '`tempeh force-unlock ID`';
      const left = ids.length > 0 ? `${this.#describeHeld()} stays held (${release} releases it)` : 'no lock is held';
      printWarning(this.#io, this.#style(), `${signal} again: stopping now; ${left}`);
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    this.#signal = signal;
    this.#abort.abort(new CancelledError(`the command, by ${signal}`));
    const doing =
      this.#held.size > 0
        ? `finishing the step in progress so that nothing is half-written, then releasing ${this.#describeHeld()}`
        : 'stopping the attempt to take the lock (one obtained meanwhile is released at once)';
    printWarning(this.#io, this.#style(), `${signal} received: ${doing}; send it again to stop at once`);
  };

  #refusal(workspace: string): CancelledError {
    const error = new CancelledError(`taking the lock on workspace '${workspace}' after ${this.#signal ?? 'a signal'}`);
    this.#own.add(error);
    return error;
  }

  #describeHeld(): string {
    return [...this.#held].map(([id, what]) => `${what} (ID ${id})`).join(' and ');
  }

  #update(): void {
    const listen = this.#held.size > 0 || this.#acquiring > 0;
    if (listen === this.#listening) return;
    this.#listening = listen;
    for (const signal of SIGNALS) {
      if (listen) process.on(signal, this.#onSignal);
      else process.off(signal, this.#onSignal);
    }
  }
}

/** The error and its causes, outermost first. */
function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let at: unknown = error; at instanceof Error && chain.length < 8; at = at.cause) chain.push(at);
  return chain;
}

/** The cancellation the error is, or is caused by (a guard refusal arrives wrapped in PluginError). */
export function cancellationIn(error: unknown): CancelledError | undefined {
  return causes(error).find((cause): cause is CancelledError => cause instanceof CancelledError);
}

function isCancellation(error: unknown): boolean {
  return cancellationIn(error) !== undefined;
}
