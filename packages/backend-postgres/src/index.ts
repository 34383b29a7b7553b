// Public surface of @tempeh/backend-postgres: re-exports only.
export { PostgresBackend, type PostgresBackendOptions } from './postgres-backend.js';
export { postgresBackendDefinition, postgresBackendPlugin } from './plugin.js';
export { createPostgresBackend, createTerraformPgBackend } from './definition.js';
export { TerraformPgBackend } from './terraform-compat/terraform-backend.js';
export {
  postgresBackendConfigSchema,
  parsePostgresBackendConfig,
  postgresConfigFromUrl,
  SSL_MODES,
  COMPAT_MODES,
  type PostgresBackendConfig,
  type PostgresBackendConfigInput,
  type SslMode,
  type CompatMode,
} from './config.js';
export { parseConnString, type ConnectionParts, type ParsedConnString } from './conn-string.js';
export type { ConnectionSettings } from './connection.js';
export type { PostgresLockOptions } from './lock-store.js';
export type { PostgresStateVersion, PostgresVersionsApi } from './versions.js';
export type { RetentionPolicy } from './state-store.js';
export { LAYOUT_VERSION } from './layout.js';
export { migrateWorkspace, type MigrateEndpoint, type MigrateWorkspaceOptions, type MigrateWorkspaceResult } from './migrate.js';
export { quoteIdentifier, MAX_IDENTIFIER_BYTES, MAX_TABLE_NAME_BYTES, type TableNames } from './identifiers.js';
export { readStateHeader, type StoredStateHeader as StateHeader } from '@tempeh/core';
