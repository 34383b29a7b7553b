import { ConfigurationError, zodIssuesToConfigIssues } from '@tempeh/core';
import { z } from 'zod';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** S3's own limits: a single PUT holds at most 5 GiB; a multipart upload at most 10 000 parts of 5 MiB to 5 GiB. */
export const S3_LIMITS = {
  maxSinglePut: 5 * GiB,
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxParts: 10_000,
} as const;

export const DEFAULTS = {
  key: 'terraform.tfstate',
  region: 'us-east-1',
  workspace_key_prefix: 'env:',
  encrypt: true,
  max_retries: 5,
  multipart_threshold: 64 * MiB,
  part_size: 16 * MiB,
  multipart_concurrency: 4,
  connect_timeout_ms: 10_000,
  request_timeout_ms: 120_000,
} as const;

/** Storage classes S3 accepts for an object. radosgw knows STANDARD and whatever placement targets define. */
export const STORAGE_CLASSES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'EXPRESS_ONEZONE',
] as const;

/** A bucket name as S3 allows it (3-63 lower-case letters, digits, dots and hyphens). */
const bucketName = z
  .string()
  .min(3, 'a bucket name has 3 to 63 characters')
  .max(63, 'a bucket name has 3 to 63 characters')
  .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, 'a bucket name has lower-case letters, digits, dots and hyphens, and starts and ends with a letter or digit');

/** An object key part: no leading or trailing slash, no empty or `.`/`..` segment (Terraform refuses those too). */
function keyPath(what: string) {
  return z
    .string()
    .min(1)
    .max(900, `${what} is too long (S3 keys are at most 1024 bytes, and workspaces add to it)`)
    .superRefine((value, ctx) => {
      if (value.startsWith('/') || value.endsWith('/')) ctx.addIssue({ code: 'custom', message: `${what} must not start or end with '/'` });
      else if (value.split('/').some((part) => part === '' || part === '.' || part === '..')) {
        ctx.addIssue({ code: 'custom', message: `${what} must not contain an empty, '.' or '..' path segment` });
      }
    });
}

/** SSE-C key: 32 bytes, base64-encoded (Terraform's `sse_customer_key`). */
const sseCustomerKey = z.string().superRefine((value, ctx) => {
  // The value is a secret: the message never quotes it.
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : undefined;
  if (!bytes || bytes.length !== 32) ctx.addIssue({ code: 'custom', message: 'must be 32 bytes (an AES-256 key), base64-encoded: `openssl rand -base64 32`' });
});

/**
 * Config of the `s3` backend. Field names and defaults follow Terraform's s3
 * backend, so a `backend "s3"` block's settings carry over; `encrypt`
 * defaults to true here. Secrets (`secret_key`, `token`, `sse_customer_key`)
 * never appear in messages.
 */
export const s3BackendConfigSchema = z
  .strictObject({
    bucket: bucketName.describe('the bucket; it must exist'),
    key: keyPath('key').default(DEFAULTS.key).describe('object key of the default workspace\'s state'),
    key_prefix: keyPath('key_prefix').optional().describe('a folder put in front of key: the state is at <key_prefix>/<key>'),
    workspace_key_prefix: z
      .string()
      .max(200)
      .refine((value) => !value.startsWith('/') && !value.endsWith('/'), "must not start or end with '/'")
      .default(DEFAULTS.workspace_key_prefix)
      .describe('workspace <ws> is at <workspace_key_prefix>/<ws>/<key>, as in Terraform'),
    region: z.string().min(1).default(DEFAULTS.region),
    endpoint: z.url({ protocol: /^https?$/ }).optional().describe('custom S3 endpoint (radosgw, MinIO); default: AWS'),
    endpoints: z.strictObject({ s3: z.url({ protocol: /^https?$/ }).optional() }).optional().describe("Terraform's spelling: endpoints = { s3 = … }"),
    force_path_style: z.boolean().optional().describe('bucket in the path, not the host name (needed by most non-AWS servers)'),
    use_path_style: z.boolean().optional().describe("Terraform's newer name for force_path_style"),
    encrypt: z.boolean().default(DEFAULTS.encrypt).describe('server-side encryption (SSE-S3, or SSE-KMS with kms_key_id)'),
    kms_key_id: z.string().min(1).optional().describe('SSE-KMS key ARN or ID'),
    sse_customer_key: sseCustomerKey.optional().describe('SSE-C: a base64 AES-256 key the server encrypts with and does not keep'),
    storage_class: z.enum(STORAGE_CLASSES).optional(),
    access_key: z.string().min(1).optional().describe('default: the standard AWS credential chain'),
    secret_key: z.string().min(1).optional(),
    token: z.string().min(1).optional().describe('session token, with access_key and secret_key'),
    profile: z.string().min(1).optional().describe('a profile of ~/.aws/config and ~/.aws/credentials'),
    use_lockfile: z.literal(true).default(true).describe('locks are <state key>.tflock objects, as with Terraform\'s use_lockfile (the only locking this backend has)'),
    max_retries: z.number().int().min(0).max(20).default(DEFAULTS.max_retries).describe('retries of throttled and transient failures, with backoff'),
    multipart_threshold: z
      .number()
      .int()
      .min(S3_LIMITS.minPartSize)
      .default(DEFAULTS.multipart_threshold)
      .describe('states larger than this are uploaded in parts (when the write can still be made conditional)'),
    part_size: z.number().int().min(S3_LIMITS.minPartSize).max(S3_LIMITS.maxPartSize).default(DEFAULTS.part_size),
    multipart_concurrency: z.number().int().min(1).max(32).default(DEFAULTS.multipart_concurrency),
    connect_timeout_ms: z.number().int().min(1).default(DEFAULTS.connect_timeout_ms),
    request_timeout_ms: z.number().int().min(1).default(DEFAULTS.request_timeout_ms).describe('a request with no progress for this long fails (and is retried)'),
  })
  .refine((config) => !(config.kms_key_id !== undefined && config.sse_customer_key !== undefined), {
    path: ['sse_customer_key'],
    message: 'kms_key_id and sse_customer_key are exclusive: pick SSE-KMS or SSE-C',
    when: isObjectPayload,
  })
  .refine((config) => (config.access_key === undefined) === (config.secret_key === undefined), {
    path: ['secret_key'],
    message: 'access_key and secret_key go together: set both, or neither (then the AWS credential chain is used)',
    when: isObjectPayload,
  })
  .refine((config) => !(config.endpoint !== undefined && config.endpoints?.s3 !== undefined && config.endpoint !== config.endpoints.s3), {
    path: ['endpoints', 's3'],
    message: 'endpoint and endpoints.s3 are both set, to different URLs: set one',
    when: isObjectPayload,
  });

