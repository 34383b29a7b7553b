import { Kernel, MemoryBackend, StateManager, createState, serializeState } from '@tempeh/core';
import { expect, it } from 'vitest';
import { migrateWorkspace } from '../src/index.js';

// No server needed: migrateWorkspace works between any two backends; memory ones show what it does with StateManagers.
it('a StateManager side takes its lock through the kernel, so lock hooks see both locks, and releases them', async () => {
  const kernel = new Kernel();
  const seen: string[] = [];
  kernel.hooks.afterLock.tap('audit', (lock, context) => void seen.push(`lock ${context.backend === source.backend ? 'source' : 'target'} ${lock.Operation}`));
  kernel.hooks.afterUnlock.tap('audit', (_id, context) => void seen.push(`unlock ${context.backend === source.backend ? 'source' : 'target'}`));
  const source = new StateManager({ kernel, backend: new MemoryBackend() });
  const target = new StateManager({ kernel, backend: new MemoryBackend() });
  await source.save('default', createState());
  seen.length = 0; // the save's own lock

  const result = await migrateWorkspace(source, target, { workspace: 'default' });

  expect(seen).toEqual(['lock source OperationTypeMigrate', 'lock target OperationTypeMigrate', 'unlock target', 'unlock source']);
  expect(await source.getLock('default')).toBeUndefined();
  expect(await target.getLock('default')).toBeUndefined();
  expect((await target.load('default'))?.state).toEqual((await source.load('default'))?.state);
  expect(result.size).toBeGreaterThan(0);
  expect(serializeState((await target.load('default'))!.state).length).toBe(result.size);
});
