import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from './cli.js';

export interface TerraformRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Terraform runs offline: no CLI config, no checkpoint calls; its pg backend and terraform_data are built in. */
function terraformEnv(): NodeJS.ProcessEnv {
  return { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
}

/**
 * A working directory whose configuration uses `backend "pg"` on `databaseUrl`
 * (schema `schema`), initialised; removed when the test ends. Returns a
 * function that runs terraform in it.
 */
export async function terraformPgDir(databaseUrl: string, schema: string): Promise<(args: string[]) => Promise<TerraformRun>> {
  const dir = await tempDir('tempeh-cli-tf-pg-');
  await writeFile(
    path.join(dir, 'main.tf'),
    ['terraform {', '  backend "pg" {}', '}', 'resource "terraform_data" "x" {', '  input = "hello"', '}', ''].join('\n'),
  );
  // lib/pq's default sslmode is require; the test server may have no SSL.
  const url = new URL(databaseUrl);
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  const run = async (args: string[]): Promise<TerraformRun> => {
    const child = spawn('terraform', args, { cwd: dir, env: terraformEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const [code] = await once(child, 'close');
    return { code: typeof code === 'number' ? code : null, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
  };
  const init = await run(['init', '-input=false', '-no-color', `-backend-config=conn_str=${url.href}`, `-backend-config=schema_name=${schema}`]);
  if (init.code !== 0) throw new Error(`terraform init failed:\n${init.stderr}${init.stdout}`);
  return run;
}
