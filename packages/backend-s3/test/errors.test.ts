import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isTempehError, type TempehError } from '@tempeh/core';
import { afterEach, describe, expect, it } from 'vitest';
import { S3Backend, clientConfig, createS3Backend, parseS3BackendConfig, type S3BackendConfigInput } from '../src/index.js';
import { describeWithS3 } from '../src/testing/index.js';
import { startFlakyProxy, type FlakyProxy } from './support/flaky-proxy.js';

const MiB = 1024 * 1024;
const LOCK = { Operation: 'OperationTypeApply', Info: '', Who: 'errors@test', Version: 'test', Created: '', Path: '' };

async function failure(action: Promise<unknown>): Promise<TempehError> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isTempehError(outcome)) throw new Error(`expected a Tempeh error, got ${String(outcome)}`);
  return outcome;
}

/** Everything an error would show anyone: message, hint, JSON, and every cause down the chain. */
function everythingShown(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    parts.push(current.message, current.stack ?? '', isTempehError(current) ? `${current.hint ?? ''} ${JSON.stringify(current.toJSON())}` : '');
    current = current.cause;
  }
  return parts.join('\n');
}

/** A port on 127.0.0.1 with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describeWithS3('s3 errors', (s3) => {
  const open: S3Backend[] = [];
  const proxies: FlakyProxy[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((backend) => backend.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  function backendFor(config: S3BackendConfigInput): S3Backend {
    const backend = createS3Backend(config);
    open.push(backend);
    return backend;
  }

  describe('credentials, bucket, endpoint', () => {
    it('a wrong secret key is TEMPEH_E_AUTH, and the secret shows nowhere', async () => {
      const bucket = await s3.freshBucket({ prefix: 'errors' });
      const secret = `wrong-secret-${randomBytes(8).toString('hex')}`;
      const backend = backendFor(s3.config(bucket, { secret_key: secret }));
      for (const action of [() => backend.getState('default'), () => backend.putState('default', Buffer.from('x')), () => backend.lock('default', LOCK), () => backend.listWorkspaces(), () => backend.init()]) {
        const error = await failure(action());
        expect(error.code).toBe('TEMPEH_E_AUTH');
        expect(everythingShown(error)).not.toContain(secret);
      }
    });

    it('an unknown access key is TEMPEH_E_AUTH', async () => {
      const bucket = await s3.freshBucket({ prefix: 'errors' });
      const backend = backendFor(s3.config(bucket, { access_key: 'nobody-has-this-key' }));
      expect((await failure(backend.listWorkspaces())).code).toBe('TEMPEH_E_AUTH');
    });

    it('a missing bucket is TEMPEH_E_NOT_FOUND naming it', async () => {
      const backend = backendFor(s3.config(`no-such-bucket-${randomBytes(4).toString('hex')}`));
      for (const action of [() => backend.init(), () => backend.getState('default'), () => backend.listWorkspaces()]) {
        const error = await failure(action());
        expect(error.code).toBe('TEMPEH_E_NOT_FOUND');
        expect(error.message).toContain('no-such-bucket-');
        expect(error.hint).toContain('create the bucket');
      }
    });

    it('an unreachable endpoint is TEMPEH_E_CONNECTION naming it', async () => {
      const endpoint = `http://127.0.0.1:${await closedPort()}`;
      const backend = backendFor(s3.config('any-bucket', { endpoint, max_retries: 1 }));
      for (const action of [() => backend.getState('default'), () => backend.lock('default', LOCK)]) {
        const error = await failure(action());
        expect(error.code).toBe('TEMPEH_E_CONNECTION');
        expect(error.message).toContain(endpoint);
      }
    });
  });

  describe('SSE-C', () => {
    const keyA = randomBytes(32).toString('base64');
    const keyB = randomBytes(32).toString('base64');

    it('reads back with its key; another key or none is TEMPEH_E_ENCRYPTION_KEY, and no key shows', async () => {
      const bucket = await s3.freshBucket({ prefix: 'ssec' });
      const writer = backendFor(s3.config(bucket, { sse_customer_key: keyA }));
      await writer.putState('default', Buffer.from('{"secret": true}'));
      await writer.lock('prod', LOCK);
      expect((await writer.getState('default'))?.data.toString()).toBe('{"secret": true}');
      const head = await s3.client().send(
        new HeadObjectCommand({ Bucket: bucket, Key: 'terraform.tfstate', SSECustomerAlgorithm: 'AES256', SSECustomerKey: keyA }),
      );
      expect(head.SSECustomerAlgorithm).toBe('AES256');

      const wrong = backendFor(s3.config(bucket, { sse_customer_key: keyB }));
      const none = backendFor(s3.config(bucket));
      for (const action of [() => wrong.getState('default'), () => wrong.readStream('default'), () => wrong.getLock('prod'), () => none.getState('default'), () => none.readStream('default')]) {
        const error = await failure(action());
        expect(error.code).toBe('TEMPEH_E_ENCRYPTION_KEY');
        const shown = everythingShown(error);
        expect(shown).not.toContain(keyA);
        expect(shown).not.toContain(keyB);
      }
    });
  });

  describe('SSE-KMS (kms-request-capture, a mock: radosgw has no KMS)', () => {
    /** Captures what the backend asks of the SDK; the request never reaches a server. */
    function capturingBackend(config: S3BackendConfigInput): { backend: S3Backend; puts: Record<string, unknown>[] } {
      const parsed = parseS3BackendConfig(config);
      const client = new S3Client(clientConfig(parsed));
      const puts: Record<string, unknown>[] = [];
      client.middlewareStack.add(
        (_next, context) => async (args) => {
          if (context.commandName === 'PutObjectCommand') puts.push({ ...(args.input as Record<string, unknown>), Body: undefined });
          // Answer for the server: no lock object and no state yet (404), and a 200 with an ETag for a PUT.
          if (context.commandName === 'GetObjectCommand' || context.commandName === 'HeadObjectCommand') {
            throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
          }
          return { output: { $metadata: { httpStatusCode: 200 }, ETag: '"captured"' }, response: {} };
        },
        { step: 'initialize', name: 'kmsRequestCapture' },
      );
      const backend = new S3Backend(parsed, { client });
      open.push(backend);
      return { backend, puts };
    }

    it('sends aws:kms with the key ID; encrypt:false sends no encryption; storage_class is sent', async () => {
      const base = { bucket: 'kms-bucket', endpoint: 'http://127.0.0.1:9', access_key: 'a', secret_key: 'b' };
      const kms = capturingBackend({ ...base, kms_key_id: 'arn:aws:kms:us-east-1:111122223333:key/abc', storage_class: 'STANDARD_IA' });
      await kms.backend.putState('default', Buffer.from('x'));
      expect(kms.puts.at(-1)).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:111122223333:key/abc', StorageClass: 'STANDARD_IA' });
      const plain = capturingBackend({ ...base, encrypt: false });
      await plain.backend.putState('default', Buffer.from('x'));
      expect(plain.puts.at(-1)).not.toHaveProperty('ServerSideEncryption', expect.anything());
      const sse = capturingBackend(base);
      await sse.backend.putState('default', Buffer.from('x'));
      expect(sse.puts.at(-1)).toMatchObject({ ServerSideEncryption: 'AES256' });
    });
  });

  describe('retries (through flaky-proxy, a fake: radosgw cannot be made to throttle)', () => {
    async function throughProxy(extra: Partial<S3BackendConfigInput> = {}) {
      const bucket = await s3.freshBucket({ prefix: 'retries' });
      const proxy = await startFlakyProxy(s3.endpoint);
      proxies.push(proxy);
      const backend = backendFor(s3.config(bucket, { endpoint: proxy.endpoint, max_retries: 3, ...extra }));
      return { backend, proxy };
    }

    it('a throttled put and get succeed when the throttling ends within max_retries', async () => {
      const { backend, proxy } = await throughProxy();
      proxy.throttle(2, 'PUT');
      await backend.putState('default', Buffer.from('survived'));
      proxy.throttle(3, 'GET');
      expect((await backend.getState('default'))?.data.toString()).toBe('survived');
      expect(proxy.refused()).toBe(5);
    });

    it('a streamed write, whose body the SDK cannot resend, is retried by the store', async () => {
      const { backend, proxy } = await throughProxy();
      const data = randomBytes(6 * MiB);
      async function* source(): AsyncGenerator<Uint8Array> {
        for (let offset = 0; offset < data.length; offset += MiB) yield data.subarray(offset, offset + MiB);
      }
      proxy.throttle(2, 'PUT');
      await backend.writeStream('default', source());
      expect((await backend.getState('default'))?.data.equals(data)).toBe(true);
      expect(proxy.refused()).toBe(2);
    });

    it('throttling beyond max_retries is TEMPEH_E_CONNECTION', async () => {
      const { backend, proxy } = await throughProxy({ max_retries: 1 });
      proxy.throttle(10, 'GET');
      const error = await failure(backend.getState('default'));
      expect(error.code).toBe('TEMPEH_E_CONNECTION');
      expect(error.message).toContain('throttling');
      expect(proxy.refused()).toBe(2);
    });
  });
});
