import { describe, expect, it } from 'vitest';
import type { LockInfo } from '../../errors.js';
import { chunked, expectRejection, lockRequest, useFreshBackend, type ResolvedOptions } from './harness.js';

export function registerLockTests(options: ResolvedOptions): void {
  describe('locks', () => {
    const backend = useFreshBackend(options);

    it(`exactly one of ${options.contenders} concurrent lock attempts wins; the others get TEMPEH_E_LOCKED naming the winner`, async () => {
      const attempts = Array.from({ length: options.contenders }, (_, i) => backend().lock('default', lockRequest(`contender-${i}@ci`)));
      const outcomes = await Promise.allSettled(attempts);
      const winners = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      expect(winners).toHaveLength(1);
      const winner = winners[0];
      if (!winner) return;
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') continue;
        const { lock } = await expectRejection(Promise.reject(outcome.reason), 'TEMPEH_E_LOCKED');
        expect(lock?.ID).toBe(winner.ID);
        expect(lock?.Who).toBe(winner.Who);
      }
      expect((await backend().getLock('default'))?.info?.ID).toBe(winner.ID);
    });

    it('a second lock on a held workspace fails until the holder unlocks', async () => {
      const first = await backend().lock('default', lockRequest('first@ci'));
      const { lock } = await expectRejection(backend().lock('default', lockRequest('second@ci')), 'TEMPEH_E_LOCKED');
      expect(lock).toEqual(first);
      await backend().unlock('default', first.ID);
      const second = await backend().lock('default', lockRequest('second@ci'));
      expect(second.ID).not.toBe(first.ID);
      await backend().unlock('default', second.ID);
    });

    it('locks on different workspaces are independent', async () => {
      const a = await backend().lock('ws-a', lockRequest('a@ci'));
      const b = await backend().lock('ws-b', lockRequest('b@ci'));
      expect(a.ID).not.toBe(b.ID);
      await backend().unlock('ws-a', a.ID);
      expect((await backend().getLock('ws-b'))?.info?.ID).toBe(b.ID);
      expect(await backend().getLock('ws-a')).toBeUndefined();
      await backend().unlock('ws-b', b.ID);
    });

    it("lock info round-trips Terraform's fields, and getLock shows the holder", async () => {
      expect(await backend().getLock('default')).toBeUndefined();
      const request = lockRequest('root@vm', { Info: 'info with "quotes" & <angles>', Operation: 'OperationTypePlan' });
      const held = await backend().lock('default', request);
      expect(held.ID).toMatch(/\S/);
      const expected: LockInfo = { ID: held.ID, ...request };
      expect(held).toEqual(expected);
      const status = await backend().getLock('default');
      expect(status?.info).toEqual(expected);
      expect(status?.stale).toBe(false);
      await backend().unlock('default', held.ID);
      expect(await backend().getLock('default')).toBeUndefined();
    });

    it('a lock ID chosen by the caller is used, as Terraform clients choose their own', async () => {
      const ID = 'ef5f3518-1bd7-ce44-4096-12fa8d15aa9f';
      const held = await backend().lock('default', lockRequest('root@vm', { ID }));
      expect(held.ID).toBe(ID);
      expect((await backend().getLock('default'))?.info?.ID).toBe(ID);
      await backend().unlock('default', ID);
    });

    it('unlock with a wrong ID is refused with TEMPEH_E_LOCK_MISMATCH and the lock stays', async () => {
      const held = await backend().lock('default', lockRequest('holder@ci'));
      await expectRejection(backend().unlock('default', 'not-the-id'), 'TEMPEH_E_LOCK_MISMATCH');
      expect((await backend().getLock('default'))?.info?.ID).toBe(held.ID);
      await expectRejection(backend().lock('default', lockRequest('other@ci')), 'TEMPEH_E_LOCKED');
      await backend().unlock('default', held.ID);
    });

    it('unlock when not locked is refused with TEMPEH_E_NOT_LOCKED', async () => {
      await expectRejection(backend().unlock('default', 'any-id'), 'TEMPEH_E_NOT_LOCKED');
      const held = await backend().lock('default', lockRequest('holder@ci'));
      await backend().unlock('default', held.ID);
      await expectRejection(backend().unlock('default', held.ID), 'TEMPEH_E_NOT_LOCKED');
    });

    it('forceUnlock releases a lock held by someone else', async () => {
      const held = await backend().lock('default', lockRequest('gone@ci'));
      await backend().forceUnlock('default', held.ID);
      expect(await backend().getLock('default')).toBeUndefined();
      const next = await backend().lock('default', lockRequest('operator@ci'));
      await backend().unlock('default', next.ID);
    });

    it('a lock does not create a state or hide one', async () => {
      await backend().putState('default', Buffer.from('kept'));
      const held = await backend().lock('default', lockRequest('reader@ci'));
      expect((await backend().getState('default'))?.data.toString()).toBe('kept');
      await backend().unlock('default', held.ID);
      const other = await backend().lock('fresh', lockRequest('reader@ci'));
      expect(await backend().getState('fresh')).toBeUndefined();
      await backend().unlock('fresh', other.ID);
    });
  });

  describe('writes while locked', () => {
    const backend = useFreshBackend(options);
    const original = Buffer.from('{"original": true}\n');

    async function lockedByOther(): Promise<LockInfo> {
      await backend().putState('default', original);
      return backend().lock('default', lockRequest('holder@ci'));
    }

    async function expectUnchanged(): Promise<void> {
      expect((await backend().getState('default'))?.data.equals(original)).toBe(true);
    }

    it('the holder can write with its lock ID', async () => {
      const held = await lockedByOther();
      await backend().putState('default', Buffer.from('by holder'), { lockId: held.ID });
      await backend().writeStream('default', chunked(Buffer.from('by holder, streamed')), { lockId: held.ID });
      expect((await backend().getState('default'))?.data.toString()).toBe('by holder, streamed');
      await backend().unlock('default', held.ID);
    });

    it('putState with a foreign lockId is refused and the bytes are unchanged', async () => {
      const held = await lockedByOther();
      await expectRejection(backend().putState('default', Buffer.from('intruder'), { lockId: 'foreign' }), 'TEMPEH_E_LOCKED', 'TEMPEH_E_LOCK_MISMATCH');
      await expectUnchanged();
      await backend().unlock('default', held.ID);
    });

    it('putState without a lockId while someone holds the lock is refused and the bytes are unchanged', async () => {
      const held = await lockedByOther();
      await expectRejection(backend().putState('default', Buffer.from('intruder')), 'TEMPEH_E_LOCKED', 'TEMPEH_E_LOCK_MISMATCH');
      await expectUnchanged();
      await backend().unlock('default', held.ID);
    });

    it('writeStream with a foreign or missing lockId is refused and the bytes are unchanged', async () => {
      const held = await lockedByOther();
      const intruder = (): AsyncIterable<Uint8Array> => chunked(Buffer.from('intruder'));
      await expectRejection(backend().writeStream('default', intruder(), { lockId: 'foreign' }), 'TEMPEH_E_LOCKED', 'TEMPEH_E_LOCK_MISMATCH');
      await expectRejection(backend().writeStream('default', intruder()), 'TEMPEH_E_LOCKED', 'TEMPEH_E_LOCK_MISMATCH');
      await expectUnchanged();
      await backend().unlock('default', held.ID);
    });

    it('deleteState and deleteWorkspace under a foreign lock are refused and the state stays', async () => {
      await backend().putState('prod', original);
      const held = await backend().lock('prod', lockRequest('holder@ci'));
      await expectRejection(backend().deleteState('prod'), 'TEMPEH_E_LOCKED', 'TEMPEH_E_LOCK_MISMATCH');
      await expectRejection(backend().deleteState('prod', { lockId: 'foreign' }), 'TEMPEH_E_LOCKED', 'TEMPEH_E_LOCK_MISMATCH');
      await expectRejection(backend().deleteWorkspace('prod'), 'TEMPEH_E_LOCKED', 'TEMPEH_E_LOCK_MISMATCH');
      expect((await backend().getState('prod'))?.data.equals(original)).toBe(true);
      await backend().deleteState('prod', { lockId: held.ID });
      expect(await backend().getState('prod')).toBeUndefined();
      await backend().unlock('prod', held.ID);
    });

    it('a write naming a lockId when nothing is held is refused with TEMPEH_E_NOT_LOCKED (the writer lost its lock)', async () => {
      const held = await lockedByOther();
      await backend().forceUnlock('default', held.ID);
      await expectRejection(backend().putState('default', Buffer.from('late'), { lockId: held.ID }), 'TEMPEH_E_NOT_LOCKED');
      await expectRejection(backend().writeStream('default', chunked(Buffer.from('late')), { lockId: held.ID }), 'TEMPEH_E_NOT_LOCKED');
      await expectUnchanged();
    });

    it('after forceUnlock, writes without a lockId are accepted again', async () => {
      const held = await lockedByOther();
      await backend().forceUnlock('default', held.ID);
      await backend().putState('default', Buffer.from('after'));
      expect((await backend().getState('default'))?.data.toString()).toBe('after');
    });
  });
}
