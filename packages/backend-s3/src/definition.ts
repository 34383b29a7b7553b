import type { BackendDefinition, TempehPlugin } from '@tempeh/core';
import { parseS3BackendConfig, s3BackendConfigSchema, s3ConfigFromUrl, type S3BackendConfigInput } from './config.js';
import { S3Backend, type S3BackendOptions } from './s3-backend.js';

/** The `s3` type; `s3://bucket/key?…` URLs pick it. */
export const s3BackendDefinition: BackendDefinition<typeof s3BackendConfigSchema> = {
  type: 's3',
  description: "States in an S3 bucket (AWS, radosgw, MinIO) in Terraform's layout, with its use_lockfile locks, compare-and-swap writes and bucket versions.",
  configSchema: s3BackendConfigSchema,
  urlSchemes: ['s3:'],
  create: (config) => new S3Backend(config),
  // Not validated here: the registry parses it with configSchema, so every bad field is reported at once.
  configFromUrl: (url, env) => s3ConfigFromUrl(url, env) as S3BackendConfigInput,
};

/** Registers the `s3` backend type: `await kernel.use(s3BackendPlugin)`. */
export const s3BackendPlugin: TempehPlugin = {
  name: 'backend-s3',
  apply(kernel) {
    kernel.backends.register(s3BackendDefinition);
  },
};

/**
 * An S3Backend without a kernel. Validates `config` (one ConfigurationError
 * lists every bad field, never quoting a secret). Nothing is sent until the
 * first call (usually `init()`, which runs the safety probe).
 */
export function createS3Backend(config: S3BackendConfigInput, options: S3BackendOptions = {}): S3Backend {
  return new S3Backend(parseS3BackendConfig(config), options);
}
