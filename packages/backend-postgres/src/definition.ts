import type { BackendDefinition, TempehPlugin } from '@tempeh/core';
import { parsePostgresBackendConfig, postgresBackendConfigSchema, postgresConfigFromUrl, type PostgresBackendConfigInput } from './config.js';
import { PostgresBackend, type PostgresBackendOptions } from './postgres-backend.js';
import { TerraformPgBackend } from './terraform-compat/terraform-backend.js';

/**
 * The `postgres` type; `postgres://` and `postgresql://` URLs pick it. The
 * config's `compat` picks the layout: Tempeh's (PostgresBackend) or
 * Terraform's own pg backend tables (TerraformPgBackend).
 */
export const postgresBackendDefinition: BackendDefinition<typeof postgresBackendConfigSchema> = {
  type: 'postgres',
  description: "States in PostgreSQL: versioned, chunked and streamed (compat 'tempeh'), or in Terraform's own pg backend tables (compat 'terraform').",
  configSchema: postgresBackendConfigSchema,
  urlSchemes: ['postgres:', 'postgresql:'],
  create: (config) => (config.compat === 'terraform' ? new TerraformPgBackend(config) : new PostgresBackend(config)),
  configFromUrl: (url, env) => postgresConfigFromUrl(url, env),
};

/** Registers the `postgres` backend type: `await kernel.use(postgresBackendPlugin)`. */
export const postgresBackendPlugin: TempehPlugin = {
  name: 'backend-postgres',
  apply(kernel) {
    kernel.backends.register(postgresBackendDefinition);
  },
};

/**
 * A PostgresBackend (Tempeh's layout) without a kernel. Validates `config`
 * (ConfigurationError lists every bad field, never quoting the password).
 * Nothing connects until the first call (usually `init()`).
 */
export function createPostgresBackend(config: PostgresBackendConfigInput, options: PostgresBackendOptions = {}): PostgresBackend {
  return new PostgresBackend(parsePostgresBackendConfig(config), options);
}

/** A TerraformPgBackend (Terraform's pg layout and locks) without a kernel; `compat` is set to 'terraform'. */
export function createTerraformPgBackend(config: Omit<PostgresBackendConfigInput, 'compat'>, options: PostgresBackendOptions = {}): TerraformPgBackend {
  return new TerraformPgBackend(parsePostgresBackendConfig({ ...config, compat: 'terraform' }), options);
}
