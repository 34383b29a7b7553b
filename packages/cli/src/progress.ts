import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { CliIo } from './io.js';

/** How long an operation runs before its bar appears, so fast commands never flash one. */
export const PROGRESS_DELAY_MS = 300;

/** Environment variable that overrides PROGRESS_DELAY_MS (milliseconds; `0` shows the bar at once). */
export const PROGRESS_DELAY_ENV = 'TEMPEH_PROGRESS_DELAY_MS';

/** What an operation reports as it goes: input bytes read, and resources handed out when it counts them. */
export interface ProgressUpdate {
  bytes: number;
  resources?: number;
}

export interface ProgressOptions {
  /** Shown first on the line, e.g. the command's name. */
  label: string;
  /** Input size in bytes, when known: without it there is no bar, percentage or ETA, only bytes, resources and rate. */
  total?: number | undefined;
  /**
   * The command writes results to stdout while it runs (`find`, `pull`).
   * Then no bar is shown when stdout is a terminal too: the results would
   * land in the middle of the bar's line.
   */
  writesStdoutWhileRunning?: boolean;
  /** Default: $TEMPEH_PROGRESS_DELAY_MS when it is a whole number, else PROGRESS_DELAY_MS. */
  delayMs?: number;
}

/** A progress reporter. Every method is safe to call when it shows nothing. */
export interface Progress {
  /** False when nothing will ever be drawn (no TTY, --json, --no-progress, CI, TERM=dumb). */
  readonly enabled: boolean;
  /** The latest totals; cheap, since cli-progress throttles the redraws. */
  onProgress(update: ProgressUpdate): void;
  /** The operation finished: the bar, if shown, is cleared. */
  done(): void;
  /** The operation failed: the bar, if shown, is cleared, so the error message that follows starts on a clean line. */
  fail(): void;
}

/** What the reporter needs from the CLI runtime (CliRuntime has it). */
export interface ProgressContext {
  readonly io: CliIo;
  readonly globals: { readonly json: boolean; readonly progress: boolean };
}

/**
 * Why no bar may be shown, or undefined when one may: a bar is drawn only
 * on a terminal (stderr is a TTY), and not with --json, --no-progress, a
 * set `CI` variable (other than "false" or "0": CI logs keep every redraw)
 * or TERM=dumb (no cursor movement).
 */
export function progressDisabledBy(context: ProgressContext, options: Pick<ProgressOptions, 'writesStdoutWhileRunning'> = {}): string | undefined {
  const { io, globals } = context;
  if (globals.json) return '--json';
  if (!globals.progress) return '--no-progress';
  if (!io.stderrIsTTY) return 'stderr is not a terminal';
  const ci = io.env.CI;
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') return 'CI is set';
  if (io.env.TERM === 'dumb') return 'TERM=dumb';
  if (options.writesStdoutWhileRunning === true && isTty(io.stdout)) return 'the results go to the same terminal';
  return undefined;
}

/**
 * A progress reporter for one long operation, drawn on stderr with
 * cli-progress once the operation has run for `delayMs`: bytes done (of the
 * total when known), resources, rate and ETA. When bars are disabled (see
 * `progressDisabledBy`) it does nothing at all.
 */
export function createProgress(context: ProgressContext, options: ProgressOptions): Progress {
  if (progressDisabledBy(context, options) !== undefined) return SILENT;
  const delayMs = options.delayMs ?? delayFromEnv(context.io.env) ?? PROGRESS_DELAY_MS;
  return new TerminalProgress(context.io.stderr, { ...options, delayMs });
}

/**
 * Runs `operation` with a progress reporter and finishes it either way:
 * `done()` on success, `fail()` before the error propagates (so the bar is
 * gone when main prints the error).
 */
export async function withProgress<T>(context: ProgressContext, options: ProgressOptions, operation: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = createProgress(context, options);
  let result: T;
  try {
    result = await operation(progress);
  } catch (error) {
    progress.fail();
    throw error;
  }
  progress.done();
  return result;
}

/** Passes `source` through unchanged, reporting the bytes seen so far after each chunk. */
export async function* countingBytes(source: AsyncIterable<Uint8Array>, progress: Progress): AsyncGenerator<Uint8Array, void, undefined> {
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.byteLength;
    progress.onProgress({ bytes });
    yield chunk;
  }
}

