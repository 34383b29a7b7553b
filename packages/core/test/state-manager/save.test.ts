import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidStateError, PluginError } from '../../src/errors.js';
import { createState, formatState, parseState } from '../../src/state/index.js';
import type { TerraformState } from '../../src/state/types.js';
import { rejectionOf } from '../kernel/rejection.js';
import { copyState, fixtureBytes, fixtureState, seed, setup, type Setup } from './setup.js';

const CURRENT = 'terraform.tfstate'; // serial 30
const OLDER = 'terraform.tfstate.backup'; // serial 21, same lineage
const STAGING = 'terraform.tfstate.d/staging/terraform.tfstate'; // another lineage

async function storedBytes(s: Setup, workspace = 'default'): Promise<Buffer | undefined> {
  return (await s.backend.getState(workspace))?.data;
}

/** Seeds `default` with the serial-30 fixture and returns its exact bytes. */
async function seedCurrent(s: Setup): Promise<Buffer> {
  const bytes = fixtureBytes(CURRENT);
  await seed(s, 'default', bytes);
  return bytes;
}

/** The serial-30 state with one output changed and the serial unchanged. */
function forkOfCurrent(): TerraformState {
  const state = copyState(fixtureState(CURRENT));
  state.outputs['forked'] = { value: 'yes', type: 'string' };
  return state;
}

describe('StateManager.save: Terraform\'s rules', () => {
  it('writes the state byte-exact as Terraform would, and load reads it back', async () => {
    const s = setup();
    const result = await s.manager.save('default', fixtureState(CURRENT));
    expect(result.unchanged).toBe(false);
    expect((await storedBytes(s))?.equals(fixtureBytes(CURRENT))).toBe(true);
    expect(result.size).toBe(fixtureBytes(CURRENT).byteLength);
    const loaded = await s.manager.load('default');
    expect(loaded?.revision).toBe(result.revision);
    expect(loaded?.size).toBe(fixtureBytes(CURRENT).byteLength);
    expect(loaded && formatState(loaded.state)).toBe(fixtureBytes(CURRENT).toString('utf8'));
  });

  it('accepts a higher serial of the same lineage', async () => {
    const s = setup();
    await seed(s, 'default', fixtureBytes(OLDER));
    await s.manager.save('default', fixtureState(CURRENT));
    expect((await storedBytes(s))?.equals(fixtureBytes(CURRENT))).toBe(true);
  });

  it('refuses another lineage (TEMPEH_E_CONFLICT, lineage) and leaves the bytes alone', async () => {
    const s = setup();
    const before = await seedCurrent(s);
    const error = await rejectionOf(s.manager.save('default', fixtureState(STAGING)), ConflictError);
    expect(error.code).toBe('TEMPEH_E_CONFLICT');
    expect(error.reason).toBe('lineage');
    expect((await storedBytes(s))?.equals(before)).toBe(true);
    expect(await s.backend.getLock('default')).toBeUndefined();
  });

  it('refuses a lower serial (serial)', async () => {
    const s = setup();
    const before = await seedCurrent(s);
    const error = await rejectionOf(s.manager.save('default', fixtureState(OLDER)), ConflictError);
    expect([error.code, error.reason]).toEqual(['TEMPEH_E_CONFLICT', 'serial']);
    expect((await storedBytes(s))?.equals(before)).toBe(true);
  });

  it('refuses the same serial with other content (content)', async () => {
    const s = setup();
    const before = await seedCurrent(s);
    const error = await rejectionOf(s.manager.save('default', forkOfCurrent()), ConflictError);
    expect([error.code, error.reason]).toEqual(['TEMPEH_E_CONFLICT', 'content']);
    expect((await storedBytes(s))?.equals(before)).toBe(true);
  });

  it('the same serial and content is a successful no-op', async () => {
    const s = setup();
    const before = await seedCurrent(s);
    const revision = (await s.backend.getState('default'))?.revision;
    const result = await s.manager.save('default', fixtureState(CURRENT));
    expect(result.unchanged).toBe(true);
    expect(result.revision).toBe(revision);
    expect(s.calls).not.toContain('backend.putState');
    expect(s.calls).not.toContain('backend.writeStream');
    expect((await storedBytes(s))?.equals(before)).toBe(true);
  });

  it('only terraform_version differing counts as the same content, as in Terraform', async () => {
    const s = setup();
    await seedCurrent(s);
    const state = copyState(fixtureState(CURRENT));
    state.terraform_version = '1.12.0';
    expect((await s.manager.save('default', state)).unchanged).toBe(true);
  });

  it('an empty stored state may be replaced by any state, as `terraform workspace new` then `state push`', async () => {
    const s = setup();
    await s.manager.save('default', createState({ serial: 5 }));
    await s.manager.save('default', fixtureState(OLDER));
    expect((await storedBytes(s))?.equals(fixtureBytes(OLDER))).toBe(true);
  });

  it('force skips every rule', async () => {
    const s = setup();
    await seedCurrent(s);
    await s.manager.save('default', forkOfCurrent(), { force: true });
    await s.manager.save('default', fixtureState(OLDER), { force: true });
    expect((await storedBytes(s))?.equals(fixtureBytes(OLDER))).toBe(true);
    await s.manager.save('default', fixtureState(STAGING), { force: true });
    expect((await storedBytes(s))?.equals(fixtureBytes(STAGING))).toBe(true);
  });

  it('a stored state that does not parse is refused, and overwritten only with force (previous undefined)', async () => {
    const s = setup();
    await seed(s, 'default', Buffer.from('{"version": 4, "half'));
    expect((await rejectionOf(s.manager.save('default', fixtureState(CURRENT)))).code).toBe('TEMPEH_E_INVALID_STATE');
    const previous: unknown[] = [];
    s.kernel.hooks.beforeSave.tap('spy', (state, context) => {
      previous.push(context.previous);
      return state;
    });
    await s.manager.save('default', fixtureState(CURRENT), { force: true });
    expect(previous).toEqual([undefined]);
    expect((await storedBytes(s))?.equals(fixtureBytes(CURRENT))).toBe(true);
  });

  it('refuses an invalid state before taking the lock', async () => {
    const s = setup();
    const garbage = { ...createState(), serial: -1 };
    expect((await rejectionOf(s.manager.save('default', garbage), InvalidStateError)).code).toBe('TEMPEH_E_INVALID_STATE');
    expect(s.calls).toEqual([]);
  });
});

