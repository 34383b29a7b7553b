// The backend's registration, importable on its own as
// `@tempeh/backend-s3/plugin`: it loads the config schema only, and the
// backend (with the AWS SDK) on the first `create`. A CLI that registers
// every backend then pays for this one only when a target uses it.
import type { BackendDefinition, TempehPlugin } from '@tempeh/core';
import { s3BackendConfigSchema, s3ConfigFromUrl, type S3BackendConfigInput } from './config.js';

/** The `s3` type; `s3://bucket/key?…` URLs pick it. */
export const s3BackendDefinition: BackendDefinition<typeof s3BackendConfigSchema> = {
  type: 's3',
  description: "States in an S3 bucket (AWS, radosgw, MinIO) in Terraform's layout, with its use_lockfile locks, compare-and-swap writes and bucket versions.",
  configSchema: s3BackendConfigSchema,
  urlSchemes: ['s3:'],
  create: async (config) => {
    const { S3Backend } = await import('./s3-backend.js');
    return new S3Backend(config);
  },
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
