import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError, type ConfigIssue } from '@tempeh/core';
import { z } from 'zod';

/** Terraform's file names, used as defaults. */
export const DEFAULT_STATE_FILENAME = 'terraform.tfstate';
export const DEFAULT_WORKSPACE_DIR = 'terraform.tfstate.d';

const OCTAL_MODE = /^(?:0o?)?([0-7]{3})$/;

/**
 * A file mode: an octal string (`'0600'`, `'640'`, `'0o640'`) or a number
 * holding the mode bits (`0o640`). A decimal `640` is refused rather than
 * read as octal: its bits (0o1200) are above 0o777, which catches the mix-up.
 */
const permissionsSchema = z
  .union([
    z
      .string()
      .regex(OCTAL_MODE, { message: "write the mode in octal, such as '0600' or '0640'" })
      .transform((text) => Number.parseInt(text.replace(OCTAL_MODE, '$1'), 8)),
    z
      .number()
      .int()
      .min(0)
      .max(0o777, { message: "mode bits above 0o777: write the mode as an octal string such as '0640' (decimal 640 is not 0640)" }),
  ])
  .default(0o600)
  .describe("mode of the state, backup and lock files: octal string like '0600' or the number 0o600");

/**
 * Config of the `local` backend. Field names are Terraform's local backend
 * names (`path`, `workspace_dir`); the others are Tempeh's own. Relative
 * paths resolve against the context's cwd, as Terraform resolves them
 * against its working directory.
 */
export const localBackendConfigSchema = z.strictObject({
  path: z.string().min(1).default(DEFAULT_STATE_FILENAME).describe("the default workspace's state file"),
  workspace_dir: z
    .string()
    .min(1)
    .default(DEFAULT_WORKSPACE_DIR)
    .describe('directory holding one sub-directory per non-default workspace'),
  backup_dir: z
    .string()
    .min(1)
    .optional()
    .describe('when set, every write also keeps a timestamped copy of the written state here'),
  backup_count: z.number().int().min(0).default(10).describe('how many timestamped copies backup_dir keeps per workspace'),
  permissions: permissionsSchema,
  break_stale: z
    .boolean()
    .default(false)
    .describe('let lock() and writes remove a lock whose holder is proven gone, instead of refusing'),
});

export type LocalBackendConfigInput = z.input<typeof localBackendConfigSchema>;
export type LocalBackendConfig = z.output<typeof localBackendConfigSchema>;

/** Parses a config, turning zod's issues into a ConfigurationError that lists every bad field. */
export function parseLocalBackendConfig(input: unknown): LocalBackendConfig {
  const parsed = localBackendConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues: ConfigIssue[] = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  throw new ConfigurationError('local backend config', issues);
}

/**
 * `file:///abs/dir/terraform.tfstate` → `{ path: '/abs/dir/terraform.tfstate', workspace_dir: '/abs/dir/terraform.tfstate.d' }`.
 * A URL ending in `/` names the directory: `terraform.tfstate` in it. The
 * workspaces live beside the state file, so the URL names one whole store.
 * Query parameters set the other fields:
 * `?workspace_dir=/x&backup_dir=/y&backup_count=5&permissions=0640&break_stale=true`.
 */
export function localConfigFromUrl(url: URL): LocalBackendConfig {
  if (url.protocol !== 'file:') {
    throw new ConfigurationError('local backend URL', [{ path: 'url', message: `scheme '${url.protocol}' is not file:` }]);
  }
  let filePath: string;
  try {
    filePath = fileURLToPath(url);
  } catch (error) {
    // fileURLToPath rejects hosts (file://server/x) and encoded slashes; say so as a config problem.
    throw new ConfigurationError('local backend URL', [{ path: 'url', message: error instanceof Error ? error.message : String(error) }], {
      cause: error,
      hint: 'use an absolute path with an empty host: file:///abs/dir/terraform.tfstate',
    });
  }
  const statePath = url.pathname.endsWith('/') ? join(filePath, DEFAULT_STATE_FILENAME) : filePath;
  const config: Record<string, unknown> = { path: statePath, workspace_dir: join(dirname(statePath), DEFAULT_WORKSPACE_DIR) };
  for (const [key, value] of url.searchParams) config[key] = fromQueryValue(key, value);
  // The schema judges the query: unknown keys and bad values come back as ConfigurationError issues.
  return parseLocalBackendConfig(config);
}

function fromQueryValue(key: string, value: string): unknown {
  if (key === 'backup_count' && /^\d+$/.test(value)) return Number(value);
  if (key === 'break_stale' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}
