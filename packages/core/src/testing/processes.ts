// Child processes for tests that need real contenders: backends' lock and contention suites.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';


/** Runs a node script as a real child process, its stdout piped (see readLines), its stderr passed through. */
export function spawnNode(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** The child's stdout as lines: `first` resolves with the first one, `all` with every line once the child closes it. */
export function readLines(child: ChildProcess): { first: Promise<string>; all: Promise<string[]> } {
  const stdout = child.stdout;
  if (!stdout) throw new Error('the child has no stdout pipe');
  let text = '';
  let announce: (line: string) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const first = new Promise<string>((resolve, reject) => {
    announce = resolve;
    fail = reject;
  });
  const all = new Promise<string[]>((resolve, reject) => {
    stdout.on('data', (chunk: Buffer) => {
      text += String(chunk);
      const end = text.indexOf('\n');
      if (end >= 0) announce(text.slice(0, end));
    });
    stdout.on('end', () => {
      fail(new Error(`the child printed no line (${text})`));
      resolve(text.split('\n').filter(Boolean));
    });
    stdout.on('error', reject);
  });
  return { first, all };
}

/** SIGKILLs the child and waits until it is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Waits for the child to exit and returns its exit code. */
export async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return typeof code === 'number' ? code : null;
}

/**
 * Polls `check` until it returns true. PostgreSQL ends a killed client's
 * session when it notices the closed socket, a moment after the kill; this
 * waits for that without asserting how long it takes (the give-up bound is
 * only there so a broken test ends).
 */
export async function eventually(check: () => Promise<boolean>, giveUpMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + giveUpMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}
