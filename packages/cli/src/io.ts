import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

/**
 * Everything the CLI touches in its surroundings, so `main` can run against
 * the real process or against streams a caller hands in.
 */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Colour is allowed on stderr (a TTY, and neither --no-color nor NO_COLOR). */
  stderrIsTTY: boolean;
}

/**
 * True for the error a write gets when its reader has gone (`tempeh find | head -1`): EPIPE, or the
 * destroyed stream that later writes meet. Like git, tempeh then stops quietly: the reader chose to stop.
 * main also checks that stdout saw it: the same codes from a store's stream are failures.
 */
export function isBrokenPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

let stdoutGuarded = false;

export function processIo(): CliIo {
  // An asynchronous write error on stdout with no listener would crash the process with a stack trace
  // (`tempeh --help | head -1`). A gone reader is expected; any other error is still thrown.
  if (!stdoutGuarded) {
    stdoutGuarded = true;
    process.stdout.on('error', (error) => {
      if (!isBrokenPipe(error)) throw error;
    });
  }
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

/**
 * Writes every chunk, waiting for 'drain' so a large state never piles up in
 * memory. A reader that goes away (`tempeh pull | head`) ends the copy
 * quietly: EPIPE is the reader's choice, not a failure of ours.
 */
export async function writeAll(target: Writable, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  let closed = false;
  const onError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') closed = true;
  };
  target.on('error', onError);
  try {
    for await (const chunk of source) {
      if (closed) return;
      if (target.write(chunk)) continue;
      try {
        await drainOrClose(target);
      } catch (error) {
        // The wait rejects on the stream's 'error'; a gone reader (EPIPE) still ends the copy quietly.
        if (closed) return;
        throw error;
      }
    }
  } finally {
    target.off('error', onError);
  }
}

/**
 * Waits for 'drain' or 'close', whichever comes first, then removes the
 * listeners of both: a bare `Promise.race` of two `once` calls leaves the
 * loser's listeners behind on every wait, and a large state waits often.
 */
async function drainOrClose(target: Writable): Promise<void> {
  const settled = new AbortController();
  try {
    await Promise.race([once(target, 'drain', { signal: settled.signal }), once(target, 'close', { signal: settled.signal })]);
  } finally {
    // The loser rejects with an AbortError; race has already subscribed to it, so that rejection is handled.
    settled.abort();
  }
}

/** The whole of a readable, as one buffer (stdin for `push -`). */
export async function readAll(source: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
