import { describe, expect, it } from 'vitest';
import type { Kernel } from '../../src/kernel/index.js';
import { createState } from '../../src/state/index.js';
import { fixtureBytes, fixtureState, seed, setup } from './setup.js';

/** Taps every StateManager hook, recording its name into `calls` (the same array the backend records into). */
function recordHooks(kernel: Kernel, calls: string[]): void {
  const { hooks } = kernel;
  hooks.beforeLoad.tap('recorder', () => void calls.push('beforeLoad'));
  hooks.afterLoad.tap('recorder', (state) => {
    calls.push('afterLoad');
    return state;
  });
  hooks.beforeSave.tapPromise('recorder', async (state) => {
    calls.push('beforeSave');
    return state;
  });
  hooks.afterSave.tap('recorder', () => void calls.push('afterSave'));
  hooks.transformRead.tap('recorder', (stream) => {
    calls.push('transformRead');
    return stream;
  });
  hooks.transformWrite.tap('recorder', (stream) => {
    calls.push('transformWrite');
    return stream;
  });
  hooks.beforeLock.tap('recorder', (request) => {
    calls.push('beforeLock');
    return request;
  });
  hooks.afterLock.tap('recorder', () => void calls.push('afterLock'));
  hooks.beforeUnlock.tapAsync('recorder', (_id, _context, callback) => {
    calls.push('beforeUnlock');
    callback();
  });
  hooks.afterUnlock.tap('recorder', () => void calls.push('afterUnlock'));
  hooks.error.tap('recorder', (error) => void calls.push(`error:${error.code}`));
}

describe('hook order', () => {
  it('lock, then unlock', async () => {
    const s = setup();
    recordHooks(s.kernel, s.calls);
    const lock = await s.manager.lock('default');
    await s.manager.unlock('default', lock.ID);
    expect(s.calls).toEqual(['beforeLock', 'backend.lock', 'afterLock', 'beforeUnlock', 'backend.unlock', 'afterUnlock']);
  });

  it('forceUnlock runs the unlock hooks around backend.forceUnlock', async () => {
    const s = setup();
    const lock = await s.backend.lock('default', { Operation: '', Info: '', Who: 'gone@ci', Version: '', Created: '', Path: '' });
    recordHooks(s.kernel, s.calls);
    s.calls.length = 0;
    await s.manager.forceUnlock('default', lock.ID);
    expect(s.calls).toEqual(['beforeUnlock', 'backend.forceUnlock', 'afterUnlock']);
  });

  it('load', async () => {
    const s = setup();
    await seed(s, 'default', fixtureBytes('terraform.tfstate'));
    recordHooks(s.kernel, s.calls);
    const loaded = await s.manager.load('default');
    expect(s.calls).toEqual(['beforeLoad', 'backend.readStream', 'transformRead', 'afterLoad']);
    expect(loaded?.state.serial).toBe(30);
  });

  it('load of a workspace without a state stops after the read', async () => {
    const s = setup();
    recordHooks(s.kernel, s.calls);
    expect(await s.manager.load('default')).toBeUndefined();
    expect(s.calls).toEqual(['beforeLoad', 'backend.readStream']);
  });

  it('save without a lock ID takes the lock around the whole save', async () => {
    const s = setup();
    await seed(s, 'default', fixtureBytes('terraform.tfstate.backup'));
    recordHooks(s.kernel, s.calls);
    const result = await s.manager.save('default', fixtureState('terraform.tfstate'));
    expect(result.unchanged).toBe(false);
    expect(s.calls).toEqual([
      'beforeLock',
      'backend.lock',
      'afterLock',
      'backend.readStream',
      'transformRead',
      'beforeSave',
      'transformWrite',
      'backend.writeStream',
      'afterSave',
      'beforeUnlock',
      'backend.unlock',
      'afterUnlock',
    ]);
  });

  it('save with a held lock ID checks that lock and takes none', async () => {
    const s = setup();
    recordHooks(s.kernel, s.calls);
    const lock = await s.manager.lock('default');
    s.calls.length = 0;
    await s.manager.save('default', createState({ serial: 1 }), { lockId: lock.ID });
    expect(s.calls).toEqual(['backend.getLock', 'backend.readStream', 'beforeSave', 'transformWrite', 'backend.writeStream', 'afterSave']);
  });

  it('save of what is already stored runs no save hooks and writes nothing', async () => {
    const s = setup();
    await seed(s, 'default', fixtureBytes('terraform.tfstate'));
    recordHooks(s.kernel, s.calls);
    const result = await s.manager.save('default', fixtureState('terraform.tfstate'));
    expect(result.unchanged).toBe(true);
    expect(s.calls).toEqual([
      'beforeLock',
      'backend.lock',
      'afterLock',
      'backend.readStream',
      'transformRead',
      'beforeUnlock',
      'backend.unlock',
      'afterUnlock',
    ]);
  });

  it('a refused save reports the error once, after the lock is released, before it is thrown', async () => {
    const s = setup();
    await seed(s, 'default', fixtureBytes('terraform.tfstate'));
    recordHooks(s.kernel, s.calls);
    await expect(s.manager.save('default', fixtureState('terraform.tfstate.backup'))).rejects.toMatchObject({ code: 'TEMPEH_E_CONFLICT' });
    expect(s.calls).toEqual([
      'beforeLock',
      'backend.lock',
      'afterLock',
      'backend.readStream',
      'transformRead',
      'beforeUnlock',
      'backend.unlock',
      'afterUnlock',
      'error:TEMPEH_E_CONFLICT',
    ]);
  });
});
