import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import {
  ConflictError,
  IntegrityError,
  readStateHeader,
  type StateReadHandle,
  type StoredState,
  type WriteResult,
} from '@tempeh/core';
import type { S3Bucket } from './client.js';
import { S3_LIMITS } from './config.js';
import { isNoSuchKey, isPreconditionFailed, isRetryable } from './errors.js';
import type { KeyLayout } from './keys.js';
import { unquote, type SafetyProbe } from './probe.js';
import { spool, type Spooled } from './spool.js';

/** Object metadata Tempeh writes beside a state (x-amz-meta-…). Terraform ignores it. */
export const META = {
  sha256: 'tempeh-sha256',
  serial: 'tempeh-serial',
  lineage: 'tempeh-lineage',
} as const;

/** What a HEAD tells about a stored object. */
export interface ObjectHead {
  etag: string | undefined;
  size: number;
  sha256: string | undefined;
  versionId: string | undefined;
  metadata: Record<string, string>;
}

export interface StoreWriteOptions {
  /** Compare-and-swap: the ETag the object must still have (`null`: only if there is no state). */
  ifRevision?: string | null;
  /** Runs just before the upload is committed (the lock check). */
  check?: () => Promise<void>;
}

/** A body to upload, with everything its headers need. */
interface Upload {
  size: number;
  sha256: string;
  serial: number | undefined;
  lineage: string | undefined;
  /** A fresh stream of bytes [start, end) each call, so a retried request can send it again. */
  open(start: number, end: number): Readable | Buffer;
}

/**
 * The states' objects: read streamed and verified against the stored
 * sha256; written from a spooled file (or a buffer) in one conditional PUT,
 * or in parts when no condition is needed or the state is beyond a single
 * PUT's 5 GiB.
 */
export class StateStore {
  readonly #bucket: S3Bucket;
  readonly #layout: KeyLayout;
  readonly #probe: SafetyProbe;

  constructor(bucket: S3Bucket, layout: KeyLayout, probe: SafetyProbe) {
    this.#bucket = bucket;
    this.#layout = layout;
    this.#probe = probe;
  }

