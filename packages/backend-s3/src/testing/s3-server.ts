import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, it } from 'vitest';
import type { S3BackendConfigInput } from '../config.js';

/**
 * The S3 server the tests run against: radosgw started by
 * scripts/services/ceph-s3/start.sh, named by
 * `TEMPEH_TEST_S3_ENDPOINT`, `TEMPEH_TEST_S3_ACCESS_KEY` and
 * `TEMPEH_TEST_S3_SECRET_KEY` (.ci/run exports them). Each test file makes
 * buckets of its own and removes them, with every object version, after.
 *
 * Without the endpoint the suites are skipped locally, with the reason as
 * the test name; under CI=true they fail instead.
 */
export const S3_ENDPOINT: string | undefined = process.env['TEMPEH_TEST_S3_ENDPOINT'] || undefined;
export const S3_ACCESS_KEY = process.env['TEMPEH_TEST_S3_ACCESS_KEY'] || 'tfstate-test-access-key';
export const S3_SECRET_KEY = process.env['TEMPEH_TEST_S3_SECRET_KEY'] || 'tfstate-test-secret-key';
export const S3_REGION = 'us-east-1';
const IN_CI = process.env['CI'] === 'true' || process.env['CI'] === '1';

export const SKIP_REASON =
  'skipped: TEMPEH_TEST_S3_ENDPOINT not set; start radosgw with scripts/services/ceph-s3/start.sh and export its S3_* lines as TEMPEH_TEST_S3_*';
export const CI_FAILURE =
  'TEMPEH_TEST_S3_ENDPOINT is not set, and under CI=true the S3 tests must run: start radosgw with ' +
  'scripts/services/ceph-s3/start.sh (.ci/run does) and export TEMPEH_TEST_S3_ENDPOINT, _ACCESS_KEY and _SECRET_KEY';

export interface BucketOptions {
  /** Turn bucket versioning on. */
  versioned?: boolean;
  /** Prefix of the generated name (lower-case letters, digits, hyphens). */
  prefix?: string;
}

/** The S3 server for one test file. */
export interface TestS3 {
  readonly endpoint: string;
  /** A raw SDK client with the test credentials, for arranging and inspecting objects behind the backend's back. */
  readonly client: () => S3Client;
  /** Creates a bucket (removed after the file's tests, with all its versions) and returns its name. */
  readonly freshBucket: (options?: BucketOptions) => Promise<string>;
  /** A backend config for `bucket`: endpoint, path style, credentials; `extra` overrides fields. */
  readonly config: (bucket: string, extra?: Partial<S3BackendConfigInput>) => S3BackendConfigInput;
  /** `s3://bucket/key?endpoint=…&force_path_style=true`, for the CLI (credentials go in the environment). */
  readonly url: (bucket: string, key?: string, query?: Record<string, string>) => string;
  /** Environment with the AWS credentials, for child processes (CLI, terraform). */
  readonly env: () => NodeJS.ProcessEnv;
}

/**
 * `describe(name, …)` with an S3 server, when there is one; a skipped test
 * saying why (locally) or a failing one (under CI) otherwise.
 */
export function describeWithS3(name: string, body: (s3: TestS3) => void): void {
  if (S3_ENDPOINT) {
    const endpoint = S3_ENDPOINT;
    describe(name, () => body(useTestS3(endpoint)));
    return;
  }
  describe(name, () => {
    if (IN_CI) {
      it('needs an S3 server (CI=true, so this fails instead of skipping)', () => {
        throw new Error(CI_FAILURE);
      });
    } else {
      it.skip(SKIP_REASON, () => undefined);
    }
  });
}

export function rawClient(endpoint: string): S3Client {
  return new S3Client({
    region: S3_REGION,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function useTestS3(endpoint: string): TestS3 {
  let client: S3Client | undefined;
  const buckets: string[] = [];
  const getClient = (): S3Client => (client ??= rawClient(endpoint));

  afterAll(async () => {
    for (const bucket of buckets) await removeBucket(getClient(), bucket);
    client?.destroy();
  });

  return {
    endpoint,
    client: getClient,
    async freshBucket(options = {}) {
      const name = `${options.prefix ?? 'tempeh-t'}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`.slice(0, 63);
      await getClient().send(new CreateBucketCommand({ Bucket: name }));
      buckets.push(name);
      if (options.versioned) {
        await getClient().send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
      }
      return name;
    },
    config: (bucket, extra = {}) => ({
      bucket,
      endpoint,
      force_path_style: true,
      region: S3_REGION,
      access_key: S3_ACCESS_KEY,
      secret_key: S3_SECRET_KEY,
      // Small enough that tests exercise the retry path without waiting long.
      max_retries: 2,
      ...extra,
    }),
    url: (bucket, key = 'terraform.tfstate', query = {}) => {
      const params = new URLSearchParams({ endpoint, region: S3_REGION, force_path_style: 'true', ...query });
      return `s3://${bucket}/${key}?${params.toString()}`;
    },
    env: () => ({ ...process.env, AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_REGION: S3_REGION }),
  };
}

/** Deletes every object version and delete marker, then the bucket. */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
      if (objects.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    // Cleanup is best effort (the server is thrown away after CI), but say so.
    console.warn(`could not remove test bucket ${bucket}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
