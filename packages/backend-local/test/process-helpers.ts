import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const LOCK_HOLDER = fileURLToPath(new URL('./fixtures/lock-holder.mjs', import.meta.url));
export const CRASH_WRITER = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));

/** Resolves with the first line the child prints on stdout; the rest is drained, so the child never meets a closed pipe. */
export function firstLine(child: ChildProcess): Promise<string> {
  const stdout = child.stdout;
  if (!stdout) return Promise.reject(new Error('the child has no stdout pipe'));
  return new Promise((resolve, reject) => {
    let buffered = '';
    let settled = false;
    stdout.on('data', (chunk: Buffer) => {
      if (settled) return;
      buffered += String(chunk);
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      settled = true;
      resolve(buffered.slice(0, end));
    });
    stdout.on('end', () => {
      if (!settled) reject(new Error(`the child exited before printing a line (${buffered})`));
    });
  });
}

/** SIGKILLs the child and waits until it is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

export function spawnNode(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

export const CAS_WRITER = fileURLToPath(new URL('./fixtures/cas-writer.mjs', import.meta.url));

/** The child's stdout as lines: `first` resolves with the first one, `all` with every line once the child closes it. */
export function readLines(child: ChildProcess): { first: Promise<string>; all: Promise<string[]> } {
  const stdout = child.stdout;
  if (!stdout) throw new Error('the child has no stdout pipe');
  let text = '';
  let announce: (line: string) => void = () => undefined;
  const first = new Promise<string>((resolve) => {
    announce = resolve;
  });
  const all = new Promise<string[]>((resolve, reject) => {
    stdout.on('data', (chunk: Buffer) => {
      text += String(chunk);
      const end = text.indexOf('\n');
      if (end >= 0) announce(text.slice(0, end));
    });
    stdout.on('end', () => resolve(text.split('\n').filter(Boolean)));
    stdout.on('error', reject);
  });
  return { first, all };
}
