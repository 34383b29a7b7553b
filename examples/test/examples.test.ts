import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Every example the READMEs point at must keep running: they are the first
// thing a new user copies.
const run = promisify(execFile);
const examples = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const root = path.dirname(examples);

describe('examples', () => {
  it('quickstart/run.sh (the README demo) runs the main job to the end', async () => {
    // execFile rejects on a non-zero exit; the script runs with set -euo pipefail.
    const { stdout, stderr } = await run('bash', [path.join(examples, 'quickstart/run.sh')], { cwd: root });
    expect(stdout).toContain('data.terraform_remote_state.upstream');
    expect(stderr).toMatch(/==> done: dev is at serial 31, staging untouched/);
  });

  it('custom-plugin refuses the save in its beforeSave tap and keeps the stored state', async () => {
    const { stdout } = await run('node', [path.join(examples, 'custom-plugin/index.mjs')], { cwd: root });
    expect(stdout).toContain("refused: PLUGIN_ERROR from plugin 'no-debug-outputs' in hook 'beforeSave'");
    expect(stdout).toContain('stored serial is still 30');
  });

  it('state-basics (the core README example) runs', async () => {
    const { stdout } = await run('node', [path.join(examples, 'state-basics.mjs')], { cwd: root });
    expect(stdout).toContain('data.terraform_remote_state.upstream');
  });
});
