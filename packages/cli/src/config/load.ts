import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lilconfig } from 'lilconfig';
import {
  ConfigurationError,
  NotFoundError,
  assertValidWorkspaceName,
  isTempehError,
  zodIssuesToConfigIssues,
  type ConfigIssue,
  type Kernel,
} from '@tempeh/core';
import { CONFIG_FILE_NAME, runtimeConfigSchema } from './schema.js';

/** One environment of the config file, validated against its backend type. */
export interface EnvironmentConfig {
  name: string;
  backendType: string;
  /** The config as written (relative paths resolve against `LoadedConfig.dir`). */
  backendConfig: Record<string, unknown>;
  workspace: string | undefined;
}

export interface LoadedConfig {
  filepath: string;
  /** Where relative paths in backend configs resolve. */
  dir: string;
  defaultEnvironment: string | undefined;
  /** In file order. */
  environments: EnvironmentConfig[];
}

/**
 * Finds the config file: `explicitPath` if given (it must exist), else the
 * nearest `tempeh.config.json` from `cwd` upwards. Undefined when there is
 * none, which is fine: the CLI then works on ./terraform.tfstate.
 */
export async function findConfig(kernel: Kernel, cwd: string, explicitPath: string | undefined): Promise<LoadedConfig | undefined> {
  if (explicitPath !== undefined) {
    const filepath = path.resolve(cwd, explicitPath);
    const text = await readFile(filepath, 'utf8').catch((cause: unknown) => {
      throw new NotFoundError(`config file ${filepath} could not be read`, {
        cause,
        hint: 'check the --config / TEMPEH_CONFIG path',
      });
    });
    return validateConfig(kernel, filepath, parseJson(filepath, text));
  }
  const searcher = lilconfig('tempeh', {
    searchPlaces: [CONFIG_FILE_NAME],
    loaders: { '.json': (filepath: string, content: string) => parseJson(filepath, content) },
  });
  const found = await searcher.search(cwd);
  if (!found) return undefined;
  return validateConfig(kernel, found.filepath, found.config);
}

function parseJson(filepath: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    // JSON.parse only throws SyntaxError; report it as a config problem with the file named.
    throw new ConfigurationError(`config file ${filepath}`, [{ path: '', message: `not valid JSON: ${String(cause)}` }], { cause });
  }
}

/**
 * Checks the whole file and reports every bad field at once: the shape,
 * the default environment, each workspace name, each backend type and
 * each backend config against its type's schema. The per-environment
 * checks run even when the shape is wrong elsewhere, so one run lists
 * everything to fix.
 */
export function validateConfig(kernel: Kernel, filepath: string, raw: unknown): LoadedConfig {
  const parsed = runtimeConfigSchema.safeParse(raw);
  const issues: ConfigIssue[] = parsed.success ? [] : zodIssuesToConfigIssues(parsed.error.issues);
  const rawEnvironments = isRecord(raw) && isRecord(raw.environments) ? raw.environments : {};
  for (const [name, env] of Object.entries(rawEnvironments)) {
    if (!isRecord(env)) continue;
    const at = `environments.${name}`;
    if (typeof env.workspace === 'string') {
      const workspace = env.workspace;
      issues.push(...issuesOf(`${at}.workspace`, () => assertValidWorkspaceName(workspace)));
    }
    const backend = env.backend;
    if (isRecord(backend) && typeof backend.type === 'string' && backend.type !== '' && (backend.config === undefined || isRecord(backend.config))) {
      issues.push(...backendConfigIssues(kernel, `${at}.backend`, backend.type, backend.config ?? {}));
    }
  }
  const defaultEnvironment = isRecord(raw) ? raw.defaultEnvironment : undefined;
  if (typeof defaultEnvironment === 'string' && !(defaultEnvironment in rawEnvironments)) {
    issues.push({
      path: 'defaultEnvironment',
      message: `'${defaultEnvironment}' is not one of the environments (${Object.keys(rawEnvironments).join(', ') || 'none'})`,
    });
  }
  if (!parsed.success || issues.length > 0) throw new ConfigurationError(`config file ${filepath}`, issues);
  const config = parsed.data;
  return {
    filepath,
    dir: path.dirname(filepath),
    defaultEnvironment: config.defaultEnvironment,
    environments: Object.entries(config.environments).map(([name, env]) => ({
      name,
      backendType: env.backend.type,
      backendConfig: env.backend.config,
      workspace: env.workspace,
    })),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function backendConfigIssues(kernel: Kernel, at: string, type: string, config: unknown): ConfigIssue[] {
  if (!kernel.backends.types().includes(type)) {
    return [{ path: `${at}.type`, message: `unknown backend type '${type}' (known: ${kernel.backends.types().join(', ')})` }];
  }
  return issuesOf(`${at}.config`, () => kernel.backends.validateConfig(type, config));
}

/** Runs a check and turns its TempehError into issues under `at`. */
function issuesOf(at: string, check: () => unknown): ConfigIssue[] {
  try {
    check();
    return [];
  } catch (error) {
    if (error instanceof ConfigurationError) {
      return error.issues.map((i) => ({ path: i.path ? `${at}.${i.path}` : at, message: i.message }));
    }
    if (isTempehError(error)) return [{ path: at, message: error.message }];
    throw error;
  }
}
