import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  CopyObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { isTempehError, parseState } from '@tempeh/core';
import { afterEach, describe, expect, it } from 'vitest';
import { META, createS3Backend, type S3Backend, type S3BackendConfigInput } from '../src/index.js';
import { describeWithS3 } from '../src/testing/index.js';

const MiB = 1024 * 1024;
const FIXTURE = new URL('../../../fixtures/terraform/terraform.tfstate', import.meta.url);

async function codeOf(action: Promise<unknown>): Promise<string | undefined> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (outcome === undefined) return undefined;
  if (!isTempehError(outcome)) throw outcome;
  return outcome.code;
}

async function* chunked(data: Buffer, size = 1 * MiB, failAfter?: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += size) {
    if (failAfter !== undefined && offset >= failAfter) throw new Error('the producer died');
    yield data.subarray(offset, offset + size);
  }
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const chunk of stream) pieces.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(pieces);
}

async function tempDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('tempeh-s3-'));
}

describeWithS3('s3 objects', (s3) => {
  const open: S3Backend[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((backend) => backend.close()));
  });

  async function fresh(extra: Partial<S3BackendConfigInput> = {}, versioned = false) {
    const bucket = await s3.freshBucket({ prefix: 'objects', versioned });
    const backend = createS3Backend(s3.config(bucket, extra));
    open.push(backend);
    if (!versioned) await backend.init();
    return { backend, bucket };
  }

  const head = (bucket: string, key: string, versionId?: string) => s3.client().send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));

  describe('bytes and integrity', () => {
    it('round-trips bytes exactly (not UTF-8 either) and stores sha256, serial and lineage beside them', async () => {
      const { backend, bucket } = await fresh();
      const binary = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), randomBytes(3 * MiB)]);
      await backend.writeStream('binary', chunked(binary));
      expect((await backend.getState('binary'))?.data.equals(binary)).toBe(true);
      const handle = await backend.readStream('binary');
      expect(handle?.size).toBe(binary.length);
      expect((await collect(handle?.stream ?? [])).equals(binary)).toBe(true);

      const fixture = await readFile(FIXTURE);
      const state = parseState(fixture);
      const written = await backend.putState('default', fixture);
      const stored = await head(bucket, 'terraform.tfstate');
      expect(stored.Metadata).toEqual({
        [META.sha256]: createHash('sha256').update(fixture).digest('hex'),
        [META.serial]: String(state.serial),
        [META.lineage]: state.lineage,
      });
      expect(stored.ContentType).toBe('application/json');
      expect(written.revision).toBe(stored.ETag?.replaceAll('"', ''));
      expect(written.size).toBe(fixture.length);
    });

    it('a changed object under the same recorded sha256 fails the read with TEMPEH_E_INTEGRITY', async () => {
      const { backend, bucket } = await fresh();
      const original = await readFile(FIXTURE);
      await backend.putState('default', original);
      const recorded = (await head(bucket, 'terraform.tfstate')).Metadata ?? {};
      const tampered = Buffer.from(original.toString().replace('"serial"', '"serial" '));
      await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'terraform.tfstate', Body: tampered, Metadata: recorded }));

      expect(await codeOf(backend.getState('default'))).toBe('TEMPEH_E_INTEGRITY');
      const handle = await backend.readStream('default');
      const error = await collect(handle?.stream ?? []).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isTempehError(error) && error.code).toBe('TEMPEH_E_INTEGRITY');
      expect(error).toMatchObject({ expected: recorded[META.sha256], actual: createHash('sha256').update(tampered).digest('hex') });
    });

    it('an object without Tempeh metadata (as Terraform writes it) is read as it is', async () => {
      const { backend, bucket } = await fresh();
      const fixture = await readFile(FIXTURE);
      await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'terraform.tfstate', Body: fixture }));
      expect((await backend.getState('default'))?.data.equals(fixture)).toBe(true);
    });
  });

  describe("Terraform's layout", () => {
    it('keeps workspaces where Terraform does and lists only those, ignoring other keys', async () => {
      const { backend, bucket } = await fresh({ key: 'app/terraform.tfstate' });
      await backend.putState('default', Buffer.from('d'));
      await backend.putState('prod', Buffer.from('p'));
      await backend.createWorkspace('empty');
      for (const key of ['app/other.tfstate', 'env:/x/app/other.tfstate', 'env:/a/b/app/terraform.tfstate', 'env:/.tempeh/app/terraform.tfstate', 'unrelated']) {
        await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
      }
      await backend.lock('locked-only', { Operation: 'x', Info: '', Who: 'w', Version: 'v', Created: '', Path: '' });
      const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'env:/' }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual(
        expect.arrayContaining(['env:/prod/app/terraform.tfstate', 'env:/empty/app/terraform.tfstate', 'env:/locked-only/app/terraform.tfstate.tflock']),
      );
      expect(await backend.listWorkspaces()).toEqual(['default', 'empty', 'prod']);
      expect(await backend.getState('empty')).toBeUndefined();
      expect(await backend.readStream('empty')).toBeUndefined();
    });

    it('an empty workspace_key_prefix puts workspaces at <ws>/<key>; deleteState keeps a named workspace listed', async () => {
      const { backend, bucket } = await fresh({ workspace_key_prefix: '' });
      await backend.putState('dev', Buffer.from('x'));
      expect((await head(bucket, 'dev/terraform.tfstate')).ContentLength).toBe(1);
      await backend.deleteState('dev');
      expect(await backend.listWorkspaces()).toEqual(['default', 'dev']);
      expect(await backend.getState('dev')).toBeUndefined();
      await backend.deleteWorkspace('dev');
      expect(await backend.listWorkspaces()).toEqual(['default']);
      expect(await codeOf(backend.deleteWorkspace('dev'))).toBe('TEMPEH_E_NOT_FOUND');
    });
  });

  describe('large writes', () => {
    const small = { multipart_threshold: 5 * MiB, part_size: 5 * MiB };

    it('an unconditional write above multipart_threshold goes in parts and round-trips, verified', async () => {
      const { backend, bucket } = await fresh(small);
      const data = randomBytes(23 * MiB);
      const written = await backend.writeStream('default', chunked(data));
      const stored = await head(bucket, 'terraform.tfstate');
      expect(stored.ETag).toMatch(/-5"$/);
      expect(written.revision).toBe(stored.ETag?.replaceAll('"', ''));
      expect(stored.Metadata?.[META.sha256]).toBe(createHash('sha256').update(data).digest('hex'));
      expect((await collect((await backend.readStream('default'))?.stream ?? [])).equals(data)).toBe(true);
    });

    it('a conditional write of the same size is one PUT (radosgw ignores conditions on multipart completion)', async () => {
      const { backend, bucket } = await fresh(small);
      const first = await backend.putState('default', Buffer.from('v1'));
      const data = randomBytes(12 * MiB);
      const written = await backend.writeStream('default', chunked(data), { ifRevision: first.revision });
      const stored = await head(bucket, 'terraform.tfstate');
      expect(stored.ETag).not.toMatch(/-\d+"$/);
      expect(written.revision).toBe(stored.ETag?.replaceAll('"', ''));
      // The revision is gone now: the same condition again loses.
      expect(await codeOf(backend.putState('default', Buffer.from('v3'), { ifRevision: first.revision }))).toBe('TEMPEH_E_CONFLICT');
    });

    it('a source that fails midway is TEMPEH_E_IO: the old state stays, no upload or spool file is left', async () => {
      const { backend, bucket } = await fresh(small);
      await backend.putState('default', Buffer.from('old'));
      const before = await tempDirs();
      expect(await codeOf(backend.writeStream('default', chunked(randomBytes(20 * MiB), MiB, 12 * MiB)))).toBe('TEMPEH_E_IO');
      expect((await backend.getState('default'))?.data.toString()).toBe('old');
      const uploads = await s3.client().send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      expect(uploads.Uploads ?? []).toEqual([]);
      expect((await tempDirs()).filter((dir) => !before.includes(dir))).toEqual([]);
    });
  });

  describe('versions (bucket versioning)', () => {
    it('are offered only where bucket versioning is on, learnt by refreshCapabilities', async () => {
      const plain = await fresh();
      expect(plain.backend.capabilities.versions).toBe(false);
      expect(plain.backend.versions).toBeUndefined();
      const { backend } = await fresh({}, true);
      expect(backend.capabilities.versions).toBe(false);
      await backend.refreshCapabilities();
      expect(backend.capabilities.versions).toBe(true);
      expect(backend.versions).toBeDefined();
    });

    it('lists every write newest first with serial and lineage, and reads each one back exactly', async () => {
      const { backend, bucket } = await fresh({}, true);
      await backend.refreshCapabilities();
      const versions = backend.versions;
      if (!versions) return expect.fail('no versions API on a versioned bucket');
      await backend.createWorkspace('prod');
      const bodies = [1, 2, 3].map((serial) => Buffer.from(JSON.stringify({ version: 4, serial, lineage: 'lin-1', resources: [] })));
      for (const body of bodies.slice(0, 2)) await backend.putState('prod', body);
      // The third as Terraform writes it: no Tempeh metadata, serial and lineage read from its first bytes.
      await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: 'env:/prod/terraform.tfstate', Body: bodies[2] }));
      const listed = await versions.list('prod');
      expect(listed.map((v) => [v.serial, v.lineage, v.current, v.size])).toEqual([
        [3, 'lin-1', true, bodies[2]?.length],
        [2, 'lin-1', false, bodies[1]?.length],
        [1, 'lin-1', false, bodies[0]?.length],
      ]);
      expect(listed[0]?.sha256).toBeUndefined();
      expect(listed[1]?.sha256).toBe(createHash('sha256').update(bodies[1] ?? '').digest('hex'));
      for (const [i, version] of listed.entries()) {
        expect((await versions.get('prod', version.id)).data.equals(bodies[2 - i] ?? Buffer.alloc(0))).toBe(true);
        expect((await collect((await versions.readStream('prod', version.id)).stream)).equals(bodies[2 - i] ?? Buffer.alloc(0))).toBe(true);
      }
      expect(await codeOf(versions.get('prod', 'no-such-version'))).toBe('TEMPEH_E_NOT_FOUND');
      // History outlives the state.
      await backend.deleteState('prod');
      expect((await versions.list('prod')).map((v) => v.serial)).toEqual([3, 2, 1]);
    });

    it('createWorkspace on a versioned bucket (where radosgw ignores If-None-Match) keeps an existing state', async () => {
      const { backend } = await fresh({}, true);
      await backend.putState('prod', Buffer.from('{"kept": true}'));
      await backend.createWorkspace('prod');
      expect((await backend.getState('prod'))?.data.toString()).toBe('{"kept": true}');
    });

    it("lists the 'null' version written before versioning was turned on", async () => {
      const bucket = await s3.freshBucket({ prefix: 'objects-null' });
      const backend = createS3Backend(s3.config(bucket));
      open.push(backend);
      await backend.putState('default', Buffer.from('{"serial": 1, "lineage": "l"}'));
      await s3.client().send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
      await backend.putState('default', Buffer.from('{"serial": 2, "lineage": "l"}'));
      await backend.refreshCapabilities();
      const listed = (await backend.versions?.list('default')) ?? [];
      expect(listed.map((v) => [v.serial, v.id === 'null'])).toEqual([
        [2, false],
        [1, true],
      ]);
      expect((await backend.versions?.get('default', 'null'))?.data.toString()).toBe('{"serial": 1, "lineage": "l"}');
    });

    it('on a versioned radosgw bucket compare-and-swap writes are refused, not pretended', async () => {
      const { backend } = await fresh({}, true);
      expect(await codeOf(backend.putState('default', Buffer.from('x'), { ifRevision: null }))).toBe('TEMPEH_E_CAPABILITY');
      expect(await backend.getState('default')).toBeUndefined();
    });
  });

  it('a copy made behind the backend keeps its metadata and still verifies', async () => {
    const { backend, bucket } = await fresh();
    const fixture = await readFile(FIXTURE);
    await backend.putState('default', fixture);
    await s3.client().send(new CopyObjectCommand({ Bucket: bucket, Key: 'env:/copy/terraform.tfstate', CopySource: `${bucket}/terraform.tfstate` }));
    expect((await backend.getState('copy'))?.data.equals(fixture)).toBe(true);
  });
});
