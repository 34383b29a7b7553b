// The backend's registration, importable on its own as
// `@tempeh/backend-postgres/plugin`: it loads the config schema only, and the
// backend (with the `pg` driver) on the first `create`. A CLI that registers
// every backend then pays for this one only when a target uses it.
import type { BackendDefinition, TempehPlugin } from '@tempeh/core';
import { postgresBackendConfigSchema, postgresConfigFromUrl } from './config.js';

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
  create: async (config) => {
    if (config.compat === 'terraform') {
      const { TerraformPgBackend } = await import('./terraform-compat/terraform-backend.js');
      return new TerraformPgBackend(config);
    }
    const { PostgresBackend } = await import('./postgres-backend.js');
    return new PostgresBackend(config);
  },
  configFromUrl: (url, env) => postgresConfigFromUrl(url, env),
};

/** Registers the `postgres` backend type: `await kernel.use(postgresBackendPlugin)`. */
export const postgresBackendPlugin: TempehPlugin = {
  name: 'backend-postgres',
  apply(kernel) {
    kernel.backends.register(postgresBackendDefinition);
  },
};
