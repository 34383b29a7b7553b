import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryBackend, memoryBackendDefinition } from '../../src/backend/memory-backend.js';
import { bytesToIterable, collectBytes } from '../../src/backend/streams.js';
import { ConflictError } from '../../src/errors.js';
import type { LockRequest } from '../../src/backend/types.js';
import { rejectionOf } from './rejection.js';

const request: LockRequest = {
  Operation: 'OperationTypeApply',
  Info: '',
  Who: 'alice@ci',
  Version: '0.1.0',
  Created: '2026-01-01T00:00:00.000Z',
  Path: '',
};

describe('MemoryBackend', () => {
  it('advertises its capabilities', () => {
    expect(new MemoryBackend().capabilities).toEqual({ streaming: true, nativeLocks: true, compareAndSwap: true, versions: false });
  });

  it('revisions are the sha256 of the bytes, however they were written', async () => {
    const backend = new MemoryBackend();
    const data = Buffer.from('{"version": 4}\n');
    const sha = createHash('sha256').update(data).digest('hex');
    expect((await backend.putState('default', data)).revision).toBe(sha);
    expect((await backend.writeStream('other', bytesToIterable([data.subarray(0, 3), data.subarray(3)]))).revision).toBe(sha);
    expect((await backend.readStream('other'))?.revision).toBe(sha);
  });

  it('reads back the chunks it was written in, copies of them', async () => {
    const backend = new MemoryBackend();
    const chunks = [Buffer.from('ab'), Buffer.from('cd'), Buffer.from('e')];
    await backend.writeStream('default', bytesToIterable(chunks));
    chunks[0]?.fill(0x7a);
    const handle = await backend.readStream('default');
    const seen: string[] = [];
    for await (const chunk of handle?.stream ?? []) {
      seen.push(Buffer.from(chunk).toString());
      if (chunk instanceof Uint8Array) chunk.fill(0x79);
    }
    expect(seen).toEqual(['ab', 'cd', 'e']);
    expect(handle?.size).toBe(5);
    expect((await backend.getState('default'))?.data.toString()).toBe('abcde');
  });

  it('fills Path and keeps the caller\'s ID and Created', async () => {
    const backend = new MemoryBackend();
    const held = await backend.lock('staging', { ...request, ID: 'my-id' });
    expect(held).toEqual({ ...request, ID: 'my-id', Path: 'memory:staging' });
    expect(await backend.getLock('staging')).toEqual({ info: held, stale: false, detail: undefined });
  });

  it('refuses writes naming a lock that is not held, and writes under someone else\'s lock', async () => {
    const backend = new MemoryBackend();
    expect((await rejectionOf(backend.putState('default', Buffer.from('x'), { lockId: 'ghost' }))).code).toBe('TEMPEH_E_NOT_LOCKED');
    const held = await backend.lock('default', request);
    const refused = await rejectionOf(backend.putState('default', Buffer.from('x'), { lockId: 'other' }));
    expect(refused.code).toBe('TEMPEH_E_LOCKED');
    expect(await backend.getState('default')).toBeUndefined();
    await backend.putState('default', Buffer.from('x'), { lockId: held.ID });
    expect((await rejectionOf(backend.unlock('default', 'other'))).code).toBe('TEMPEH_E_LOCK_MISMATCH');
    await backend.unlock('default', held.ID);
    expect((await rejectionOf(backend.unlock('default', held.ID))).code).toBe('TEMPEH_E_NOT_LOCKED');
  });

  it('checks the lock and revision again after the stream was read', async () => {
    const backend = new MemoryBackend();
    const base = await backend.putState('default', Buffer.from('base'));
    async function* slowSource(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('mine');
      // Someone else writes while this stream is still being read.
      await backend.putState('default', Buffer.from('theirs'));
    }
    const error = await rejectionOf(backend.writeStream('default', slowSource(), { ifRevision: base.revision }), ConflictError);
    expect(error.reason).toBe('revision');
    expect((await backend.getState('default'))?.data.toString()).toBe('theirs');
  });

  it('validates workspace names and refuses deleting default or a workspace that does not exist', async () => {
    const backend = new MemoryBackend();
    expect((await rejectionOf(backend.getState('../etc'))).code).toBe('TEMPEH_E_INVALID_WORKSPACE');
    expect((await rejectionOf(backend.lock('.tempeh-backups', request))).code).toBe('TEMPEH_E_INVALID_WORKSPACE');
    expect((await rejectionOf(backend.deleteWorkspace('default'))).code).toBe('TEMPEH_E_INVALID_WORKSPACE');
    expect((await rejectionOf(backend.deleteWorkspace('never'))).code).toBe('TEMPEH_E_NOT_FOUND');
  });

  it('its definition has an empty strict config and the memory: URL scheme', () => {
    expect(memoryBackendDefinition.configSchema.parse({})).toEqual({});
    expect(memoryBackendDefinition.configSchema.safeParse({ x: 1 }).success).toBe(false);
    expect(memoryBackendDefinition.urlSchemes).toEqual(['memory:']);
  });
});

describe('stream helpers', () => {
  it('collectBytes concatenates; a non-byte chunk is TEMPEH_E_IO', async () => {
    expect((await collectBytes(bytesToIterable([Buffer.from('a'), new Uint8Array([98])]))).toString()).toBe('ab');
    // An object-mode stream yields strings: the kind of mistake a plugin's transform makes.
    const notBytes = Readable.from(['not bytes']);
    expect((await rejectionOf(collectBytes(notBytes))).code).toBe('TEMPEH_E_IO');
  });
});
