import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, GetBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CapabilityError, RESERVED_WORKSPACE_PREFIX } from '@tempeh/core';
import type { S3Bucket } from './client.js';
import { errorName, isPreconditionFailed } from './errors.js';

/** What the server does with conditional writes on this bucket, as observed. */
export interface ConditionalWriteSupport {
  /** A second `PutObject` with `If-None-Match: *` on an existing key was refused (412). */
  readonly ifNoneMatch: boolean;
  /** `If-Match` with the current ETag succeeded and with a stale one was refused (412). */
  readonly ifMatch: boolean;
  /** The bucket's versioning status ('Enabled', 'Suspended'), `undefined` if never enabled or not reported. */
  readonly versioning: string | undefined;
}

/** Where probe objects go: under Tempeh's reserved prefix, which workspace listings never show. */
export const PROBE_PREFIX = `${RESERVED_WORKSPACE_PREFIX}/probe/`;

/**
 * Checks, by doing it, that the server enforces conditional writes on this
 * bucket: a probe object is written twice with `If-None-Match: *` (the
 * second must be refused), then overwritten with `If-Match` on its current
 * ETag (must succeed) and on a stale one (must be refused). The object is
 * removed afterwards. radosgw, for one, ignores `If-None-Match` and rejects
 * every `If-Match` once bucket versioning is on.
 */
export async function probeConditionalWrites(bucket: S3Bucket): Promise<ConditionalWriteSupport> {
  const key = `${PROBE_PREFIX}${randomUUID()}`;
  const put = (body: string, condition: { IfNoneMatch?: string; IfMatch?: string }) =>
    bucket.call(
      { action: 'write the conditional-write probe object', key },
      async () => ({ ok: true as const, etag: unquote((await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: body, ...bucket.putFields, ...condition }))).ETag) }),
      (error) => (isPreconditionFailed(error) ? { ok: false as const, etag: undefined } : undefined),
    );
  try {
    const first = await put('1', { IfNoneMatch: '*' });
    const second = await put('2', { IfNoneMatch: '*' });
    const ifNoneMatch = first.ok && !second.ok;
    const current = second.ok ? second.etag : first.etag;
    const matching = current === undefined ? { ok: false, etag: undefined } : await put('3', { IfMatch: current });
    const stale = await put('4', { IfMatch: current === undefined || !matching.ok ? 'not-the-etag' : current });
    const ifMatch = matching.ok && !stale.ok;
    return { ifNoneMatch, ifMatch, versioning: await bucketVersioning(bucket, true) };
  } finally {
    await bucket
      .call({ action: 'remove the conditional-write probe object', key }, () => bucket.client.send(new DeleteObjectCommand({ Bucket: bucket.bucket, Key: key })))
      .catch(() => undefined);
  }
}

/**
 * The bucket's versioning status ('Enabled', 'Suspended'), `undefined` when
 * it was never turned on. With `tolerant`, a refusal to tell (no
 * s3:GetBucketVersioning permission) is `undefined` too.
 */
export async function bucketVersioning(bucket: S3Bucket, tolerant = false): Promise<string | undefined> {
  const status = await bucket.call(
    { action: 'read the bucket versioning status' },
    async () => (await bucket.client.send(new GetBucketVersioningCommand({ Bucket: bucket.bucket }))).Status,
    (error) => (tolerant && errorName(error) === 'AccessDenied' ? ('unknown' as const) : undefined),
  );
  return status === 'unknown' ? undefined : status;
}

export function unquote(etag: string | undefined): string | undefined {
  return etag === undefined ? undefined : etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/**
 * Runs the probe once per bucket and process (the result is shared by the
 * lock store and the state store), and again after a failure.
 */
export class SafetyProbe {
  readonly #bucket: S3Bucket;
  #result: Promise<ConditionalWriteSupport> | undefined;

  constructor(bucket: S3Bucket) {
    this.#bucket = bucket;
  }

  /** The observed support; probes on first use. */
  support(): Promise<ConditionalWriteSupport> {
    this.#result ??= probeConditionalWrites(this.#bucket).catch((error: unknown) => {
      this.#result = undefined;
      throw error;
    });
    return this.#result;
  }

  /** Probes again (`init` does, so a changed bucket setting is noticed). */
  refresh(): Promise<ConditionalWriteSupport> {
    this.#result = undefined;
    return this.support();
  }

  /** Throws the refusal unless lock files exclude each other on this bucket. */
  async assertLockFilesSafe(): Promise<void> {
    const support = await this.support();
    if (!support.ifNoneMatch) throw unsafeError(this.#bucket, support, 'lock-file locking');
  }

  /** Throws the refusal unless compare-and-swap on the ETag works on this bucket. */
  async assertCompareAndSwap(): Promise<void> {
    const support = await this.support();
    if (!support.ifMatch || !support.ifNoneMatch) throw unsafeError(this.#bucket, support, 'a compare-and-swap write');
  }
}

function unsafeError(bucket: S3Bucket, support: ConditionalWriteSupport, what: string): CapabilityError {
  const ignored = [support.ifNoneMatch ? undefined : 'ignores If-None-Match', support.ifMatch ? undefined : 'does not honour If-Match'].filter(Boolean).join(' and ');
  const because =
    support.versioning === 'Enabled' || support.versioning === 'Suspended'
      ? ` (bucket versioning is ${support.versioning.toLowerCase()}: radosgw, for one, does not apply conditions on versioned buckets)`
      : '';
  return new CapabilityError('s3', `${what} on bucket "${bucket.bucket}" at ${bucket.where.endpoint}`, {
    hint:
      `the server ${ignored} on this bucket${because}, so two writers would not exclude each other and Tempeh refuses rather than run unprotected. ` +
      'Options: use a bucket without versioning on this server; use a server that enforces conditional writes (AWS S3 does, on every bucket); ' +
      'or keep the state in another backend (postgres). Reading, listing and versions still work here.',
  });
}
