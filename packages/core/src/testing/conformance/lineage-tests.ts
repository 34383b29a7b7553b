import { describe, expect, it } from 'vitest';
import { Kernel } from '../../kernel/kernel.js';
import { createState, parseState, serializeState } from '../../state/index.js';
import type { TerraformState } from '../../state/types.js';
import { StateManager } from '../../state-manager/state-manager.js';
import { terraformFixtureState } from '../fixture-state.js';
import { expectRejection, lockRequest, useFreshBackend, type ResolvedOptions } from './harness.js';

const OTHER_LINEAGE = '0badc0de-0000-4000-8000-000000000001';

/**
 * Terraform's rules for replacing a stored state, enforced by StateManager
 * over the backend under test: the backend must hand back exactly what was
 * stored (bytes and revision) for the rules to hold.
 */
export function registerLineageTests(options: ResolvedOptions): void {
  describe("Terraform's lineage and serial rules, through StateManager", () => {
    const backend = useFreshBackend(options);
    const workspace = 'lineage';

    function manager(): StateManager {
      return new StateManager({ kernel: new Kernel(), backend: backend() });
    }

    /** The stored state: a real Terraform-written one, stored as Terraform wrote it. */
    async function storeFixture(): Promise<TerraformState> {
      await backend().putState(workspace, terraformFixtureState());
      return parseState(terraformFixtureState());
    }

    /** A fresh copy of the fixture state with `change` applied. */
    function variant(change: (state: TerraformState) => void): TerraformState {
      const state = parseState(terraformFixtureState());
      change(state);
      return state;
    }

    function withOtherContent(state: TerraformState): void {
      state.outputs['conformance_marker'] = { value: 'changed', type: 'string' };
    }

    async function expectStoredIsFixture(): Promise<void> {
      expect((await backend().getState(workspace))?.data.equals(terraformFixtureState())).toBe(true);
    }

    it('load returns the stored Terraform state and its revision', async () => {
      const stored = await storeFixture();
      const loaded = await manager().load(workspace);
      expect(loaded?.state.lineage).toBe(stored.lineage);
      expect(loaded?.state.serial).toBe(stored.serial);
      expect(loaded?.revision).toBe((await backend().getState(workspace))?.revision);
      expect(serializeState(loaded?.state ?? createState()).equals(terraformFixtureState())).toBe(true);
    });

    it('a different lineage is refused with TEMPEH_E_CONFLICT and the bytes are unchanged', async () => {
      await storeFixture();
      const next = variant((s) => {
        s.lineage = OTHER_LINEAGE;
        s.serial += 1;
      });
      const { error } = await expectRejection(manager().save(workspace, next), 'TEMPEH_E_CONFLICT');
      expect(Reflect.get(error, 'reason')).toBe('lineage');
      await expectStoredIsFixture();
    });

    it('a lower serial is refused with TEMPEH_E_CONFLICT and the bytes are unchanged', async () => {
      await storeFixture();
      const next = variant((s) => {
        s.serial -= 1;
        withOtherContent(s);
      });
      const { error } = await expectRejection(manager().save(workspace, next), 'TEMPEH_E_CONFLICT');
      expect(Reflect.get(error, 'reason')).toBe('serial');
      await expectStoredIsFixture();
    });

    it('the same serial with other content is refused with TEMPEH_E_CONFLICT and the bytes are unchanged', async () => {
      await storeFixture();
      const { error } = await expectRejection(manager().save(workspace, variant(withOtherContent)), 'TEMPEH_E_CONFLICT');
      expect(Reflect.get(error, 'reason')).toBe('content');
      await expectStoredIsFixture();
    });

    it('the same serial with the same content is accepted as unchanged, and nothing is written', async () => {
      await storeFixture();
      const before = await backend().getState(workspace);
      const result = await manager().save(workspace, variant(() => undefined));
      expect(result.unchanged).toBe(true);
      const after = await backend().getState(workspace);
      expect(after?.revision).toBe(before?.revision);
      await expectStoredIsFixture();
    });

    it('a higher serial is accepted and stored in Terraform layout', async () => {
      await storeFixture();
      const next = variant((s) => {
        s.serial += 1;
        withOtherContent(s);
      });
      const result = await manager().save(workspace, next);
      expect(result.unchanged).toBe(false);
      const stored = await backend().getState(workspace);
      expect(stored?.data.equals(serializeState(next))).toBe(true);
      expect(stored?.revision).toBe(result.revision);
      expect((await manager().load(workspace))?.state.serial).toBe(next.serial);
    });

    it('force overrides the lineage, serial and content rules', async () => {
      await storeFixture();
      const older = variant((s) => {
        s.lineage = OTHER_LINEAGE;
        s.serial = 1;
        withOtherContent(s);
      });
      const result = await manager().save(workspace, older, { force: true });
      expect(result.unchanged).toBe(false);
      expect((await backend().getState(workspace))?.data.equals(serializeState(older))).toBe(true);
    });

    it('a first save to a workspace without a state is accepted', async () => {
      const fresh = createState({ serial: 1 });
      await manager().save('brand-new', fresh);
      expect((await backend().getState('brand-new'))?.data.equals(serializeState(fresh))).toBe(true);
    });

    it('an empty stored state (no resources, no outputs) may be replaced by another lineage, as in Terraform', async () => {
      await backend().putState(workspace, serializeState(createState({ serial: 5 })));
      const next = variant(() => undefined);
      await manager().save(workspace, next);
      await expectStoredIsFixture();
    });

    it("save under the caller's own lock works; while someone else holds the lock it is refused and nothing changes", async () => {
      await storeFixture();
      const next = variant((s) => {
        s.serial += 1;
        withOtherContent(s);
      });
      const foreign = await backend().lock(workspace, lockRequest('other@ci'));
      await expectRejection(manager().save(workspace, next), 'TEMPEH_E_LOCKED');
      await expectRejection(manager().save(workspace, next, { lockId: 'not-mine' }), 'TEMPEH_E_LOCK_MISMATCH', 'TEMPEH_E_LOCKED');
      await expectStoredIsFixture();
      await backend().unlock(workspace, foreign.ID);

      const states = manager();
      await states.withLock(workspace, { operation: 'OperationTypeApply' }, async (lock) => {
        const result = await states.save(workspace, next, { lockId: lock.ID });
        expect(result.unchanged).toBe(false);
      });
      expect((await backend().getState(workspace))?.data.equals(serializeState(next))).toBe(true);
      expect(await backend().getLock(workspace)).toBeUndefined();
    });
  });
}
