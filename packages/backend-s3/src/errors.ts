import {
  AuthenticationError,
  ConnectionError,
  EncryptionKeyError,
  IoError,
  NotFoundError,
  isTempehError,
  type TempehError,
} from '@tempeh/core';

/**
 * The SDK's failures as core's typed errors. Every message names the
 * endpoint and bucket; none quotes a secret (the SDK's errors do not carry
 * the secret key, and the SSE-C key only travels in request headers, which
 * are not kept: causes are rebuilt from name and message).
 */

/** Where the backend talks to, for messages. */
export interface S3Where {
  endpoint: string;
  bucket: string;
}

/** What an SDK error looks like to us: `name`, `$metadata.httpStatusCode`, sometimes a Node errno in `code`. */
interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $fault?: unknown;
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

export function errorName(error: unknown): string {
  const name = shape(error).name;
  return typeof name === 'string' ? name : '';
}

export function httpStatus(error: unknown): number | undefined {
  const status = shape(error).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function messageOf(error: unknown): string {
  const message = shape(error).message;
  return typeof message === 'string' && message !== 'UnknownError' ? message : '';
}

/** The server answered 412: an `If-None-Match: *` or `If-Match` condition did not hold. */
export function isPreconditionFailed(error: unknown): boolean {
  return errorName(error) === 'PreconditionFailed' || httpStatus(error) === 412;
}

/** No such key (GET/HEAD answer 404 with NoSuchKey, or NotFound for HEAD, which has no body). */
export function isNoSuchKey(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NoSuchKey' || name === 'NotFound' || (httpStatus(error) === 404 && name !== 'NoSuchBucket');
}

const AUTH_NAMES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AccessDenied',
  'AllAccessDisabled',
  'CredentialsProviderError',
  'InvalidClientTokenId',
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);

/** The endpoint could not be reached, or the connection broke. */
export function isNetworkFailure(error: unknown): boolean {
  const { code } = shape(error);
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const name = errorName(error);
  return name === 'TimeoutError' || name === 'RequestTimeout' || /socket hang up|ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(messageOf(error));
}

/**
 * Worth another attempt: throttling, a server error, a broken connection.
 * Works on SDK errors and on the TempehErrors made from them (their cause
 * keeps the name).
 */
export function isRetryable(error: unknown): boolean {
  if (isTempehError(error)) {
    if (error.code === 'TEMPEH_E_CONNECTION') return true;
    if (error.code !== 'TEMPEH_E_IO') return false;
    return /HTTP 5\d\d/.test(error.message) || /RequestTimeout|SlowDown|InternalError/.test(error.message);
  }
  const status = httpStatus(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return isNetworkFailure(error) || ['SlowDown', 'ThrottlingException', 'RequestTimeout', 'InternalError'].includes(errorName(error));
}

/**
 * An SSE-C failure: the object is encrypted with a customer key and the
 * request gave none, or another one. radosgw answers 400 InvalidArgument
 * ("the calculated MD5 hash of the key did not match", "must provide a valid
 * encryption algorithm"); a HEAD answers a bare 400; AWS answers 400 or 403.
 */
export function isSseCustomerKeyFailure(error: unknown, usingSseC: boolean, read: boolean): boolean {
  const status = httpStatus(error);
  const text = messageOf(error);
  if (/customer provided keys|MD5 hash of the key|encryption key|SSECustomer/i.test(text)) return true;
  if (!read) return false;
  if (status === 400 && (errorName(error) === 'InvalidArgument' || errorName(error) === 'Unknown' || errorName(error) === 'BadRequest')) return true;
  return usingSseC && status === 403 && !AUTH_NAMES.has(errorName(error));
}

/** A cause that is safe to print: name and message only, no request or response objects. */
function safeCause(error: unknown): Error {
  const cause = new Error(messageOf(error) || errorName(error) || String(error));
  cause.name = errorName(error) || 'Error';
  return cause;
}

export interface ErrorContext {
  /** Reads after "could not", e.g. `read the state of "prod"`. */
  action: string;
  where: S3Where;
  /** The object key, when there is one. */
  key?: string;
  /** The backend is configured with an SSE-C key. */
  usingSseC?: boolean;
  /** The request read an object (GET/HEAD): a 400 there is an SSE-C mismatch. */
  read?: boolean;
}

/** An SDK (or network) error as a TempehError; TempehErrors pass through. */
export function toTempehError(error: unknown, context: ErrorContext): TempehError {
  if (isTempehError(error)) return error;
  const { action, where } = context;
  const object = context.key === undefined ? `bucket "${where.bucket}"` : `s3://${where.bucket}/${context.key}`;
  const name = errorName(error);
  const status = httpStatus(error);
  const detail = [name, status === undefined ? '' : `HTTP ${status}`, messageOf(error)].filter(Boolean).join(', ');
  const cause = safeCause(error);

  if (name === 'NoSuchBucket') {
    return new NotFoundError(`could not ${action}: bucket "${where.bucket}" does not exist at ${where.endpoint}`, {
      cause,
      hint: `create the bucket first (aws s3 mb s3://${where.bucket}, or your provider's console), or fix \`bucket\` and \`endpoint\``,
    });
  }
  if (name === 'CredentialsProviderError') {
    return new AuthenticationError(`could not ${action}: no AWS credentials were found for ${where.endpoint}`, {
      cause,
      hint: 'set access_key and secret_key in the config, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment',
    });
  }
  if (AUTH_NAMES.has(name)) {
    const refused = name === 'AccessDenied' || name === 'AllAccessDisabled';
    return new AuthenticationError(
      refused
        ? `could not ${action}: access to ${object} was denied (${detail})`
        : `could not ${action}: ${where.endpoint} refused the credentials (${detail})`,
      {
        cause,
        hint: refused
          ? 'the credentials are valid but lack a permission: allow s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on the bucket'
          : 'check access_key/secret_key, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN/AWS_PROFILE; an expired session token needs refreshing',
      },
    );
  }
  if (isSseCustomerKeyFailure(error, context.usingSseC ?? false, context.read ?? false)) {
    return new EncryptionKeyError(
      context.usingSseC
        ? `could not ${action}: ${object} is encrypted with another SSE-C key than the configured sse_customer_key (${detail})`
        : `could not ${action}: ${object} is encrypted with a customer key (SSE-C), and no sse_customer_key is configured (${detail})`,
      { cause, hint: 'set sse_customer_key (or TEMPEH_S3_SSE_CUSTOMER_KEY) to the base64 key the state was written with' },
    );
  }
  if (isNetworkFailure(error)) {
    return new ConnectionError(`could not ${action}: S3 endpoint ${where.endpoint} is unreachable (${detail})`, {
      cause,
      hint: 'check that the endpoint is running and reachable (endpoint, region, proxy settings); the request was retried with backoff',
    });
  }
  if (name === 'SlowDown' || name === 'ThrottlingException' || status === 503) {
    return new ConnectionError(`could not ${action}: ${where.endpoint} kept throttling the requests (${detail})`, {
      cause,
      hint: 'the server is overloaded: retry later, or raise max_retries',
    });
  }
  return new IoError(`could not ${action}: ${object} at ${where.endpoint}: ${detail || 'unknown S3 error'}`, {
    cause,
    hint: status !== undefined && status >= 500 ? 'the server failed; it was retried with backoff: retry later' : 'see the cause',
  });
}
