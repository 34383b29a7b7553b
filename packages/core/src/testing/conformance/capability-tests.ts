import { describe, expect, it } from 'vitest';
import { terraformFixtureState } from '../fixture-state.js';
import { useFreshBackend, type ResolvedOptions } from './harness.js';

export function registerCapabilityTests(options: ResolvedOptions): void {
  describe('capabilities', () => {
    const backend = useFreshBackend(options);

    it('advertises every capability flag as a boolean, and a type name', async () => {
      const { capabilities, type } = backend();
      expect(type).toMatch(/^[a-z][a-z0-9-]*$/);
      for (const flag of ['streaming', 'nativeLocks', 'compareAndSwap', 'versions'] as const) {
        expect(typeof capabilities[flag], `capabilities.${flag}`).toBe('boolean');
      }
    });

    it('has a versions API exactly when capabilities.versions is set', async () => {
      expect(backend().versions !== undefined).toBe(backend().capabilities.versions);
    });

    it('keeps earlier states readable through the versions API, hidden from listWorkspaces', async ({ skip }) => {
      const versions = backend().versions;
      if (!versions) return skip('the backend does not advertise versions');
      const first = terraformFixtureState();
      await backend().putState('default', first);
      await backend().putState('default', Buffer.from('{"version": 4}\n'));
      const listed = await versions.list('default');
      expect(listed.length).toBeGreaterThanOrEqual(1);
      const bodies = await Promise.all(listed.map(async (v) => (await versions.get('default', v.id)).data));
      expect(bodies.some((data) => Buffer.from(data).equals(first))).toBe(true);
      // History lives under the reserved `.tempeh` prefix or outside the
      // workspace namespace; either way listings do not show it.
      expect(await backend().listWorkspaces()).toEqual(['default']);
    });
  });
}
