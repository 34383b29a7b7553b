import { parseS3BackendConfig, type S3BackendConfigInput } from './config.js';
import { S3Backend, type S3BackendOptions } from './s3-backend.js';

/**
 * An S3Backend without a kernel. Validates `config` (one ConfigurationError
 * lists every bad field, never quoting a secret). Nothing is sent until the
 * first call (usually `init()`, which runs the safety probe).
 */
export function createS3Backend(config: S3BackendConfigInput, options: S3BackendOptions = {}): S3Backend {
  return new S3Backend(parseS3BackendConfig(config), options);
}
