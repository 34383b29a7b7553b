import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
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

  it('validate-custom-rule runs its rule in the workers and refuses the save through the plugin', async () => {
    const { stdout } = await run('node', [path.join(examples, 'validate-custom-rule/index.mjs')], { cwd: root });
    expect(stdout).toMatch(/ERROR\s+ACME001\s+terraform_data\.network\s+instances\[0\]\.attributes\.tags\s+tagged, but without a "owner" tag/);
    expect(stdout).toContain("audit: save of 'default': 4 finding(s), refused: true");
    expect(stdout).toContain('refused: PLUGIN_ERROR → TEMPEH_E_VALIDATION: ACME001');
    expect(stdout).toContain('stored: nothing');
  });

  it('state-basics (the core README example) runs', async () => {
    const { stdout } = await run('node', [path.join(examples, 'state-basics.mjs')], { cwd: root });
    expect(stdout).toContain('data.terraform_remote_state.upstream');
  });

  describe('pipelines', () => {
    /** The parsed resources of a fixture state. */
    function resourcesOf(file: string): { type: string; provider: string; instances: { deposed?: string; attributes?: Record<string, unknown> }[] }[] {
      return JSON.parse(readFileSync(path.join(root, file), 'utf8')).resources;
    }
    const current = (instances: { deposed?: string }[]): number => instances.filter((instance) => instance.deposed === undefined).length;

    it('resources-by-type lists every terraform_data instance of both workspaces, as terraform state list does', async () => {
      const { stdout } = await run('node', [path.join(examples, 'pipelines/resources-by-type.mjs'), 'terraform_data'], { cwd: root });
      const lines = stdout.trim().split('\n');
      const summary = lines.pop();
      const of = (workspace: string): string[] =>
        lines
          .filter((line) => line.startsWith(`${workspace}\t`))
          .map((line) => line.slice(workspace.length + 1))
          .sort();
      const listed = readFileSync(path.join(root, 'fixtures/terraform/state-list.txt'), 'utf8')
        .split('\n')
        .filter((line) => /(^|\.)terraform_data\./.test(line) && !line.includes('data.terraform_data'))
        .sort();
      expect(of('default')).toEqual(listed);
      const staging = resourcesOf('fixtures/terraform/terraform.tfstate.d/staging/terraform.tfstate').filter((r) => r.type === 'terraform_data');
      expect(of('staging')).toHaveLength(staging.reduce((sum, r) => sum + current(r.instances), 0));
      expect(summary).toBe(`${lines.length} instances of terraform_data`);
    });

    it('instances-per-provider sums over every state file of fixtures/terraform and fixtures/odd-keys through one pool', async () => {
      const { stdout } = await run('node', [path.join(examples, 'pipelines/instances-per-provider.mjs')], { cwd: root });
      const files = ['fixtures/terraform', 'fixtures/odd-keys'].flatMap((dir) =>
        readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
          .filter((name) => name.endsWith('.tfstate'))
          .map((name) => path.join(dir, name)),
      );
      const expected = new Map<string, number>();
      for (const file of files) for (const r of resourcesOf(file)) expected.set(r.provider, (expected.get(r.provider) ?? 0) + current(r.instances));
      const lines = stdout.trim().split('\n');
      expect(lines.pop()).toBe(`${files.length} state files, 1 worker pool`);
      const printed = new Map(lines.map((line) => [line.trim().split(/\s+/)[1], Number(line.trim().split(/\s+/)[0])]));
      expect(printed).toEqual(expected);
    });

    it('inventory exports every current aws_instance as a host, by Environment tag', async () => {
      const file = 'fixtures/terraform/generated/aws-6-services.tfstate';
      const { stdout } = await run('node', [path.join(examples, 'pipelines/inventory.mjs'), file], { cwd: root });
      const instances = resourcesOf(file)
        .filter((r) => r.type === 'aws_instance')
        .flatMap((r) => r.instances.filter((instance) => instance.deposed === undefined));
      const addresses = [...stdout.matchAll(/ansible_host: (\S+)/g)].map((match) => match[1]).sort();
      expect(addresses).toEqual(instances.map((instance) => String(instance.attributes?.private_ip)).sort());
      expect([...stdout.matchAll(/ansible_user: (\S+)/g)].every((match) => match[1] === 'ubuntu')).toBe(true);
      const groups = [...stdout.matchAll(/^ {4}(\S+):$/gm)].map((match) => match[1]);
      const environments = new Set(instances.map((instance) => Reflect.get(Object(instance.attributes?.tags), 'Environment')));
      expect(groups).toEqual([...environments].sort());
      expect(stdout.startsWith('all:\n  children:\n')).toBe(true);
    });
  });
});
