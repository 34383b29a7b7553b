import { describe, expect, it } from 'vitest';
import { terraformFixtureState } from '../fixture-state.js';
import { chunked, expectRejection, readAll, useFreshBackend, type ResolvedOptions } from './harness.js';

/** Bytes a careless backend would mangle: no trailing newline, CRLF, multi-byte UTF-8, a NUL-free but odd mix. */
const AWKWARD_BYTES = Buffer.from('{"version":4,\r\n"note":"Zürich → 東京 🌍",\t"x":"\\u003c"}', 'utf8');

export function registerCrudTests(options: ResolvedOptions): void {
  describe('workspaces and CRUD', () => {
    const backend = useFreshBackend(options);

    it('an empty backend lists only default, and default has no state', async () => {
      expect(await backend().listWorkspaces()).toEqual(['default']);
      expect(await backend().getState('default')).toBeUndefined();
      expect(await backend().readStream('default')).toBeUndefined();
    });

    it('init() is idempotent', async () => {
      await backend().putState('default', Buffer.from('kept'));
      await backend().init();
      expect((await backend().getState('default'))?.data.toString()).toBe('kept');
    });

    it('getState of a workspace that does not exist is undefined', async () => {
      expect(await backend().getState('never-created')).toBeUndefined();
      expect(await backend().readStream('never-created')).toBeUndefined();
    });

    it('putState then getState returns identical bytes for a Terraform-written state', async () => {
      const fixture = terraformFixtureState();
      const written = await backend().putState('default', fixture);
      expect(written.size).toBe(fixture.byteLength);
      const stored = await backend().getState('default');
      expect(stored).toBeDefined();
      expect(Buffer.compare(Buffer.from(stored?.data ?? []), fixture)).toBe(0);
    });

    it('bytes come back identical: CRLF, multi-byte UTF-8, no trailing newline', async () => {
      await backend().putState('default', AWKWARD_BYTES);
      expect((await backend().getState('default'))?.data.equals(AWKWARD_BYTES)).toBe(true);
    });

    it('a caller mutating its buffers does not change what is stored', async () => {
      const data = Buffer.from(terraformFixtureState());
      await backend().putState('default', data);
      data.fill(0x20);
      const first = await backend().getState('default');
      first?.data.fill(0x21);
      const second = await backend().getState('default');
      expect(second?.data.equals(terraformFixtureState())).toBe(true);
    });

    it('putState overwrites, deleteState removes', async () => {
      await backend().putState('default', Buffer.from('one'));
      await backend().putState('default', Buffer.from('two'));
      expect((await backend().getState('default'))?.data.toString()).toBe('two');
      await backend().deleteState('default');
      expect(await backend().getState('default')).toBeUndefined();
      expect(await backend().listWorkspaces()).toEqual(['default']);
    });

    it('the revision changes when the content changes, and getState reports the one putState returned', async () => {
      const first = await backend().putState('default', Buffer.from('first'));
      expect((await backend().getState('default'))?.revision).toBe(first.revision);
      const second = await backend().putState('default', Buffer.from('second'));
      expect((await backend().getState('default'))?.revision).toBe(second.revision);
      // Revisions are optional for stores without compare-and-swap.
      if (first.revision === undefined && !backend().capabilities.compareAndSwap) return;
      expect(first.revision).toBeTypeOf('string');
      expect(second.revision).not.toBe(first.revision);
    });

    it('createWorkspace makes a listed workspace without a state; listing is default first, then sorted', async () => {
      for (const name of ['zeta', 'alpha', 'Beta', 'mid-1', 'alpha']) await backend().createWorkspace(name);
      await backend().putState('staging', Buffer.from('s'));
      expect(await backend().listWorkspaces()).toEqual(['default', 'Beta', 'alpha', 'mid-1', 'staging', 'zeta']);
      expect(await backend().getState('alpha')).toBeUndefined();
    });

    it('createWorkspace on an existing workspace keeps its state', async () => {
      await backend().putState('prod', Buffer.from('kept'));
      await backend().createWorkspace('prod');
      expect((await backend().getState('prod'))?.data.toString()).toBe('kept');
    });

    it('deleteWorkspace removes the workspace and its state', async () => {
      await backend().createWorkspace('empty');
      await backend().putState('full', Buffer.from('x'));
      await backend().deleteWorkspace('empty');
      await backend().deleteWorkspace('full');
      expect(await backend().listWorkspaces()).toEqual(['default']);
      expect(await backend().getState('full')).toBeUndefined();
    });

    it('deleting the default workspace is refused and keeps its state', async () => {
      await backend().putState('default', Buffer.from('kept'));
      await expectRejection(backend().deleteWorkspace('default'), 'TEMPEH_E_INVALID_WORKSPACE');
      expect((await backend().getState('default'))?.data.toString()).toBe('kept');
    });

    it('workspaces are independent', async () => {
      await backend().putState('a', Buffer.from('in a'));
      await backend().putState('b', Buffer.from('in b'));
      await backend().deleteState('a');
      expect(await backend().getState('a')).toBeUndefined();
      expect((await backend().getState('b'))?.data.toString()).toBe('in b');
    });

    it('writeStream then readStream round-trips bytes, size and revision', async () => {
      const fixture = terraformFixtureState();
      const written = await backend().writeStream('default', chunked(fixture, 1000), { size: fixture.byteLength });
      expect(written.size).toBe(fixture.byteLength);
      const handle = await backend().readStream('default');
      expect(handle).toBeDefined();
      if (!handle) return;
      expect(handle.revision).toBe(written.revision);
      if (handle.size !== undefined) expect(handle.size).toBe(fixture.byteLength);
      expect((await readAll(handle.stream)).equals(fixture)).toBe(true);
      // Streams and whole-buffer calls see the same store.
      expect((await backend().getState('default'))?.data.equals(fixture)).toBe(true);
    });

    it('readStream with revision: false reads the same bytes (the revision may be left out)', async () => {
      const fixture = terraformFixtureState();
      const written = await backend().writeStream('default', chunked(fixture, 1000), { size: fixture.byteLength });
      const handle = await backend().readStream('default', { revision: false });
      expect(handle).toBeDefined();
      if (!handle) return;
      if (handle.revision !== undefined) expect(handle.revision).toBe(written.revision);
      expect((await readAll(handle.stream)).equals(fixture)).toBe(true);
    });

    it('putState then readStream, and writeStream then getState, agree', async () => {
      await backend().putState('a', AWKWARD_BYTES);
      const handle = await backend().readStream('a');
      expect(handle && (await readAll(handle.stream)).equals(AWKWARD_BYTES)).toBe(true);
      await backend().writeStream('b', chunked(AWKWARD_BYTES, 3));
      expect((await backend().getState('b'))?.data.equals(AWKWARD_BYTES)).toBe(true);
    });

    it('a writeStream whose source fails rejects with TEMPEH_E_IO and stores nothing', async () => {
      await backend().putState('default', Buffer.from('old'));
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield Buffer.from('{"half": ');
        throw new Error('the producer died');
      }
      await expectRejection(backend().writeStream('default', failing()), 'TEMPEH_E_IO');
      expect((await backend().getState('default'))?.data.toString()).toBe('old');
    });
  });
}