const SILENT: Progress = { enabled: false, onProgress: () => undefined, done: () => undefined, fail: () => undefined };

class TerminalProgress implements Progress {
  readonly enabled = true;
  readonly #stream: Writable;
  readonly #options: ProgressOptions;
  readonly #startedAt = Date.now();
  #latest: ProgressUpdate = { bytes: 0 };
  #bar: cliProgress.SingleBar | undefined;
  #delay: NodeJS.Timeout | undefined;
  #finished = false;

  constructor(stream: Writable, options: ProgressOptions) {
    this.#stream = stream;
    this.#options = options;
    this.#delay = setTimeout(() => this.#show(), options.delayMs ?? PROGRESS_DELAY_MS);
    // A reporter someone forgot to finish must not keep the process alive.
    this.#delay.unref();
  }

  onProgress(update: ProgressUpdate): void {
    if (this.#finished) return;
    this.#latest = update;
    this.#bar?.update(update.bytes);
  }

  done(): void {
    this.#finish();
  }

  fail(): void {
    this.#finish();
  }

  #show(): void {
    this.#delay = undefined;
    if (this.#finished) return;
    this.#bar = new cliProgress.SingleBar({
      stream: this.#stream,
      format: (options, params) => this.#line(options, params),
      // Short enough that the whole line fits 80 columns.
      barsize: 12,
      clearOnComplete: true,
      // true: cli-progress trims the line to the terminal's width instead of switching the terminal's autowrap off (which Ctrl-C would leave off).
      linewrap: true,
      hideCursor: false,
      // cli-progress's SIGINT handler would only stop the bar and keep tempeh running; Ctrl-C must still end it.
      gracefulExit: false,
    });
    this.#bar.start(this.#options.total ?? 0, this.#latest.bytes);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#delay !== undefined) clearTimeout(this.#delay);
    this.#delay = undefined;
    this.#bar?.stop();
    this.#bar = undefined;
  }

  /** One frame, `list [=====-------] 45%  9.0/20.0 MB  4,500 resources  12.5 MB/s  ETA 1s`, without what is unknown. */
  #line(options: cliProgress.Options, params: cliProgress.Params): string {
    const { label, total } = this.#options;
    const { bytes, resources } = this.#latest;
    const seconds = (Date.now() - this.#startedAt) / 1000;
    const rate = seconds > 0 ? bytes / seconds : 0;
    const parts: string[] = [];
    if (total === undefined) {
      parts.push(`${label} ${formatBytes(bytes)}`);
    } else {
      const bar = cliProgress.Format.BarFormat(params.progress, options);
      parts.push(`${label} [${bar}] ${Math.floor(params.progress * 100)}%`, formatBytesOf(bytes, total));
    }
    if (resources !== undefined) parts.push(`${COUNT.format(resources)} resources`);
    parts.push(`${formatBytes(rate)}/s`);
    if (total !== undefined) {
      const eta = rate > 0 ? cliProgress.Format.TimeFormat(Math.ceil(Math.max(0, total - bytes) / rate), options, 1) : '--';
      parts.push(`ETA ${eta}`);
    }
    return parts.join('  ');
  }
}

const COUNT = new Intl.NumberFormat('en-US');
const LARGER_UNITS = ['MB', 'GB', 'TB'] as const;

/** Decimal units with one decimal (`20.0 MB`), as transfer rates are usually given. */
export function formatBytes(bytes: number): string {
  // Thresholds sit where rounding would otherwise print `1000 B` or `1000.0 kB`.
  if (bytes < 999.5) return `${Math.round(bytes)} B`;
  let value = bytes / 1000;
  let unit: string = 'kB';
  for (const next of LARGER_UNITS) {
    if (value < 999.95) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** `9.0/20.0 MB`, or `812.3 kB/20.0 MB` when the units differ. */
export function formatBytesOf(bytes: number, total: number): string {
  const done = formatBytes(bytes);
  const all = formatBytes(total);
  const unit = all.slice(all.indexOf(' '));
  return done.endsWith(unit) ? `${done.slice(0, -unit.length)}/${all}` : `${done}/${all}`;
}

function delayFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env[PROGRESS_DELAY_ENV];
  // A malformed value only changes when a bar appears, so it falls back to the default rather than failing the command.
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function isTty(stream: Writable): boolean {
  return 'isTTY' in stream && stream.isTTY === true;
}
