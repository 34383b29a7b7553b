import { createHash } from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { effectiveEndpoint, effectivePathStyle, type S3BackendConfig } from './config.js';
import { toTempehError, type ErrorContext, type S3Where } from './errors.js';

/** SSE-C request fields, sent on every request that reads or writes an object's body. */
export interface SseCustomerFields {
  SSECustomerAlgorithm: 'AES256';
  SSECustomerKey: string;
  SSECustomerKeyMD5: string;
}

/** Encryption and storage fields of a PutObject / CreateMultipartUpload. */
export interface PutFields {
  ServerSideEncryption?: 'AES256' | 'aws:kms';
  SSEKMSKeyId?: string;
  StorageClass?: S3BackendConfig['storage_class'];
  SSECustomerAlgorithm?: 'AES256';
  SSECustomerKey?: string;
  SSECustomerKeyMD5?: string;
}

/**
 * One configured connection to a bucket: the SDK client plus what every
 * request needs (encryption fields, the error context). The parts of the
 * backend (states, locks, versions, the probe) share one.
 */
export class S3Bucket {
  readonly client: S3Client;
  readonly bucket: string;
  readonly where: S3Where;
  /** SSE-C fields, or `{}`: spread into GetObject, HeadObject, PutObject, UploadPart, CreateMultipartUpload. */
  readonly sseC: Partial<SseCustomerFields>;
  /** Fields for object writes: SSE-C, or SSE-S3/SSE-KMS when `encrypt`, and the storage class. */
  readonly putFields: PutFields;
  readonly config: S3BackendConfig;

  constructor(config: S3BackendConfig, client?: S3Client) {
    this.config = config;
    this.bucket = config.bucket;
    const endpoint = effectiveEndpoint(config);
    this.where = { endpoint: endpoint ?? `AWS S3 (${config.region})`, bucket: config.bucket };
    this.client = client ?? new S3Client(clientConfig(config));
    this.sseC = config.sse_customer_key === undefined ? {} : sseCustomerFields(config.sse_customer_key);
    const put: PutFields = { ...this.sseC };
    if (config.sse_customer_key === undefined && config.encrypt) {
      if (config.kms_key_id !== undefined) {
        put.ServerSideEncryption = 'aws:kms';
        put.SSEKMSKeyId = config.kms_key_id;
      } else {
        put.ServerSideEncryption = 'AES256';
      }
    }
    if (config.storage_class !== undefined) put.StorageClass = config.storage_class;
    this.putFields = put;
  }

  get usingSseC(): boolean {
    return this.config.sse_customer_key !== undefined;
  }

  /**
   * Runs one SDK call; any failure becomes a typed TempehError (see
   * errors.ts). `handle` may turn an expected failure (404, 412) into a
   * value first: it returns `undefined` to let the error through.
   */
  async call<T, R = never>(
    context: Omit<ErrorContext, 'where' | 'usingSseC'>,
    run: () => Promise<T>,
    handle?: (error: unknown) => R | undefined,
  ): Promise<T | R> {
    try {
      return await run();
    } catch (error) {
      const handled = handle?.(error);
      if (handled !== undefined) return handled;
      throw toTempehError(error, { ...context, where: this.where, usingSseC: this.usingSseC });
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** SSE-C headers: the key in base64 and its MD5 (the server checks it; it never stores the key). */
export function sseCustomerFields(base64Key: string): SseCustomerFields {
  const raw = Buffer.from(base64Key, 'base64');
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: base64Key, SSECustomerKeyMD5: createHash('md5').update(raw).digest('base64') };
}

/**
 * The SDK client's settings. Retries use the SDK's standard mode
 * (exponential backoff with jitter on throttling, 5xx and network errors),
 * `max_retries` times. Checksums are only computed where S3 requires them:
 * radosgw (Ceph 16) does not know the flexible checksums, and streamed
 * bodies could not be hashed up front anyway; the backend keeps its own
 * sha256 in the object's metadata instead.
 */
export function clientConfig(config: S3BackendConfig): S3ClientConfig {
  const endpoint = effectiveEndpoint(config);
  const settings: S3ClientConfig = {
    region: config.region,
    forcePathStyle: effectivePathStyle(config),
    maxAttempts: config.max_retries + 1,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: config.connect_timeout_ms, requestTimeout: config.request_timeout_ms },
  };
  if (endpoint !== undefined) settings.endpoint = endpoint;
  if (config.profile !== undefined) settings.profile = config.profile;
  if (config.access_key !== undefined && config.secret_key !== undefined) {
    settings.credentials = {
      accessKeyId: config.access_key,
      secretAccessKey: config.secret_key,
      ...(config.token === undefined ? {} : { sessionToken: config.token }),
    };
  }
  return settings;
}
