import type { Readable } from 'node:stream';
import { GetBucketVersioningCommand, GetObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { CapabilityError, NotFoundError, readStateHeader, type StateReadHandle, type StateVersion, type StoredState, type VersionsApi } from '@tempeh/core';
import type { S3Bucket } from './client.js';
import { errorName } from './errors.js';
import type { KeyLayout } from './keys.js';
import { unquote } from './probe.js';
import { META, type StateStore } from './state-store.js';

/** Core's StateVersion plus what S3 records about it. */
export interface S3StateVersion extends StateVersion {
  /** S3's version ID (the same as `id`). */
  versionId: string;
  etag: string | undefined;
  /** The current version of the key (S3's IsLatest). */
  current: boolean;
  /** The sha256 Tempeh recorded when it wrote this version (absent for versions Terraform wrote). */
  sha256: string | undefined;
}

export interface S3VersionsApi extends VersionsApi {
  list(workspace: string): Promise<S3StateVersion[]>;
  /** A version as a verified stream, for states too large to hold. */
  readStream(workspace: string, versionId: string): Promise<StateReadHandle>;
}

/** How much of each version is read to find its serial and lineage when no metadata records them. */
const HEAD_RANGE = 64 * 1024;

/**
 * Earlier states, from S3 bucket versioning: every PUT of the state key
 * keeps the replaced object as a version. Empty objects (workspace markers)
 * and delete markers are not versions of a state and are left out.
 */
export class S3Versions implements S3VersionsApi {
  readonly #bucket: S3Bucket;
  readonly #layout: KeyLayout;
  readonly #states: StateStore;
  readonly #prepare: (workspace: string) => Promise<void>;

  constructor(bucket: S3Bucket, layout: KeyLayout, states: StateStore, prepare: (workspace: string) => Promise<void>) {
    this.#bucket = bucket;
    this.#layout = layout;
    this.#states = states;
    this.#prepare = prepare;
  }

  /** Newest first. Versions without Tempeh's metadata get serial and lineage from their first 64 KiB. */
  async list(workspace: string): Promise<S3StateVersion[]> {
    await this.#prepare(workspace);
    const key = this.#layout.stateKey(workspace);
    const found: S3StateVersion[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      const page = await this.#bucket.call({ action: `list the versions of '${workspace}'`, key }, () =>
        this.#bucket.client.send(
          new ListObjectVersionsCommand({ Bucket: this.#bucket.bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
        ),
      );
      for (const version of page.Versions ?? []) {
        // 'null' is the version of an object written while versioning was off or suspended: it is a version too.
        if (version.Key !== key || !version.VersionId || !version.Size) continue;
        found.push({
          id: version.VersionId,
          versionId: version.VersionId,
          serial: undefined,
          lineage: undefined,
          size: version.Size,
          createdAt: (version.LastModified ?? new Date(0)).toISOString(),
          revision: unquote(version.ETag),
          etag: unquote(version.ETag),
          current: version.IsLatest ?? false,
          sha256: undefined,
        });
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    if (found.length === 0) await this.#assertVersioned(workspace);
    await forEachLimited(found, 4, (version) => this.#describe(workspace, key, version));
    return found.sort((a, b) => (a.createdAt === b.createdAt ? Number(b.current) - Number(a.current) : a.createdAt < b.createdAt ? 1 : -1));
  }

  async get(workspace: string, versionId: string): Promise<StoredState> {
    await this.#prepare(workspace);
    const stored = await this.#states.readWhole(workspace, versionId).catch((error: unknown) => {
      throw this.#notFound(workspace, versionId, error);
    });
    if (!stored) throw this.#notFound(workspace, versionId);
    return stored;
  }

  async readStream(workspace: string, versionId: string): Promise<StateReadHandle> {
    await this.#prepare(workspace);
    const handle = await this.#states.read(workspace, versionId).catch((error: unknown) => {
      throw this.#notFound(workspace, versionId, error);
    });
    if (!handle) throw this.#notFound(workspace, versionId);
    return handle;
  }

  /** Serial, lineage and sha256 from Tempeh's metadata, or from the head of the bytes. */
  async #describe(workspace: string, key: string, version: S3StateVersion): Promise<void> {
    const out = await this.#bucket.call({ action: `read version ${version.versionId} of '${workspace}'`, key, read: true }, () =>
      this.#bucket.client.send(
        new GetObjectCommand({ Bucket: this.#bucket.bucket, Key: key, VersionId: version.versionId, Range: `bytes=0-${HEAD_RANGE - 1}`, ...this.#bucket.sseC }),
      ),
    );
    const metadata = out.Metadata ?? {};
    version.sha256 = metadata[META.sha256];
    const serial = metadata[META.serial];
    if (serial !== undefined && /^\d+$/.test(serial) && metadata[META.lineage] !== undefined) {
      version.serial = Number(serial);
      version.lineage = metadata[META.lineage];
      (out.Body as Readable | undefined)?.destroy();
      return;
    }
    const head = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
    const parsed = readStateHeader(head);
    version.serial = parsed.serial;
    version.lineage = parsed.lineage;
  }

  async #assertVersioned(workspace: string): Promise<void> {
    const status = await this.#bucket.call({ action: 'read the bucket versioning status' }, async () =>
      (await this.#bucket.client.send(new GetBucketVersioningCommand({ Bucket: this.#bucket.bucket }))).Status,
    );
    if (status !== 'Enabled' && status !== 'Suspended') {
      throw new CapabilityError('s3', `versions on bucket "${this.#bucket.bucket}": bucket versioning is off, so no earlier state of '${workspace}' is kept`, {
        hint: `turn versioning on (aws s3api put-bucket-versioning --bucket ${this.#bucket.bucket} --versioning-configuration Status=Enabled); writes from then on are kept`,
      });
    }
  }

  #notFound(workspace: string, versionId: string, cause?: unknown): Error {
    if (cause !== undefined && !['NoSuchVersion', 'NoSuchKey', 'InvalidArgument', 'NotFound'].includes(errorName((cause as { cause?: unknown }).cause) || errorName(cause))) {
      return cause instanceof Error ? cause : new Error(String(cause));
    }
    return new NotFoundError(`version '${versionId}' of '${workspace}' does not exist`, { cause, hint: 'list the versions with `tempeh versions`' });
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
