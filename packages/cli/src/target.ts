import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_WORKSPACE, NotFoundError, UsageError, assertValidWorkspaceName, type Kernel } from '@tempeh/core';
import type { EnvironmentConfig, LoadedConfig } from './config/load.js';

/** The global flags that pick what the CLI works on. */
export interface GlobalOptions {
  config?: string;
  env?: string;
  workspace?: string;
  state?: string;
  backend?: string;
  json: boolean;
  color: boolean;
  /** Progress bars allowed (`--no-progress` turns them off); see progress.ts for when they show. */
  progress: boolean;
}

/**
 * The target-picking settings after the environment variables are folded
 * in. Flags beat variables; and if any of --state/--backend/--env is on the
 * command line, TEMPEH_STATE/TEMPEH_BACKEND/TEMPEH_ENV are ignored, so an
 * explicit flag is never overridden by a variable of higher precedence.
 */
export interface Selection {
  state: string | undefined;
  backend: string | undefined;
  env: string | undefined;
  config: string | undefined;
  workspace: string | undefined;
}

export function selectionFrom(globals: GlobalOptions, env: NodeJS.ProcessEnv): Selection {
  // Two target flags on one command line are a mistake to report, not to resolve by rank: `--env prod --state x`
  // could otherwise write to a place the operator did not mean. (Variables still rank: flags override them.)
  const flags = (['state', 'backend', 'env'] as const).filter((name) => globals[name] !== undefined).map((name) => `--${name}`);
  if (flags.length > 1) {
    throw new UsageError(`${flags.join(' and ')} each name the target; give only one`, {
      hint: '--state is a state file, --backend a backend URL, --env an environment of the config file',
    });
  }
  const fromFlags = flags.length > 0;
  const pick = (flag: string | undefined, variable: string | undefined): string | undefined =>
    fromFlags ? flag : nonEmpty(variable);
  return {
    state: pick(globals.state, env.TEMPEH_STATE),
    backend: pick(globals.backend, env.TEMPEH_BACKEND),
    env: pick(globals.env, env.TEMPEH_ENV),
    config: globals.config ?? nonEmpty(env.TEMPEH_CONFIG),
    workspace: globals.workspace ?? nonEmpty(env.TEMPEH_WORKSPACE),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export type TargetKind = 'state' | 'backend' | 'environment' | 'cwd';

/** One backend + workspace the CLI works on. */
export interface Target {
  kind: TargetKind;
  /** How the user named it, for messages and the status table. */
  label: string;
  /** The config environment, when the target is one. */
  environment: string | undefined;
  backendType: string;
  backendConfig: unknown;
  /** Where relative paths in `backendConfig` resolve. */
  cwd: string;
  workspace: string;
}

/**
 * Picks the single target: --state > --backend > --env > the config's
 * default environment (or its only one) > ./terraform.tfstate in cwd.
 */
export async function resolveTarget(
  kernel: Kernel,
  selection: Selection,
  config: LoadedConfig | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Target> {
  if (selection.workspace !== undefined) assertValidWorkspaceName(selection.workspace);
  if (selection.state !== undefined) {
    if (selection.workspace !== undefined && selection.workspace !== DEFAULT_WORKSPACE) {
      throw new UsageError(`--state works on one state file, which has no workspace '${selection.workspace}'`, {
        hint: 'drop --workspace (or TEMPEH_WORKSPACE), or use --env / a config to reach a backend with workspaces',
      });
    }
    const file = path.resolve(cwd, selection.state);
    return {
      kind: 'state',
      label: `state file ${selection.state}`,
      environment: undefined,
      backendType: 'local',
      backendConfig: { path: file },
      cwd,
      workspace: DEFAULT_WORKSPACE,
    };
  }
  if (selection.backend !== undefined) return urlTarget(kernel, selection.backend, cwd, env, selection.workspace);
  if (selection.env !== undefined) {
    if (!config) {
      throw new NotFoundError(`environment '${selection.env}' was asked for, but there is no tempeh.config.json`, {
        hint: 'create tempeh.config.json (see `tempeh --help`), pass --config PATH, or drop --env / TEMPEH_ENV',
      });
    }
    return environmentTarget(config, findEnvironment(config, selection.env), selection.workspace);
  }
  if (config) return environmentTarget(config, defaultEnvironment(config), selection.workspace);
  return {
    kind: 'cwd',
    label: 'terraform.tfstate in the working directory',
    environment: undefined,
    backendType: 'local',
    backendConfig: {},
    cwd,
    workspace: selection.workspace ?? (await terraformCurrentWorkspace(cwd)) ?? DEFAULT_WORKSPACE,
  };
}

/**
 * A backend named by a URL (`postgres://…`, `file:///…`) rather than by an
 * environment name: environment names cannot hold a colon.
 */
export function isBackendUrl(spec: string): boolean {
  return spec.includes(':');
}

/**
 * A target named by one word, as `migrate --from/--to` take it: a backend
 * URL, else an environment of the config. `workspace` (from --workspace)
 * beats the environment's own.
 */
export function endpointTarget(
  kernel: Kernel,
  spec: string,
  config: LoadedConfig | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
  workspace: string | undefined,
): Target {
  if (workspace !== undefined) assertValidWorkspaceName(workspace);
  if (isBackendUrl(spec)) return urlTarget(kernel, spec, cwd, env, workspace);
  if (!config) {
    throw new NotFoundError(`'${spec}' is neither a backend URL nor an environment: there is no tempeh.config.json`, {
      hint: 'give a URL such as postgres://user@host/db or file:///path/terraform.tfstate, or create tempeh.config.json (or pass --config PATH)',
    });
  }
  return environmentTarget(config, findEnvironment(config, spec), workspace);
}

function urlTarget(kernel: Kernel, url: string, cwd: string, env: NodeJS.ProcessEnv, workspace: string | undefined): Target {
  const { type, config: backendConfig } = kernel.backends.fromUrl(url, env);
  return {
    kind: 'backend',
    label: `backend ${redactUrl(url)}`,
    environment: undefined,
    backendType: type,
    backendConfig,
    cwd,
    workspace: workspace ?? DEFAULT_WORKSPACE,
  };
}

/** Every environment of the config, for `status` (the selection's workspace applies to each). */
export function environmentTargets(config: LoadedConfig, workspace: string | undefined): Target[] {
  if (workspace !== undefined) assertValidWorkspaceName(workspace);
  return config.environments.map((env) => environmentTarget(config, env, workspace));
}

export function environmentTarget(config: LoadedConfig, env: EnvironmentConfig, workspace: string | undefined): Target {
  return {
    kind: 'environment',
    label: `environment ${env.name}`,
    environment: env.name,
    backendType: env.backendType,
    backendConfig: env.backendConfig,
    cwd: config.dir,
    workspace: workspace ?? env.workspace ?? DEFAULT_WORKSPACE,
  };
}

function findEnvironment(config: LoadedConfig, name: string): EnvironmentConfig {
  const env = config.environments.find((e) => e.name === name);
  if (env) return env;
  throw new NotFoundError(`environment '${name}' is not defined in ${config.filepath}`, {
    hint: `known environments: ${config.environments.map((e) => e.name).join(', ') || 'none'}`,
  });
}

function defaultEnvironment(config: LoadedConfig): EnvironmentConfig {
  if (config.defaultEnvironment !== undefined) return findEnvironment(config, config.defaultEnvironment);
  const [only, ...others] = config.environments;
  if (only && others.length === 0) return only;
  throw new UsageError(`${config.filepath} has ${config.environments.length} environments and no defaultEnvironment`, {
    hint: `pick one with --env NAME (${config.environments.map((e) => e.name).join(', ')}), or set "defaultEnvironment"`,
  });
}

/**
 * Terraform keeps the selected workspace of a working directory in
 * `.terraform/environment`; honouring it makes `tempeh list` in a Terraform
 * directory show what `terraform state list` shows.
 */
async function terraformCurrentWorkspace(cwd: string): Promise<string | undefined> {
  try {
    const name = (await readFile(path.join(cwd, '.terraform', 'environment'), 'utf8')).trim();
    if (name === '') return undefined;
    assertValidWorkspaceName(name);
    return name;
  } catch (error) {
    // No .terraform/environment (the usual case outside `terraform init`ed dirs) means the default workspace.
    if (isMissingFile(error)) return undefined;
    throw error;
  }
}

function isMissingFile(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');
}

/** Hides a password in a URL before it is printed. */
export function redactUrl(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  if (url.password) url.password = '***';
  return url.toString();
}
