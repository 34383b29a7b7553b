import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAIN_FIXTURE, errorCode, tempDir, tempeh } from './helpers/cli.js';

/** The main fixture with a plaintext connection string and a bad lineage planted. */
async function brokenState(dir: string): Promise<string> {
  const state = JSON.parse(await readFile(MAIN_FIXTURE, 'utf8'));
  state.lineage = 'not-a-uuid';
  state.resources.find((r: { name: string }) => r.name === 'network').instances[0].attributes.dsn = 'postgres://admin:s3cr3t-value@db:5432/app';
  const file = path.join(dir, 'broken.tfstate');
  await writeFile(file, JSON.stringify(state, null, 2));
  return file;
}

describe('tempeh validate', () => {
  it('a Terraform-written state: exit 0, a table with the summary line', async () => {
    const dir = await tempDir();
    const result = await tempeh(['validate', '--state', MAIN_FIXTURE], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.out).toContain('0 error(s), 1 warning(s), 0 info in 13 resource(s)');
    // The warning counts with --fail-on warning.
    expect((await tempeh(['validate', '--state', MAIN_FIXTURE, '--fail-on', 'warning'], { cwd: dir })).code).toBe(1);
  });

  it('findings at the threshold: exit 1; JSON has the findings and a summary; the secret is in no format', async () => {
    const dir = await tempDir();
    const file = await brokenState(dir);
    for (const format of ['table', 'json', 'sarif']) {
      const result = await tempeh(['validate', file, '--format', format], { cwd: dir });
      expect(result.code, format).toBe(1);
      expect(result.out, format).not.toContain('s3cr3t-value');
      expect(result.stderr, format).not.toContain('s3cr3t-value');
    }
    const json = JSON.parse((await tempeh(['validate', file, '--format', 'json'], { cwd: dir })).out);
    expect(json.findings.map((f: { rule: string }) => f.rule).sort()).toEqual(['TV014', 'TV044', 'TV045']);
    expect(json.summary).toMatchObject({ error: 2, warning: 1, states: 1 });
    const sarif = JSON.parse((await tempeh(['validate', file, '--format', 'sarif'], { cwd: dir })).out);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId).sort()).toEqual(['TV014', 'TV044', 'TV045']);
  });

  it('--rules narrows the rules; several files give a summary per state', async () => {
    const dir = await tempDir();
    const file = await brokenState(dir);
    const only = JSON.parse((await tempeh(['validate', file, '--rules', 'TV014', '--format', 'json'], { cwd: dir })).out);
    expect(only.findings.map((f: { rule: string }) => f.rule)).toEqual(['TV014']);
    const both = await tempeh(['validate', MAIN_FIXTURE, file], { cwd: dir });
    expect(both.code).toBe(1);
    expect(both.out).toContain(`${MAIN_FIXTURE}:`);
    expect(both.out).toContain(`${file}:`);
    expect(both.out).toContain('2 states: 2 error(s), 2 warning(s), 0 info');
  });

  it('usage errors exit 2: an unknown rule, an unknown format; a missing file exits 1 with TEMPEH_E_NOT_FOUND', async () => {
    const dir = await tempDir();
    const unknownRule = await tempeh(['validate', MAIN_FIXTURE, '--rules', 'TV999'], { cwd: dir });
    expect(unknownRule.code).toBe(2);
    expect(errorCode(unknownRule.stderr)).toBe('TEMPEH_E_USAGE');
    expect((await tempeh(['validate', MAIN_FIXTURE, '--format', 'xml'], { cwd: dir })).code).toBe(2);
    const missing = await tempeh(['validate', path.join(dir, 'nope.tfstate')], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(errorCode(missing.stderr)).toBe('TEMPEH_E_NOT_FOUND');
  });

  it('--all-workspaces validates every workspace of the target backend', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'terraform.tfstate');
    await writeFile(file, await readFile(MAIN_FIXTURE));
    const backend = ['--backend', pathToFileURL(file).href];
    const pushed = await tempeh([...backend, '--workspace', 'staging', 'push', MAIN_FIXTURE], { cwd: dir });
    expect(pushed.code, pushed.stderr).toBe(0);
    const result = JSON.parse((await tempeh([...backend, 'validate', '--all-workspaces', '--format', 'json'], { cwd: dir })).out);
    expect(result.states.map((s: { state: string }) => s.state)).toEqual([expect.stringContaining('workspace default'), expect.stringContaining('workspace staging')]);
  });
});
