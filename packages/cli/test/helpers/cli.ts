import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const CLI_BIN = path.join(REPO_ROOT, 'packages/cli/bin/tempeh.js');
export const FIXTURES = path.join(REPO_ROOT, 'fixtures/terraform');
export const MAIN_FIXTURE = path.join(FIXTURES, 'terraform.tfstate');

/** Under CI=true a test that needs something missing fails instead of skipping. */
export const IN_CI = process.env['CI'] === 'true' || process.env['CI'] === '1';

/** Terraform on PATH: the tests that let it read what tempeh wrote run only then. */
export const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;

/**
 * Tests under a real pseudo-terminal need util-linux `script`. Locally they skip without it (their names
 * say so); under CI=true they run, and fail if it is missing.
 */
export const skipWithoutScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0 && !IN_CI;

export interface RunResult {
  /** Exit code; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** stdout as UTF-8. */
  out: string;
}

export interface RunOptions {
  cwd: string;
  /** Added to a clean environment (no inherited TEMPEH_* variables). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
}

/** The environment the CLI runs with in tests: the caller's, minus anything that would pick a target. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (key.startsWith('TEMPEH_')) delete env[key];
  return { ...env, ...extra };
}

/** Runs the built binary, as a user would: `node packages/cli/bin/tempeh.js ARGS`. */
export function tempeh(args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdio: 'pipe' });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const out = Buffer.concat(stdout);
      resolve({ code, signal, stdout: out, out: out.toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The code of the first `error[CODE]` line on stderr, or undefined. */
export function errorCode(stderr: string): string | undefined {
  return /^error\[([A-Z_]+)\]/m.exec(stderr)?.[1];
}

/** A fresh directory, removed when the test ends. */
export async function tempDir(prefix = 'tempeh-cli-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Whether `file` exists; only "no such file" means absent, anything else is a real failure. */
export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}
