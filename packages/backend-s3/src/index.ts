// Public surface of @tempeh/backend-s3: re-exports only.
export { S3Backend, defaultWho, type S3BackendOptions } from './s3-backend.js';
export { s3BackendDefinition, s3BackendPlugin } from './plugin.js';
export { createS3Backend } from './definition.js';
export {
  s3BackendConfigSchema,
  parseS3BackendConfig,
  s3ConfigFromUrl,
  effectiveEndpoint,
  effectiveKey,
  effectivePathStyle,
  DEFAULTS,
  S3_LIMITS,
  STORAGE_CLASSES,
  type S3BackendConfig,
  type S3BackendConfigInput,
} from './config.js';
export { KeyLayout, LOCK_SUFFIX } from './keys.js';
export { probeConditionalWrites, PROBE_PREFIX, type ConditionalWriteSupport } from './probe.js';
export { META } from './state-store.js';
export { parseLockInfo } from './lock-store.js';
export type { S3StateVersion, S3VersionsApi } from './versions.js';
export { clientConfig, sseCustomerFields } from './client.js';
