// A real terraform binary driven by tests: backends' interop suites (skipped when it is not installed).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The real terraform binary, when installed (tests that need it are skipped otherwise). */
export const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore', env: terraformEnv() }).status === 0;

/** Terraform runs offline here: no CLI config, no checkpoint calls; its backends and terraform_data are built in. */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', ...extra };
}

export interface TerraformRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A terraform working directory with a backend block and a `terraform_data`
 * resource (the builtin provider, so `init` downloads nothing), initialised.
 */
export class TerraformDir {
  readonly dir: string;
  readonly #env: NodeJS.ProcessEnv;

  private constructor(dir: string, env: NodeJS.ProcessEnv) {
    this.dir = dir;
    this.#env = env;
  }

  /**
   * `backend` is the body of the backend block, e.g. `backend "s3" { bucket = "b" }`;
   * `initArgs` are added to `terraform init` (-backend-config=…); `env` to the environment.
   */
  static async create(backend: string, options: { initArgs?: string[]; env?: NodeJS.ProcessEnv; prefix?: string } = {}): Promise<TerraformDir> {
    const dir = await mkdtemp(join(tmpdir(), options.prefix ?? 'tempeh-tf-'));
    await writeFile(
      join(dir, 'main.tf'),
      ['terraform {', `  ${backend}`, '}', 'variable "input" {', '  default = "hello"', '}', 'resource "terraform_data" "x" {', '  input = var.input', '}', ''].join('\n'),
    );
    const tf = new TerraformDir(dir, terraformEnv(options.env));
    const init = await tf.run(['init', '-input=false', ...(options.initArgs ?? [])]);
    if (init.code !== 0) throw new Error(`terraform init failed:\n${init.stderr}${init.stdout}`);
    return tf;
  }

  /** Runs terraform to completion, in `workspace` (TF_WORKSPACE) when given. */
  async run(args: string[], options: { workspace?: string; stdin?: string } = {}): Promise<TerraformRun> {
    const child = this.spawn(args, options);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin?.end(options.stdin ?? '');
    const [code] = await once(child, 'close');
    return { code: typeof code === 'number' ? code : null, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
  }

  /** Starts terraform and leaves it running; the caller owns its stdin. */
  spawn(args: string[], options: { workspace?: string } = {}): ChildProcess {
    const env = options.workspace === undefined ? this.#env : { ...this.#env, TF_WORKSPACE: options.workspace };
    return spawn('terraform', args, { cwd: this.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Resolves once the child has printed `text` on stdout (it keeps running). */
export function waitForOutput(child: ChildProcess, text: string): Promise<string> {
  const stdout = child.stdout;
  if (!stdout) return Promise.reject(new Error('the child has no stdout pipe'));
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += String(chunk);
      if (seen.includes(text)) {
        stdout.off('data', onData);
        resolve(seen);
      }
    };
    stdout.on('data', onData);
    child.once('exit', () => reject(new Error(`terraform exited before printing ${JSON.stringify(text)}:\n${seen}`)));
  });
}
