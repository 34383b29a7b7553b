import { describe, expect, it } from 'vitest';
import { chunked, expectRejection, useFreshBackend, type ResolvedOptions } from './harness.js';

/** Compare-and-swap on `ifRevision`, for backends that advertise `capabilities.compareAndSwap`. */
export function registerRevisionTests(options: ResolvedOptions): void {
  describe('compare-and-swap (capabilities.compareAndSwap)', () => {
    const backend = useFreshBackend(options);

    // The capability is only known once a backend exists, so each test
    // checks it and skips itself, with the reason, when it is not offered.
    it('ifRevision null writes only when there is no state', async ({ skip }) => {
      skip(!backend().capabilities.compareAndSwap, 'the backend does not advertise compareAndSwap');
      const created = await backend().putState('default', Buffer.from('first'), { ifRevision: null });
      expect(created.revision).toBeTypeOf('string');
      const { error } = await expectRejection(backend().putState('default', Buffer.from('second'), { ifRevision: null }), 'TEMPEH_E_CONFLICT');
      expect(Reflect.get(error, 'reason')).toBe('revision');
      expect((await backend().getState('default'))?.data.toString()).toBe('first');
    });

    it('the current revision is accepted and yields a new one', async ({ skip }) => {
      skip(!backend().capabilities.compareAndSwap, 'the backend does not advertise compareAndSwap');
      const first = await backend().putState('default', Buffer.from('first'));
      const second = await backend().putState('default', Buffer.from('second'), { ifRevision: first.revision ?? null });
      expect(second.revision).not.toBe(first.revision);
      const third = await backend().writeStream('default', chunked(Buffer.from('third')), { ifRevision: second.revision ?? null });
      expect((await backend().getState('default'))?.revision).toBe(third.revision);
    });

    it('a stale ifRevision is refused with TEMPEH_E_CONFLICT and the bytes are unchanged', async ({ skip }) => {
      skip(!backend().capabilities.compareAndSwap, 'the backend does not advertise compareAndSwap');
      const first = await backend().putState('default', Buffer.from('first'));
      await backend().putState('default', Buffer.from('second'));
      const stale = first.revision ?? null;
      await expectRejection(backend().putState('default', Buffer.from('lost update'), { ifRevision: stale }), 'TEMPEH_E_CONFLICT');
      await expectRejection(backend().writeStream('default', chunked(Buffer.from('lost update')), { ifRevision: stale }), 'TEMPEH_E_CONFLICT');
      expect((await backend().getState('default'))?.data.toString()).toBe('second');
    });

    it('of two writers holding the same revision, exactly one wins', async ({ skip }) => {
      skip(!backend().capabilities.compareAndSwap, 'the backend does not advertise compareAndSwap');
      const base = await backend().putState('default', Buffer.from('base'));
      const ifRevision = base.revision ?? null;
      const outcomes = await Promise.allSettled(
        ['left', 'right'].map((who) => backend().writeStream('default', chunked(Buffer.from(who), 1), { ifRevision })),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const outcome of outcomes) if (outcome.status === 'rejected') await expectRejection(Promise.reject(outcome.reason), 'TEMPEH_E_CONFLICT');
      expect(['left', 'right']).toContain((await backend().getState('default'))?.data.toString());
    });

    it('a revision that never existed is refused', async ({ skip }) => {
      skip(!backend().capabilities.compareAndSwap, 'the backend does not advertise compareAndSwap');
      await expectRejection(backend().putState('default', Buffer.from('x'), { ifRevision: 'no-such-revision' }), 'TEMPEH_E_CONFLICT');
      expect(await backend().getState('default')).toBeUndefined();
    });
  });
}