describe('StateManager.save: failures before the write leave the stored bytes identical', () => {
  it('a beforeSave tap that throws', async () => {
    const s = setup();
    const before = await seedCurrent(s);
    const cause = new Error('policy says no');
    s.kernel.hooks.beforeSave.tapPromise('policy', async () => {
      throw cause;
    });
    const next = copyState(fixtureState(CURRENT));
    next.serial = 31;
    const error = await rejectionOf(s.manager.save('default', next), PluginError);
    expect([error.code, error.plugin, error.hook, error.cause]).toEqual(['PLUGIN_ERROR', 'policy', 'beforeSave', cause]);
    expect((await storedBytes(s))?.equals(before)).toBe(true);
    expect(await s.backend.getLock('default')).toBeUndefined();
  });

  it('a beforeSave tap that returns an invalid state', async () => {
    const s = setup();
    const before = await seedCurrent(s);
    // JSON.parse is untyped, as a JavaScript plugin is: the schema check must catch what types would have.
    s.kernel.hooks.beforeSave.tap('vandal', (state) => ({ ...state, resources: JSON.parse('[{"mode": "sideways"}]') }));
    const next = copyState(fixtureState(CURRENT));
    next.serial = 31;
    const error = await rejectionOf(s.manager.save('default', next), InvalidStateError);
    expect(error.code).toBe('TEMPEH_E_INVALID_STATE');
    expect(error.location).toMatch(/^resources\.0\./);
    expect((await storedBytes(s))?.equals(before)).toBe(true);
  });

  it('a beforeSave tap may transform the state, and that is what is stored', async () => {
    const s = setup();
    s.kernel.hooks.beforeSave.tap('stamp', (state) => ({ ...state, terraform_version: '1.11.5' }));
    const result = await s.manager.save('default', createState({ serial: 1 }));
    expect(result.state.terraform_version).toBe('1.11.5');
    const stored = await storedBytes(s);
    expect(stored && parseState(stored).terraform_version).toBe('1.11.5');
  });

  it('a write that lost the race is a revision conflict (compare-and-swap on the revision read)', async () => {
    const s = setup();
    await seed(s, 'default', fixtureBytes(OLDER));
    // Another writer that ignores the lock protocol but holds the lock ID (e.g. a second process of the same run).
    s.kernel.hooks.beforeSave.tapPromise('racer', async (state, context) => {
      await s.backend.putState('default', Buffer.from('{}'), { lockId: context.lockId });
      return state;
    });
    const error = await rejectionOf(s.manager.save('default', fixtureState(CURRENT)), ConflictError);
    expect(error.reason).toBe('revision');
    expect((await storedBytes(s))?.toString()).toBe('{}');
  });

  it('a lock ID that is not held is refused before any hook runs', async () => {
    const s = setup();
    const ran: string[] = [];
    s.kernel.hooks.beforeSave.tap('spy', (state) => {
      ran.push('beforeSave');
      return state;
    });
    expect((await rejectionOf(s.manager.save('default', createState(), { lockId: 'nobody' }))).code).toBe('TEMPEH_E_NOT_LOCKED');
    await s.manager.lock('default');
    expect((await rejectionOf(s.manager.save('default', createState(), { lockId: 'wrong' }))).code).toBe('TEMPEH_E_LOCK_MISMATCH');
    expect(ran).toEqual([]);
  });

  it('save without a lock ID while someone else holds the lock is TEMPEH_E_LOCKED', async () => {
    const s = setup();
    const holder = await s.manager.lock('default', { operation: 'OperationTypeApply' });
    const error = await rejectionOf(s.manager.save('default', createState()));
    expect(error.code).toBe('TEMPEH_E_LOCKED');
    expect((await s.backend.getLock('default'))?.info?.ID).toBe(holder.ID);
  });

  it('afterSave runs after the write committed, with the revision written', async () => {
    const s = setup();
    const seen: { stored: string | undefined; revision: string | undefined }[] = [];
    s.kernel.hooks.afterSave.tapPromise('notify', async (_state, context) => {
      seen.push({ stored: (await s.backend.getState('default'))?.revision, revision: context.revision });
    });
    const result = await s.manager.save('default', createState({ serial: 1 }));
    expect(seen).toEqual([{ stored: result.revision, revision: result.revision }]);
  });
});
