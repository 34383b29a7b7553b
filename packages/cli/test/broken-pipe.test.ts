import { spawn } from 'node:child_process';
import path from 'node:path';
import { writeLargeStateFile } from '@tempeh/core/testing';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, MAIN_FIXTURE, cleanEnv, tempDir } from './helpers/cli.js';

interface Cut {
  code: number | null;
  stderr: string;
  /** Bytes read from stdout before the pipe was closed. */
  read: number;
}

/**
 * Runs the CLI and closes its stdout as a reader such as `head -1` does: at once (`afterBytes` 0),
 * or after the first chunk of at least `afterBytes`.
 */
function runCut(args: readonly string[], cwd: string, afterBytes: number): Promise<Cut> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let read = 0;
    let stderr = '';
    if (afterBytes === 0) child.stdout.destroy();
    else
      child.stdout.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= afterBytes) child.stdout.destroy();
      });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, read }));
  });
}

describe('a reader of stdout that goes away (`tempeh … | head -1`)', () => {
  it('--help into a closed pipe exits 0 without a stack trace', async () => {
    const result = await runCut(['--help'], await tempDir(), 0);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('a streaming command stops quietly, exit 0, before writing everything', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'large.tfstate');
    await writeLargeStateFile(file, 16 * 1024 * 1024, { seed: 3 });
    const result = await runCut(['--state', file, 'find', '--type', 'aws_instance'], dir, 1);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.read).toBeGreaterThan(0);
  }, 60_000);

  it('validate keeps its exit code: 1 when a finding reaches --fail-on, however much of the report was read', async () => {
    const result = await runCut(['validate', '--fail-on', 'warning', MAIN_FIXTURE], await tempDir(), 0);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
  });
});
