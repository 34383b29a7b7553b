import { setTimeout as sleep } from 'node:timers/promises';
import type { StateBackend } from '../backend/types.js';

/**
 * One contender of a backend's contention test, run in a child process:
 * `rounds` times, take the lock of workspace `counter` (retrying while
 * someone else holds it), read the counter, write it back plus one under
 * the lock with compare-and-swap, and unlock. N processes × R rounds must
 * end at exactly N × R. Prints "done <name>", or the error's code and
 * message (and sets a non-zero exit code); closes the backend.
 */
export async function runCounterRounds(backend: StateBackend, rounds: number, name: string): Promise<void> {
  const request = { Operation: 'OperationTypeApply', Info: 'counter', Who: `${name}@test`, Version: 'test', Created: '', Path: '' };
  const lockPatiently = async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await backend.lock('counter', request);
      } catch (error) {
        if (!(error instanceof Error) || Reflect.get(error, 'code') !== 'TEMPEH_E_LOCKED') throw error;
        await sleep(2 + Math.random() * Math.min(50, 2 + attempt * 2));
      }
    }
  };
  try {
    for (let round = 0; round < rounds; round++) {
      const lock = await lockPatiently();
      try {
        const stored = await backend.getState('counter');
        const count: unknown = stored ? JSON.parse(stored.data.toString()).count : 0;
        await backend.putState('counter', Buffer.from(JSON.stringify({ count: Number(count) + 1 })), { lockId: lock.ID, ifRevision: stored?.revision ?? null });
      } finally {
        await backend.unlock('counter', lock.ID);
      }
    }
    process.stdout.write(`done ${name}\n`);
  } catch (error) {
    const code: unknown = error instanceof Error ? Reflect.get(error, 'code') : undefined;
    process.stdout.write(`${typeof code === 'string' ? code : 'ERROR'} ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await backend.close();
  }
}
