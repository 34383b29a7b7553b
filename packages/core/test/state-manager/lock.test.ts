import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CancelledError, IoError, LockedError, PluginError, type TempehError } from '../../src/errors.js';
import { Kernel } from '../../src/kernel/index.js';
import { createState } from '../../src/state/index.js';
import { MemoryBackend } from '../../src/backend/memory-backend.js';
import type { StateReadHandle } from '../../src/backend/types.js';
import { LockOperation, StateManager, defaultWho, suppressedErrors } from '../../src/state-manager/index.js';
import { rejectionOf } from '../kernel/rejection.js';
import { setup } from './setup.js';

const PACKAGE_VERSION: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

describe('StateManager.lock', () => {
  it("fills Terraform's LockInfo", async () => {
    const s = setup();
    const lock = await s.manager.lock('default');
    expect(lock.ID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(lock.Operation).toBe('OperationTypeInvalid');
    expect(lock.Info).toBe('');
    expect(lock.Who).toBe('tester@test-host');
    expect(lock.Version).toBe(PACKAGE_VERSION);
    expect(new Date(lock.Created).toISOString()).toBe(lock.Created);
    expect(lock.Path).toBe('memory:default');
    expect((await s.manager.getLock('default'))?.info).toEqual(lock);
  });

  it('takes operation, info and ID from the request; Who defaults to user@host', async () => {
    const kernel = new Kernel();
    const manager = new StateManager({ kernel, backend: new MemoryBackend(), version: '9.9.9' });
    const lock = await manager.lock('staging', { operation: LockOperation.apply, info: 'deploy #12', id: 'fixed-id' });
    expect(lock).toMatchObject({ ID: 'fixed-id', Operation: 'OperationTypeApply', Info: 'deploy #12', Version: '9.9.9', Who: defaultWho() });
    expect(defaultWho()).toMatch(/^.+@.+$/);
  });

  it('a beforeLock tap may amend the request', async () => {
    const s = setup();
    s.kernel.hooks.beforeLock.tap('ci-info', (request, context) => ({ ...request, Info: `pipeline 42 on ${context.workspace}` }));
    expect((await s.manager.lock('prod')).Info).toBe('pipeline 42 on prod');
  });

  it('a held lock is TEMPEH_E_LOCKED with the holder; timeout 0 tries once', async () => {
    const s = setup();
    const holder = await s.manager.lock('default', { operation: LockOperation.apply });
    s.calls.length = 0;
    const error = await rejectionOf(s.manager.lock('default'), LockedError);
    expect(error.code).toBe('TEMPEH_E_LOCKED');
    expect(error.lock).toEqual(holder);
    expect(s.calls.filter((c) => c === 'backend.lock')).toHaveLength(1);
  });

  it('with a timeout, retries until the holder lets go', async () => {
    const s = setup();
    const holder = await s.manager.lock('default');
    let attempts = 0;
    s.backend.calls.length = 0;
    const waiting = s.manager.lock('default', {}, { timeoutMs: 30_000, retryMs: 2 });
    // Release once the waiter has been refused at least twice.
    while (attempts < 2) {
      await new Promise((resolve) => setImmediate(resolve));
      attempts = s.calls.filter((c) => c === 'backend.lock').length;
    }
    await s.manager.unlock('default', holder.ID);
    const lock = await waiting;
    expect(lock.ID).not.toBe(holder.ID);
    expect((await s.manager.getLock('default'))?.info?.ID).toBe(lock.ID);
  });

  it('with a timeout that runs out, rethrows the last LockedError', async () => {
    const s = setup();
    await s.manager.lock('default');
    s.calls.length = 0;
    const error = await rejectionOf(s.manager.lock('default', {}, { timeoutMs: 20, retryMs: 1 }), LockedError);
    expect(error.code).toBe('TEMPEH_E_LOCKED');
    expect(s.calls.filter((c) => c === 'backend.lock').length).toBeGreaterThan(1);
  });

  it('an aborted signal ends the wait with CancelledError, and an already aborted one makes no attempt', async () => {
    const s = setup();
    const holder = await s.manager.lock('default');
    const abort = new AbortController();
    s.calls.length = 0;
    const waiting = rejectionOf(s.manager.lock('default', {}, { timeoutMs: 60_000, retryMs: 1_000, signal: abort.signal }), CancelledError);
    while (!s.calls.includes('backend.lock')) await new Promise((resolve) => setImmediate(resolve));
    abort.abort();
    const error = await waiting;
    expect(error.code).toBe('TEMPEH_E_CANCELLED');
    expect(error.message).toBe("taking the lock on workspace 'default' was cancelled");
    expect((await s.manager.getLock('default'))?.info?.ID).toBe(holder.ID);

    s.calls.length = 0;
    await rejectionOf(s.manager.lock('default', {}, { signal: abort.signal }), CancelledError);
    expect(s.calls.filter((c) => c === 'backend.lock')).toHaveLength(0);
  });

  it('an afterLock tap that fails releases the lock it was told about', async () => {
    const s = setup();
    s.kernel.hooks.afterLock.tap('audit', () => {
      throw new Error('audit log unavailable');
    });
    const error = await rejectionOf(s.manager.lock('default'), PluginError);
    expect([error.plugin, error.hook]).toEqual(['audit', 'afterLock']);
    expect(await s.manager.getLock('default')).toBeUndefined();
  });

  it('unlock with a wrong ID or without a lock', async () => {
    const s = setup();
    expect((await rejectionOf(s.manager.unlock('default', 'x'))).code).toBe('TEMPEH_E_NOT_LOCKED');
    await s.manager.lock('default');
    expect((await rejectionOf(s.manager.unlock('default', 'x'))).code).toBe('TEMPEH_E_LOCK_MISMATCH');
  });

  it('forceUnlock tells the hooks it is forced', async () => {
    const s = setup();
    const forced: boolean[] = [];
    s.kernel.hooks.beforeUnlock.tap('spy', (_id, context) => void forced.push(context.force));
    const a = await s.manager.lock('default');
    await s.manager.unlock('default', a.ID);
    const b = await s.manager.lock('default');
    await s.manager.forceUnlock('default', b.ID);
    expect(forced).toEqual([false, true]);
    expect(await s.manager.getLock('default')).toBeUndefined();
  });

  it('validates workspace names', async () => {
    const s = setup();
    expect((await rejectionOf(s.manager.lock('a/b'))).code).toBe('TEMPEH_E_INVALID_WORKSPACE');
    expect((await rejectionOf(s.manager.load(''))).code).toBe('TEMPEH_E_INVALID_WORKSPACE');
    expect((await rejectionOf(s.manager.createWorkspace('.tempeh-x'))).code).toBe('TEMPEH_E_INVALID_WORKSPACE');
    expect(s.calls).toEqual([]);
  });
});

describe('StateManager.withLock', () => {
  it('releases the lock after fn, and after fn throws (fn error unchanged)', async () => {
    const s = setup();
    expect(await s.manager.withLock('default', {}, async (lock) => lock.Operation)).toBe('OperationTypeInvalid');
    expect(await s.manager.getLock('default')).toBeUndefined();
    const mine = new Error('fn failed');
    await expect(s.manager.withLock('default', {}, async () => Promise.reject(mine))).rejects.toBe(mine);
    expect(await s.manager.getLock('default')).toBeUndefined();
  });

  it('when fn and the unlock both fail, fn error wins and carries the unlock error', async () => {
    const s = setup();
    const reported: TempehError[] = [];
    s.kernel.hooks.error.tap('collector', (error) => void reported.push(error));
    s.kernel.hooks.beforeUnlock.tap('refuses', () => {
      throw new Error('not now');
    });
    const mine = new Error('fn failed');
    await expect(s.manager.withLock('default', {}, async () => Promise.reject(mine))).rejects.toBe(mine);
    const [suppressed] = suppressedErrors(mine);
    expect(suppressed).toBeInstanceOf(PluginError);
    expect(reported).toEqual([suppressed]);
  });
});

describe('hooks.error', () => {
  it('sees every error StateManager throws, once, before it is thrown', async () => {
    const s = setup();
    const reported: { code: string; operation: string; workspace: string | undefined }[] = [];
    s.kernel.hooks.error.tap('collector', (error, context) =>
      void reported.push({ code: error.code, operation: context.operation, workspace: context.workspace }),
    );
    await s.manager.lock('default');
    await rejectionOf(s.manager.save('default', createState()));
    await rejectionOf(s.manager.unlock('default', 'wrong'));
    expect(reported).toEqual([
      { code: 'TEMPEH_E_LOCKED', operation: 'lock', workspace: 'default' },
      { code: 'TEMPEH_E_LOCK_MISMATCH', operation: 'unlock', workspace: 'default' },
    ]);
  });

  it('a failing observer does not replace the error; it is attached to it', async () => {
    const s = setup();
    s.kernel.hooks.error.tap('broken-observer', () => {
      throw new Error('metrics down');
    });
    const error = await rejectionOf(s.manager.unlock('default', 'x'));
    expect(error.code).toBe('TEMPEH_E_NOT_LOCKED');
    expect(suppressedErrors(error).map((e) => (e instanceof PluginError ? e.plugin : e.message))).toEqual(['broken-observer']);
  });

  it('an error that is not a TempehError arrives as TEMPEH_E_IO with the original as cause', async () => {
    const kernel = new Kernel();
    const cause = new Error('disk on fire');
    class BrokenBackend extends MemoryBackend {
      override async readStream(): Promise<StateReadHandle | undefined> {
        throw cause;
      }
    }
    const manager = new StateManager({ kernel, backend: new BrokenBackend() });
    const reported: TempehError[] = [];
    kernel.hooks.error.tap('collector', (error) => void reported.push(error));
    const error = await rejectionOf(manager.load('default'), IoError);
    expect(error.code).toBe('TEMPEH_E_IO');
    expect(error.cause).toBe(cause);
    expect(reported).toEqual([error]);
  });
});

describe('workspaces', () => {
  it('list, create and delete pass through', async () => {
    const s = setup();
    await s.manager.createWorkspace('staging');
    expect(await s.manager.listWorkspaces()).toEqual(['default', 'staging']);
    await s.manager.deleteWorkspace('staging');
    expect(await s.manager.listWorkspaces()).toEqual(['default']);
    expect((await rejectionOf(s.manager.deleteWorkspace('default'))).code).toBe('TEMPEH_E_INVALID_WORKSPACE');
  });
});
