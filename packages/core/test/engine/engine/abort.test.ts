import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('aborting processState mid-stream', () => {
  it('rejects with CancelledError and leaves no worker thread: the process exits by itself', async () => {
    const script = fileURLToPath(new URL('fixtures/abort-midstream.mjs', import.meta.url));
    // The timeout turns a leaked thread (a process that never exits) into a failure.
    const { stdout } = await run(process.execPath, [script], { timeout: 60_000 });
    const [code, , seen] = stdout.trim().split(' ');
    expect(code).toBe('TEMPEH_E_CANCELLED');
    expect(Number(seen)).toBe(10);
  }, 70_000);
});
