import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's Terraform-written fixtures. */
export const FIXTURES = fileURLToPath(new URL('../../../fixtures/terraform/', import.meta.url));

/** The real terraform binary, when installed (tests that need it are skipped otherwise). */
export const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore', env: terraformEnv() }).status === 0;

/** Terraform runs offline here: no CLI config, no checkpoint calls. */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', ...extra };
}

export async function makeTempDir(prefix = 'tempeh-local-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
}

/** Every path under `dir` with its type, size, mode and mtime: equal snapshots mean nothing was touched. */
export async function snapshotTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      const info = await stat(path);
      out.push(`${relative(dir, path)} ${entry.isDirectory() ? 'dir' : info.size} ${(info.mode & 0o7777).toString(8)} ${info.mtimeMs}`);
      if (entry.isDirectory()) await walk(path);
    }
  }
  await walk(dir);
  return out.sort();
}

/** The permission bits of a file. */
export async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}
