import { ConfigurationError, zodIssuesToConfigIssues } from '@tempeh/core';
import { z } from 'zod';
import { parseConnString, type ConnectionParts } from './conn-string.js';
import { MAX_TABLE_NAME_BYTES, TABLE_SUFFIXES, identifierProblem } from './identifiers.js';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** `tempeh`: Tempeh's versioned, chunked layout. `terraform`: Terraform's own pg backend tables. */
export const COMPAT_MODES = ['tempeh', 'terraform'] as const;
export type CompatMode = (typeof COMPAT_MODES)[number];

export const DEFAULTS = {
  host: 'localhost',
  port: 5432,
  ssl_mode: 'prefer',
  tempehSchema: 'public',
  terraformSchema: 'terraform_remote_state',
  table_name: 'kolumn_state',
  lock_table: 'kolumn_locks',
  pool_size: 10,
  statement_timeout_ms: 60_000,
  connect_timeout_ms: 10_000,
  connect_retries: 2,
  chunk_size: 4 * 1024 * 1024,
  application_name: 'tempeh',
} as const;

const MiB = 1024 * 1024;

function identifier(what: string, maxBytes?: number) {
  return z.string().superRefine((name, ctx) => {
    const problem = identifierProblem(name, maxBytes);
    if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
  });
}

/**
 * Config of the `postgres` backend. Connection fields are Kolumn's names
 * (`host`, `port`, `database`, `username`, `password`, `ssl_mode`), or one
 * libpq connection string in `conn_str` (a `postgres://` URI or
 * `key=value` pairs, as Terraform's pg backend takes). A field may be set
 * beside `conn_str` when the string does not set it too. The password falls
 * back to `PGPASSWORD`, then to `~/.pgpass`.
 */
export const postgresBackendConfigSchema = z
  .strictObject({
    host: z.string().min(1).default(DEFAULTS.host).describe('server host name, IP address, or Unix socket directory'),
    port: z.number().int().min(1).max(65535).default(DEFAULTS.port),
    database: z.string().min(1).optional().describe('database name; required unless conn_str names one'),
    username: z.string().min(1).optional().describe('role to connect as; default PGUSER, else the OS user'),
    password: z.string().optional().describe('default PGPASSWORD, else ~/.pgpass'),
    ssl_mode: z.enum(SSL_MODES).default(DEFAULTS.ssl_mode).describe("libpq's sslmode"),
    conn_str: z
      .string()
      .min(1)
      .superRefine((text, ctx) => {
        const parsed = parseConnString(text);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `the connection string ${parsed.problem}` });
        else if (parsed.parts.sslmode !== undefined && !isSslMode(parsed.parts.sslmode)) {
          ctx.addIssue({ code: 'custom', message: `the connection string's sslmode is not one of ${SSL_MODES.join(', ')}` });
        }
      })
      .optional()
      .describe('a libpq connection string, instead of (or beside) the fields above'),
    schema: identifier('the schema name')
      .optional()
      .describe(`schema of the tables; default '${DEFAULTS.tempehSchema}' (compat tempeh) or '${DEFAULTS.terraformSchema}' (compat terraform)`),
    table_name: identifier('the table name', MAX_TABLE_NAME_BYTES)
      .default(DEFAULTS.table_name)
      .describe('the state versions table; its _chunks, _workspaces and _layout tables are named after it'),
    lock_table: identifier('the lock table name').default(DEFAULTS.lock_table),
    compat: z.enum(COMPAT_MODES).default('tempeh').describe("'tempeh' (default) or 'terraform' (Terraform's own pg layout and locks)"),
    pool_size: z.number().int().min(1).max(1000).default(DEFAULTS.pool_size).describe('connections in the pool (locks use their own)'),
    statement_timeout_ms: z.number().int().min(0).default(DEFAULTS.statement_timeout_ms).describe('server-side limit per statement; 0: none'),
    connect_timeout_ms: z.number().int().min(1).default(DEFAULTS.connect_timeout_ms),
    connect_retries: z.number().int().min(0).max(10).default(DEFAULTS.connect_retries).describe('retries of a failed connection attempt, with backoff'),
    chunk_size: z
      .number()
      .int()
      .min(1024)
      .max(64 * MiB)
      .default(DEFAULTS.chunk_size)
      .describe('bytes per stored chunk of a state'),
    application_name: z.string().max(63).default(DEFAULTS.application_name).describe('shown in pg_stat_activity'),
    versions_keep_last: z.number().int().min(1).optional().describe('after each write, keep only this many versions per workspace'),
    versions_keep_days: z.number().positive().optional().describe('after each write, drop versions older than this (the newest are kept)'),
  })
  .refine((config) => hasDatabase(config), {
    path: ['database'],
    message: 'required: set database, or a conn_str that names one',
    when: isObjectPayload,
  })
  .refine((config) => !lockTableCollides(config), {
    path: ['lock_table'],
    message: 'names one of the state tables (table_name or its _chunks, _workspaces, _layout tables): choose another name',
    when: isObjectPayload,
  })
  .refine((config) => !conflicts(config, 'host'), conflictIssue('host'))
  .refine((config) => !conflicts(config, 'port'), conflictIssue('port'))
  .refine((config) => !conflicts(config, 'database'), conflictIssue('database'))
  .refine((config) => !conflicts(config, 'username'), conflictIssue('username'))
  .refine((config) => !conflicts(config, 'password'), conflictIssue('password'))
  .refine((config) => !conflicts(config, 'ssl_mode'), conflictIssue('ssl_mode'));

