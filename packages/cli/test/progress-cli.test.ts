import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLargeStateFile, type WrittenLargeState } from '@tempeh/core/testing';
import { CLI_BIN, cleanEnv, skipWithoutScript, tempeh } from './helpers/cli.js';

const LARGE_BYTES = 20_000_000;

let dir: string;
let large: WrittenLargeState;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tempeh-progress-'));
  large = await writeLargeStateFile(path.join(dir, 'large.tfstate'), LARGE_BYTES);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** On a terminal this would draw the bar at once; without one it must change nothing. */
const SHOW_AT_ONCE: NodeJS.ProcessEnv = { TERM: 'xterm', TEMPEH_PROGRESS_DELAY_MS: '0' };

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

interface PtyResult {
  code: number | null;
  /** Everything the command wrote to the terminal: its stderr, and its stdout unless that went to a file. */
  terminal: string;
}

/**
 * Runs `tempeh ARGS > stdoutFile` (or with stdout on the terminal too, when
 * `stdoutFile` is undefined) under a real pseudo-terminal with
 * `script -qec`, so stderr is a TTY exactly as in an interactive shell.
 * The bar shows at once (TEMPEH_PROGRESS_DELAY_MS=0), so whether it
 * appears does not depend on how fast this machine reads the state.
 */
function tempehOnPty(args: readonly string[], stdoutFile: string | undefined): Promise<PtyResult> {
  const redirect = stdoutFile === undefined ? '' : ` > ${shellQuote(stdoutFile)}`;
  const command = `${[process.execPath, CLI_BIN, ...args].map(shellQuote).join(' ')}${redirect}`;
  const env = cleanEnv(SHOW_AT_ONCE);
  // The runner's own CI variable would (rightly) turn the bar off.
  delete env.CI;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, terminal: Buffer.concat(output).toString('utf8') }));
  });
}

describe('progress without a terminal', () => {
  it.each([
    ['list', ['list']],
    ['list --json', ['list', '--json']],
    ['stats', ['stats']],
    ['find', ['find', '--type', 'aws_instance']],
  ])('%s on a 20 MB state: stderr stays empty, stdout is the data', async (_name, args) => {
    const result = await tempeh(['--state', large.path, ...args], { cwd: dir, env: SHOW_AT_ONCE });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.length).toBeGreaterThan(0);
  }, 60_000);

  it('pull on a 20 MB state: stderr stays empty, stdout is the stored bytes', async () => {
    const result = await tempeh(['--state', large.path, 'pull'], { cwd: dir, env: SHOW_AT_ONCE });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.equals(await readFile(large.path))).toBe(true);
  }, 60_000);
});

describe('progress on a real terminal', () => {
  it.skipIf(skipWithoutScript)('list under a pty (script -qec) draws its bar on stderr, clears it, and stdout is unchanged (needs util-linux `script`; skipped without it)', async () => {
    const expected = await tempeh(['--state', large.path, 'list'], { cwd: dir });
    const stdoutFile = path.join(dir, 'list.out');
    const result = await tempehOnPty(['--state', large.path, 'list'], stdoutFile);
    expect(result.code).toBe(0);
    const text = stripVTControlCharacters(result.terminal);
    expect(text).toContain('list [');
    expect(text).toContain('/20.0 MB');
    expect(text).toContain(' resources');
    expect(text).toContain(' MB/s');
    expect(text).toContain('ETA ');
    // cleared when done: the last thing on the terminal erases the bar's line
    expect(result.terminal.endsWith('\u001b[2K')).toBe(true);
    expect(await readFile(stdoutFile, 'utf8')).toBe(expected.out);
  }, 60_000);

  it.skipIf(skipWithoutScript)('validate FILE under a pty (read by byte range) draws its bar on stderr and clears it; stdout is the report (needs util-linux `script`; skipped without it)', async () => {
    const expected = await tempeh(['validate', '--format', 'json', large.path], { cwd: dir });
    const stdoutFile = path.join(dir, 'validate.out');
    const result = await tempehOnPty(['validate', '--format', 'json', large.path], stdoutFile);
    expect(result.code).toBe(expected.code);
    const text = stripVTControlCharacters(result.terminal);
    expect(text).toContain('validate [');
    expect(text).toContain('/20.0 MB');
    expect(text).toContain(' resources');
    expect(result.terminal.endsWith('\u001b[2K')).toBe(true);
    expect(await readFile(stdoutFile, 'utf8')).toBe(expected.out);
  }, 60_000);

  it.skipIf(skipWithoutScript)('pull > FILE under a pty shows bytes only, and the file is the stored state (needs util-linux `script`; skipped without it)', async () => {
    const stdoutFile = path.join(dir, 'pull.out');
    const result = await tempehOnPty(['--state', large.path, 'pull'], stdoutFile);
    expect(result.code).toBe(0);
    const text = stripVTControlCharacters(result.terminal);
    expect(text).toContain('pull [');
    expect(text).toContain('/20.0 MB');
    expect(text).not.toContain('resources');
    expect((await readFile(stdoutFile)).equals(await readFile(large.path))).toBe(true);
  }, 60_000);

  it.skipIf(skipWithoutScript)('find with its results on the same terminal draws no bar into them (needs util-linux `script`; skipped without it)', async () => {
    const expected = await tempeh(['--state', large.path, 'find', '--type', 'aws_instance'], { cwd: dir });
    const result = await tempehOnPty(['--state', large.path, 'find', '--type', 'aws_instance'], undefined);
    expect(result.code).toBe(0);
    // The pty turns \n into \r\n; apart from that the terminal shows exactly the results.
    expect(result.terminal.replaceAll('\r\n', '\n')).toBe(expected.out);
  }, 60_000);

  it.skipIf(skipWithoutScript)('--json and --no-progress keep the terminal silent (needs util-linux `script`; skipped without it)', async () => {
    for (const flag of ['--json', '--no-progress']) {
      const result = await tempehOnPty(['--state', large.path, flag, 'stats'], path.join(dir, 'stats.out'));
      expect(result.code).toBe(0);
      expect(result.terminal).toBe('');
    }
  }, 60_000);

  it.skipIf(skipWithoutScript)('a failure mid-read: the error starts on a clean line after the bar (needs util-linux `script`; skipped without it)', async () => {
    const broken = path.join(dir, 'broken.tfstate');
    await copyFile(large.path, broken);
    await truncate(broken, Math.floor(large.size * 0.9));
    const result = await tempehOnPty(['--state', broken, 'list'], path.join(dir, 'broken.out'));
    expect(result.code).toBe(1);
    expect(stripVTControlCharacters(result.terminal)).toContain('list ');
    // The bar's line is erased (ESC[2K) before the error is printed, so the error starts at column 1 of a clean line.
    const erased = result.terminal.lastIndexOf('\u001b[2K');
    expect(erased).toBeGreaterThan(-1);
    expect(result.terminal.slice(erased + '\u001b[2K'.length).startsWith('error[TEMPEH_E_INVALID_STATE]: ')).toBe(true);
    expect(await readFile(path.join(dir, 'broken.out'), 'utf8')).toBe('');
  }, 60_000);
});
