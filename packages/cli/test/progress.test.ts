import { Readable, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CliIo } from '../src/io.js';
import {
  PROGRESS_DELAY_MS,
  countingBytes,
  createProgress,
  formatBytes,
  progressDisabledBy,
  withProgress,
  type ProgressContext,
} from '../src/progress.js';

/**
 * An in-memory stream that says it is a terminal, as process.stderr does
 * on one: cli-progress draws on it exactly as it would on a real TTY (the
 * pty test in progress-cli.test.ts covers a real one).
 */
class TtyLikeStream extends Writable {
  readonly isTTY = true;
  readonly columns = 200;
  readonly chunks: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }

  get text(): string {
    return this.chunks.join('');
  }

  /** The frame drawn last: every frame starts at column 1 (`ESC[1G`). */
  get lastFrame(): string {
    const frames = this.text.split('\u001b[1G').map((frame) => stripVTControlCharacters(frame)).filter((frame) => frame !== '');
    return frames.at(-1) ?? '';
  }
}

function ttyLikeStream(): TtyLikeStream {
  return new TtyLikeStream();
}

interface ContextOptions {
  json?: boolean;
  progress?: boolean;
  stderrIsTTY?: boolean;
  stdoutIsTTY?: boolean;
  env?: NodeJS.ProcessEnv;
}

function context(stderr: Writable, options: ContextOptions = {}): ProgressContext {
  const io: CliIo = {
    stdout: options.stdoutIsTTY === true ? ttyLikeStream() : new Writable({ write: (_chunk, _encoding, callback) => callback() }),
    stderr,
    stdin: Readable.from([]),
    env: options.env ?? { TERM: 'xterm' },
    cwd: process.cwd(),
    stderrIsTTY: options.stderrIsTTY ?? true,
  };
  return { io, globals: { json: options.json ?? false, progress: options.progress ?? true } };
}