export type PostgresBackendConfigInput = z.input<typeof postgresBackendConfigSchema>;
export type PostgresBackendConfig = z.output<typeof postgresBackendConfigSchema>;

export function isSslMode(value: string): value is SslMode {
  return SSL_MODES.some((mode) => mode === value);
}

// The refinements above run even when other fields failed (`when`), so that
// one ConfigurationError lists every bad field; they therefore read the
// object defensively: any field may still hold a value of the wrong type.
function isObjectPayload(payload: { value: unknown }): boolean {
  return typeof payload.value === 'object' && payload.value !== null;
}

function connParts(config: { conn_str?: unknown }): ConnectionParts | undefined {
  if (typeof config.conn_str !== 'string') return undefined;
  const parsed = parseConnString(config.conn_str);
  return parsed.ok ? parsed.parts : undefined;
}

function hasDatabase(config: { database?: unknown; conn_str?: unknown }): boolean {
  if (typeof config.database === 'string' && config.database.length > 0) return true;
  // A connection string that does not parse is reported on conn_str itself.
  if (typeof config.conn_str === 'string') return connParts(config)?.database !== undefined || !parseConnString(config.conn_str).ok;
  return false;
}

function lockTableCollides(config: { table_name?: unknown; lock_table?: unknown }): boolean {
  const table = typeof config.table_name === 'string' ? config.table_name : DEFAULTS.table_name;
  const locks = typeof config.lock_table === 'string' ? config.lock_table : DEFAULTS.lock_table;
  return [table, ...Object.values(TABLE_SUFFIXES).map((suffix) => `${table}${suffix}`)].includes(locks);
}

type ConnField = 'host' | 'port' | 'database' | 'username' | 'password' | 'ssl_mode';

const PART_OF: Record<ConnField, keyof ConnectionParts> = {
  host: 'host',
  port: 'port',
  database: 'database',
  username: 'user',
  password: 'password',
  ssl_mode: 'sslmode',
};

/** The field is set (to something other than its default) and conn_str sets it too, to another value. */
function conflicts(config: Partial<Record<ConnField | 'conn_str', unknown>>, field: ConnField): boolean {
  const parts = connParts(config);
  const fromString = parts?.[PART_OF[field]];
  const value = config[field];
  if (fromString === undefined || value === undefined) return false;
  const fieldDefault: unknown = field === 'host' ? DEFAULTS.host : field === 'port' ? DEFAULTS.port : field === 'ssl_mode' ? DEFAULTS.ssl_mode : undefined;
  if (value === fieldDefault) return false;
  return value !== fromString;
}

function conflictIssue(field: ConnField): { path: string[]; message: string; when: typeof isObjectPayload } {
  return { path: [field], message: `conn_str sets ${field} too, to something else: set it in one place`, when: isObjectPayload };
}

/**
 * Parses a config, turning zod's issues into one ConfigurationError that
 * lists every bad field. Values of secret fields (password, conn_str) are
 * never quoted.
 */
export function parsePostgresBackendConfig(input: unknown): PostgresBackendConfig {
  const parsed = postgresBackendConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new ConfigurationError('postgres backend config', zodIssuesToConfigIssues(parsed.error.issues));
}

/** Query parameters of a `--backend postgres://…` URL whose values are numbers. */
const NUMERIC_FIELDS = new Set([
  'port',
  'pool_size',
  'statement_timeout_ms',
  'connect_timeout_ms',
  'connect_retries',
  'chunk_size',
  'versions_keep_last',
  'versions_keep_days',
]);

/**
 * `postgres://user:pass@host:port/db?schema=…&table_name=…&compat=…` → a
 * config (not yet validated). The user, password and database are
 * %-decoded; the password falls back to `env.PGPASSWORD`. Query
 * parameters set any other field by its name (`sslmode` is accepted for
 * `ssl_mode`, as libpq spells it); unknown ones are reported by validation.
 */
export function postgresConfigFromUrl(url: URL, env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  const scheme = url.protocol.toLowerCase();
  if (scheme !== 'postgres:' && scheme !== 'postgresql:') {
    throw new ConfigurationError('postgres backend URL', [{ path: 'url', message: `scheme '${url.protocol}' is not postgres: or postgresql:` }]);
  }
  const config: Record<string, unknown> = {};
  try {
    if (url.hostname) config['host'] = decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, '$1'));
    if (url.port) config['port'] = Number(url.port);
    if (url.username) config['username'] = decodeURIComponent(url.username);
    if (url.password) config['password'] = decodeURIComponent(url.password);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (database) config['database'] = database;
  } catch (error) {
    // A stray `%` in the user, password or database; the URL is not quoted, since it may hold the password.
    if (error instanceof URIError) {
      throw new ConfigurationError('postgres backend URL', [{ path: 'url', message: 'malformed %-escape in the user, password or database' }], {
        hint: 'percent-encode special characters in the user name and password (e.g. @ as %40, % as %25)',
      });
    }
    throw error;
  }
  for (const [rawKey, value] of url.searchParams) {
    const key = rawKey === 'sslmode' ? 'ssl_mode' : rawKey;
    config[key] = NUMERIC_FIELDS.has(key) && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  if (config['password'] === undefined && env['PGPASSWORD'] !== undefined) config['password'] = env['PGPASSWORD'];
  return config;
}