export type S3BackendConfigInput = z.input<typeof s3BackendConfigSchema>;
export type S3BackendConfig = z.output<typeof s3BackendConfigSchema>;

function isObjectPayload(payload: { value: unknown }): boolean {
  return typeof payload.value === 'object' && payload.value !== null;
}

/** Parses a config; one ConfigurationError lists every bad field, never quoting a secret. */
export function parseS3BackendConfig(input: unknown): S3BackendConfig {
  const parsed = s3BackendConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new ConfigurationError('s3 backend config', zodIssuesToConfigIssues(parsed.error.issues));
}

/** The endpoint in effect: `endpoint`, else Terraform's `endpoints.s3`, else AWS's. */
export function effectiveEndpoint(config: S3BackendConfig): string | undefined {
  return config.endpoint ?? config.endpoints?.s3;
}

/** Path-style addressing in effect (either spelling). */
export function effectivePathStyle(config: S3BackendConfig): boolean {
  return config.use_path_style ?? config.force_path_style ?? false;
}

/** The default workspace's object key: `<key_prefix>/<key>`, or `key`. */
export function effectiveKey(config: S3BackendConfig): string {
  return config.key_prefix === undefined ? config.key : `${config.key_prefix}/${config.key}`;
}

const BOOLEAN_FIELDS = new Set(['force_path_style', 'use_path_style', 'encrypt', 'use_lockfile']);
const NUMERIC_FIELDS = new Set(['max_retries', 'multipart_threshold', 'part_size', 'multipart_concurrency', 'connect_timeout_ms', 'request_timeout_ms']);
/** Secrets are not taken from a URL: URLs end up in shell history and process lists. */
const URL_FORBIDDEN = new Set(['secret_key', 'token', 'sse_customer_key', 'access_key']);

/**
 * `s3://bucket/path/to/terraform.tfstate?endpoint=…&region=…&force_path_style=true`
 * → a config (not yet validated). The path is the key. Query parameters set
 * any other field by name; credentials come from the AWS environment
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
 * `AWS_PROFILE`), the region from `?region=`, else `AWS_REGION` or
 * `AWS_DEFAULT_REGION`, and the SSE-C key from `TEMPEH_S3_SSE_CUSTOMER_KEY`.
 */
export function s3ConfigFromUrl(url: URL, env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  if (url.protocol.toLowerCase() !== 's3:') {
    throw new ConfigurationError('s3 backend URL', [{ path: 'url', message: `scheme '${url.protocol}' is not s3:` }]);
  }
  if (url.username || url.password) {
    throw new ConfigurationError('s3 backend URL', [{ path: 'url', message: 'credentials do not go in the URL' }], {
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment',
    });
  }
  const config: Record<string, unknown> = {};
  const issues: { path: string; message: string }[] = [];
  if (url.hostname) config['bucket'] = url.hostname;
  let key: string;
  try {
    key = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    throw new ConfigurationError('s3 backend URL', [{ path: 'url', message: 'malformed %-escape in the key' }]);
  }
  if (key) config['key'] = key;
  for (const [name, value] of url.searchParams) {
    if (URL_FORBIDDEN.has(name)) {
      issues.push({ path: name, message: 'a secret is not taken from a URL: use the environment (AWS_*, TEMPEH_S3_SSE_CUSTOMER_KEY) or a config file' });
      continue;
    }
    if (BOOLEAN_FIELDS.has(name) && (value === 'true' || value === 'false')) config[name] = value === 'true';
    else if (NUMERIC_FIELDS.has(name) && /^\d+$/.test(value)) config[name] = Number(value);
    else config[name] = value;
  }
  if (issues.length > 0) throw new ConfigurationError('s3 backend URL', issues);
  if (env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']) {
    config['access_key'] = env['AWS_ACCESS_KEY_ID'];
    config['secret_key'] = env['AWS_SECRET_ACCESS_KEY'];
    if (env['AWS_SESSION_TOKEN']) config['token'] = env['AWS_SESSION_TOKEN'];
  }
  if (env['TEMPEH_S3_SSE_CUSTOMER_KEY'] && config['sse_customer_key'] === undefined) config['sse_customer_key'] = env['TEMPEH_S3_SSE_CUSTOMER_KEY'];
  // As Terraform and the AWS CLI do: the region from the environment when the URL names none.
  const region = env['AWS_REGION'] || env['AWS_DEFAULT_REGION'];
  if (config['region'] === undefined && region) config['region'] = region;
  return config;
}