/** What `promise` rejected with; fails the test if it resolved. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createProgress on a terminal', () => {
  it('draws bytes of the total, resources, rate and ETA', () => {
    const stderr = ttyLikeStream();
    const progress = createProgress(context(stderr), { label: 'list', total: 20_000_000 });
    expect(progress.enabled).toBe(true);
    progress.onProgress({ bytes: 2_000_000, resources: 100 });
    vi.advanceTimersByTime(900);
    progress.onProgress({ bytes: 10_000_000, resources: 4500 });
    // cli-progress redraws on its own clock; the frame at 1 s shows 10 MB read in 1 s.
    vi.advanceTimersByTime(100);
    expect(stderr.lastFrame).toBe('list [======------] 50%  10.0/20.0 MB  4,500 resources  10.0 MB/s  ETA 1s');
    progress.done();
  });

  it('without a total: bytes, resources and rate, but no bar, percentage or ETA', () => {
    const stderr = ttyLikeStream();
    const progress = createProgress(context(stderr), { label: 'stats' });
    vi.advanceTimersByTime(1900);
    progress.onProgress({ bytes: 5_000_000, resources: 12 });
    vi.advanceTimersByTime(100);
    expect(stderr.lastFrame).toBe('stats 5.0 MB  12 resources  2.5 MB/s');
    progress.done();
  });

  it('counts bytes passing through a stream, with no resources part (pull)', async () => {
    const stderr = ttyLikeStream();
    const progress = createProgress(context(stderr), { label: 'pull', total: 3_000_000 });
    const chunks = [Buffer.alloc(1_000_000), Buffer.alloc(500_000)];
    let seen = 0;
    for await (const chunk of countingBytes(Readable.from(chunks), progress)) seen += chunk.byteLength;
    expect(seen).toBe(1_500_000);
    vi.advanceTimersByTime(1000);
    expect(stderr.lastFrame).toBe('pull [======------] 50%  1.5/3.0 MB  1.5 MB/s  ETA 1s');
    progress.done();
  });

  it(`shows nothing before ${PROGRESS_DELAY_MS} ms, so a fast command never flashes a bar`, () => {
    const stderr = ttyLikeStream();
    const progress = createProgress(context(stderr), { label: 'list', total: 100 });
    progress.onProgress({ bytes: 50, resources: 1 });
    vi.advanceTimersByTime(PROGRESS_DELAY_MS - 1);
    expect(stderr.text).toBe('');
    vi.advanceTimersByTime(1);
    expect(stderr.lastFrame).toContain('list [');
    progress.done();
  });

  it('TEMPEH_PROGRESS_DELAY_MS changes the delay; a value that is not a whole number keeps the default', () => {
    const immediate = ttyLikeStream();
    createProgress(context(immediate, { env: { TEMPEH_PROGRESS_DELAY_MS: '0' } }), { label: 'list' }).onProgress({ bytes: 1 });
    vi.advanceTimersByTime(0);
    expect(immediate.lastFrame).toContain('list 1 B');

    const malformed = ttyLikeStream();
    createProgress(context(malformed, { env: { TEMPEH_PROGRESS_DELAY_MS: 'soon' } }), { label: 'list' });
    vi.advanceTimersByTime(PROGRESS_DELAY_MS - 1);
    expect(malformed.text).toBe('');
    vi.advanceTimersByTime(1);
    expect(malformed.lastFrame).toContain('list 0 B');
    vi.clearAllTimers();
  });

  it('done() before the delay: nothing is ever drawn', () => {
    const stderr = ttyLikeStream();
    const progress = createProgress(context(stderr), { label: 'list', total: 100 });
    progress.onProgress({ bytes: 100, resources: 3 });
    progress.done();
    vi.advanceTimersByTime(10_000);
    expect(stderr.text).toBe('');
  });

  it('done() clears the line and draws nothing afterwards', () => {
    const stderr = ttyLikeStream();
    const progress = createProgress(context(stderr), { label: 'list', total: 100 });
    vi.advanceTimersByTime(500);
    expect(stderr.text).not.toBe('');
    progress.done();
    const after = stderr.text;
    // cursor to column 1, then erase the whole line
    expect(after.endsWith('\u001b[1G\u001b[2K')).toBe(true);
    progress.onProgress({ bytes: 100, resources: 9 });
    vi.advanceTimersByTime(10_000);
    expect(stderr.text).toBe(after);
  });
});

describe('withProgress', () => {
  it('clears the bar before the error propagates, so the error message starts on a clean line', async () => {
    const stderr = ttyLikeStream();
    const failure = new Error('the state ends early');
    const rejected = await rejectionOf(
      withProgress(context(stderr), { label: 'list', total: 1000 }, async (progress) => {
        progress.onProgress({ bytes: 400, resources: 2 });
        vi.advanceTimersByTime(1000);
        throw failure;
      }),
    );
    expect(rejected).toBe(failure);
    expect(stderr.text).toContain('list [');
    expect(stderr.text.endsWith('\u001b[1G\u001b[2K')).toBe(true);
    const atError = stderr.text;
    vi.advanceTimersByTime(10_000);
    expect(stderr.text).toBe(atError);
  });

  it('returns what the operation returns, and leaves a cleared line', async () => {
    const stderr = ttyLikeStream();
    const result = await withProgress(context(stderr), { label: 'stats', total: 10 }, async (progress) => {
      progress.onProgress({ bytes: 10, resources: 1 });
      vi.advanceTimersByTime(1000);
      return 42;
    });
    expect(result).toBe(42);
    expect(stderr.text.endsWith('\u001b[1G\u001b[2K')).toBe(true);
  });
});

describe('when no bar is shown', () => {
  const cases: { name: string; options: ContextOptions; writesStdout?: boolean; reason: string }[] = [
    { name: 'with --json', options: { json: true }, reason: '--json' },
    { name: 'with --no-progress', options: { progress: false }, reason: '--no-progress' },
    { name: 'when stderr is not a terminal', options: { stderrIsTTY: false }, reason: 'stderr is not a terminal' },
    { name: 'when CI is set', options: { env: { CI: 'true', TERM: 'xterm' } }, reason: 'CI is set' },
    { name: 'when CI=1', options: { env: { CI: '1' } }, reason: 'CI is set' },
    { name: 'with TERM=dumb', options: { env: { TERM: 'dumb' } }, reason: 'TERM=dumb' },
    {
      name: 'when results stream to stdout and stdout is the terminal too (find, pull)',
      options: { stdoutIsTTY: true },
      writesStdout: true,
      reason: 'the results go to the same terminal',
    },
  ];

  it.each(cases)('$name', ({ options, writesStdout, reason }) => {
    const stderr = ttyLikeStream();
    const ctx = context(stderr, options);
    const progressOptions = { label: 'list', total: 100, writesStdoutWhileRunning: writesStdout ?? false };
    expect(progressDisabledBy(ctx, progressOptions)).toBe(reason);
    const progress = createProgress(ctx, progressOptions);
    expect(progress.enabled).toBe(false);
    progress.onProgress({ bytes: 10, resources: 1 });
    vi.advanceTimersByTime(10_000);
    progress.done();
    expect(stderr.text).toBe('');
  });

  it('CI=false or CI=0 does not count as CI', () => {
    for (const CI of ['false', '0', '']) {
      expect(progressDisabledBy(context(ttyLikeStream(), { env: { CI, TERM: 'xterm' } }))).toBeUndefined();
    }
  });

  it('a command that prints only at the end (list, stats) shows a bar even when stdout is the terminal', () => {
    expect(progressDisabledBy(context(ttyLikeStream(), { stdoutIsTTY: true }), { writesStdoutWhileRunning: false })).toBeUndefined();
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [999.7, '1.0 kB'],
    [999_960, '1.0 MB'],
    [20_014_112, '20.0 MB'],
    [3_500_000_000, '3.5 GB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
