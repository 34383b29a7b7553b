import { parsePostgresBackendConfig, type PostgresBackendConfigInput } from './config.js';
import { PostgresBackend, type PostgresBackendOptions } from './postgres-backend.js';
import { TerraformPgBackend } from './terraform-compat/terraform-backend.js';

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