  async head(workspace: string): Promise<ObjectHead | undefined> {
    const key = this.#layout.stateKey(workspace);
    return this.#bucket.call(
      { action: `look up the state of '${workspace}'`, key, read: true },
      async () => {
        const out = await this.#bucket.client.send(new HeadObjectCommand({ Bucket: this.#bucket.bucket, Key: key, ...this.#bucket.sseC }));
        const metadata = out.Metadata ?? {};
        return { etag: unquote(out.ETag), size: out.ContentLength ?? 0, sha256: metadata[META.sha256], versionId: out.VersionId, metadata } satisfies ObjectHead;
      },
      (error) => (isNoSuchKey(error) ? null : undefined),
    ).then((head) => head ?? undefined);
  }

  /** The state as a verified stream, or `undefined` (no object, or the empty object of a created workspace). */
  async read(workspace: string, versionId?: string): Promise<StateReadHandle | undefined> {
    const key = this.#layout.stateKey(workspace);
    const out = await this.#get(workspace, key, versionId);
    if (!out) return undefined;
    const size = out.ContentLength;
    const body = out.Body as Readable | undefined;
    if (!body || size === 0) {
      body?.destroy();
      return undefined;
    }
    const expected = out.Metadata?.[META.sha256];
    const stream = expected === undefined ? body : body.pipe(new VerifySha256(expected, `s3://${this.#bucket.bucket}/${key}${versionId ? ` (version ${versionId})` : ''}`));
    if (stream !== body) body.on('error', (error) => stream.destroy(error));
    return { stream, revision: unquote(out.ETag), size };
  }

  async readWhole(workspace: string, versionId?: string): Promise<StoredState | undefined> {
    const handle = await this.read(workspace, versionId);
    if (!handle) return undefined;
    const pieces: Buffer[] = [];
    for await (const chunk of handle.stream) pieces.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
    return { data: Buffer.concat(pieces), revision: handle.revision };
  }

  async #get(workspace: string, key: string, versionId: string | undefined): Promise<GetObjectCommandOutput | undefined> {
    const out = await this.#bucket.call(
      { action: `read the state of '${workspace}'`, key, read: true },
      () => this.#bucket.client.send(new GetObjectCommand({ Bucket: this.#bucket.bucket, Key: key, VersionId: versionId, ...this.#bucket.sseC })),
      (error) => (isNoSuchKey(error) && versionId === undefined ? null : undefined),
    );
    return out ?? undefined;
  }

  /** Writes a state held in memory (a PUT straight from the buffer while it fits one). */
  async writeBuffer(workspace: string, data: Uint8Array, options: StoreWriteOptions): Promise<WriteResult> {
    const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const header = readStateHeader(buffer.subarray(0, 64 * 1024));
    const upload: Upload = {
      size: buffer.byteLength,
      sha256: createHash('sha256').update(buffer).digest('hex'),
      serial: header.serial,
      lineage: header.lineage,
      open: (start, end) => buffer.subarray(start, end),
    };
    return this.#commit(workspace, upload, options);
  }

  /** Streams a state in: spooled to a temporary file first (see spool.ts), then uploaded from it. */
  async writeStream(workspace: string, source: AsyncIterable<Uint8Array>, options: StoreWriteOptions): Promise<WriteResult> {
    const spooled: Spooled = await spool(source);
    try {
      const upload: Upload = {
        size: spooled.size,
        sha256: spooled.sha256,
        serial: spooled.header.serial,
        lineage: spooled.header.lineage,
        open: (start, end) => (end <= start ? Buffer.alloc(0) : createReadStream(spooled.path, { start, end: end - 1, highWaterMark: 1024 * 1024 })),
      };
      return await this.#commit(workspace, upload, options);
    } finally {
      await spooled.dispose();
    }
  }

  async #commit(workspace: string, upload: Upload, options: StoreWriteOptions): Promise<WriteResult> {
    const key = this.#layout.stateKey(workspace);
    const condition = await this.#condition(workspace, options.ifRevision);
    await options.check?.();
    const metadata: Record<string, string> = { [META.sha256]: upload.sha256 };
    if (upload.serial !== undefined) metadata[META.serial] = String(upload.serial);
    if (upload.lineage !== undefined && /^[\x20-\x7e]{1,200}$/.test(upload.lineage)) metadata[META.lineage] = upload.lineage;
    // A conditional write must be one PUT: radosgw ignores conditions on CompleteMultipartUpload.
    // Beyond 5 GiB there is no choice; the revision was checked just above (see README).
    const multipart = upload.size > S3_LIMITS.maxSinglePut || (condition === undefined && upload.size > this.#bucket.config.multipart_threshold);
    const etag = multipart ? await this.#putMultipart(workspace, key, upload, metadata, condition) : await this.#putSingle(workspace, key, upload, metadata, condition);
    return { revision: etag, size: upload.size };
  }

  /** The S3 condition for `ifRevision`, checked early so a stale writer fails before uploading anything. */
  async #condition(workspace: string, ifRevision: string | null | undefined): Promise<{ IfMatch?: string; IfNoneMatch?: string } | undefined> {
    if (ifRevision === undefined) return undefined;
    await this.#probe.assertCompareAndSwap();
    const head = await this.head(workspace);
    const current = head && head.size > 0 ? head.etag : undefined;
    if (ifRevision === null) {
      if (current !== undefined) throw revisionConflict(workspace, 'there is one');
      // The empty object of a created workspace is replaced on its ETag; no object at all, with If-None-Match.
      return head ? { IfMatch: head.etag } : { IfNoneMatch: '*' };
    }
    if (current !== ifRevision) throw revisionConflict(workspace, current === undefined ? 'there is none' : `it is ${current}`);
    // radosgw answers 412 to a quoted If-Match even when it matches; the bare ETag works everywhere.
    return { IfMatch: ifRevision };
  }

  async #putSingle(
    workspace: string,
    key: string,
    upload: Upload,
    metadata: Record<string, string>,
    condition: { IfMatch?: string; IfNoneMatch?: string } | undefined,
  ): Promise<string | undefined> {
    const out = await this.#withRetries((attempt) =>
      this.#bucket.call(
        { action: `write the state of '${workspace}'`, key },
        () =>
          this.#bucket.client.send(
            new PutObjectCommand({
              Bucket: this.#bucket.bucket,
              Key: key,
              Body: upload.open(0, upload.size),
              ContentLength: upload.size,
              ContentType: 'application/json',
              Metadata: metadata,
              ...this.#bucket.putFields,
              ...condition,
            }),
          ),
        (error) => (condition !== undefined && isPreconditionFailed(error) ? { refused: true as const, attempt } : undefined),
      ),
    );
    if ('refused' in out) {
      // A 412 after a failed attempt may be our own earlier attempt having landed: the stored sha256 tells.
      const head = out.attempt > 0 ? await this.head(workspace) : undefined;
      if (head?.sha256 === upload.sha256 && head.etag !== condition?.IfMatch) return head.etag;
      throw revisionConflict(workspace, 'another writer replaced it meanwhile');
    }
    return unquote(out.ETag) || (await this.head(workspace))?.etag;
  }

  /**
   * Retries a request whose body is a stream, which the SDK cannot resend
   * itself: throttling, 5xx and network failures, with exponential backoff
   * and jitter, `max_retries` times. `send` opens a fresh body each time.
   */
  async #withRetries<T>(send: (attempt: number) => Promise<T>): Promise<T> {
    const retries = this.#bucket.config.max_retries;
    for (let attempt = 0; ; attempt++) {
      try {
        return await send(attempt);
      } catch (error) {
        if (attempt >= retries || !isRetryable(error)) throw error;
        const delay = Math.min(20_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async #putMultipart(
    workspace: string,
    key: string,
    upload: Upload,
    metadata: Record<string, string>,
    condition: { IfMatch?: string; IfNoneMatch?: string } | undefined,
  ): Promise<string | undefined> {
    const action = `write the state of '${workspace}' in parts`;
    const { bucket, client } = { bucket: this.#bucket.bucket, client: this.#bucket.client };
    const created = await this.#bucket.call({ action, key }, () =>
      client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/json', Metadata: metadata, ...this.#bucket.putFields })),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new ConflictError('revision', `could not ${action}: the server returned no upload ID`);
    try {
      const partSize = Math.max(this.#bucket.config.part_size, Math.ceil(upload.size / S3_LIMITS.maxParts));
      const count = Math.max(1, Math.ceil(upload.size / partSize));
      const parts: CompletedPart[] = new Array(count);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < count) {
          const index = next++;
          const start = index * partSize;
          const end = Math.min(upload.size, start + partSize);
          const out = await this.#withRetries(() =>
            this.#bucket.call({ action: `${action} (part ${index + 1} of ${count})`, key }, () =>
              client.send(
                new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: index + 1, Body: upload.open(start, end), ContentLength: end - start, ...this.#bucket.sseC }),
              ),
            ),
          );
          parts[index] = { PartNumber: index + 1, ETag: out.ETag };
        }
      };
      await Promise.all(Array.from({ length: Math.min(count, this.#bucket.config.multipart_concurrency) }, worker));
      // Conditions are sent (AWS applies them); radosgw ignores them, so the revision is checked again right before.
      if (condition !== undefined) {
        const head = await this.head(workspace);
        const current = head && head.size > 0 ? head.etag : undefined;
        if ((condition.IfNoneMatch === '*' && current !== undefined) || (condition.IfMatch !== undefined && head?.etag !== condition.IfMatch)) {
          throw revisionConflict(workspace, 'another writer replaced it during the upload');
        }
      }
      const done = await this.#bucket.call(
        { action, key },
        () => client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...condition })),
        (error) => (condition !== undefined && isPreconditionFailed(error) ? null : undefined),
      );
      if (done === null) throw revisionConflict(workspace, 'another writer replaced it meanwhile');
      // radosgw's CompleteMultipartUpload answers with an empty ETag.
      return unquote(done.ETag) || (await this.head(workspace))?.etag;
    } catch (error) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw error;
    }
  }

  /** An empty object at the workspace's key, unless one is there: how a workspace exists without a state (Terraform reads it as none). */
  async createMarker(workspace: string): Promise<void> {
    const key = this.#layout.stateKey(workspace);
    await this.#bucket.call(
      { action: `create workspace '${workspace}'`, key },
      () => this.#bucket.client.send(new PutObjectCommand({ Bucket: this.#bucket.bucket, Key: key, Body: Buffer.alloc(0), ContentLength: 0, ...this.#bucket.putFields, IfNoneMatch: '*' })),
      (error) => (isPreconditionFailed(error) ? null : undefined),
    );
  }

  /** Replaces the state with the empty marker (a named workspace stays listed, as it does after `createWorkspace`). */
  async clear(workspace: string): Promise<void> {
    const key = this.#layout.stateKey(workspace);
    await this.#bucket.call({ action: `delete the state of '${workspace}'`, key }, () =>
      this.#bucket.client.send(new PutObjectCommand({ Bucket: this.#bucket.bucket, Key: key, Body: Buffer.alloc(0), ContentLength: 0, ...this.#bucket.putFields })),
    );
  }

  async delete(workspace: string, key = this.#layout.stateKey(workspace)): Promise<void> {
    await this.#bucket.call({ action: `delete the state of '${workspace}'`, key }, () =>
      this.#bucket.client.send(new DeleteObjectCommand({ Bucket: this.#bucket.bucket, Key: key })),
    );
  }

  /** Named workspaces with an object at their key (state or empty marker), as Terraform lists them. */
  async workspaces(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#bucket.call({ action: 'list the workspaces' }, () =>
        this.#bucket.client.send(new ListObjectsV2Command({ Bucket: this.#bucket.bucket, Prefix: this.#layout.listPrefix(), ContinuationToken: token })),
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key === undefined ? undefined : this.#layout.workspaceOf(object.Key);
        if (name !== undefined) names.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names;
  }
}

function revisionConflict(workspace: string, what: string): ConflictError {
  return new ConflictError('revision', `state '${workspace}' is not at the expected revision: ${what}`);
}

/** Passes bytes through while hashing them; fails at the end if the sha256 is not the one stored. */
class VerifySha256 extends Transform {
  readonly #hash = createHash('sha256');
  readonly #expected: string;
  readonly #what: string;

  constructor(expected: string, what: string) {
    super();
    this.#expected = expected.toLowerCase();
    this.#what = what;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.#hash.digest('hex');
    if (actual === this.#expected) callback();
    else callback(new IntegrityError(`${this.#what}: the bytes read have sha256 ${actual}, but ${this.#expected} was recorded when they were written`, { expected: this.#expected, actual }));
  }
}
