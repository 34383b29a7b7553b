import { fileURLToPath } from 'node:url';

export { eventually, exitCode, killHard, readLines, spawnNode } from '@tempeh/core/testing';

/** Fixtures run as real node processes against the built package (dist/), so `tsc -b` must have run. */
export const LOCK_HOLDER = fileURLToPath(new URL('../fixtures/lock-holder.mjs', import.meta.url));
export const COUNTER_WORKER = fileURLToPath(new URL('../fixtures/counter-worker.mjs', import.meta.url));
