import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IoError } from '../../errors.js';

// Piscina needs compiled JavaScript for the worker entry. From dist/ the
// worker sits next to this file's directory. When this file runs from src/
// (vitest transpiles TS on the fly, but worker threads get no such loader),
// the compiled copy in dist/ is used instead: run `npx tsc -b packages/core`
// first.

const candidates = [new URL('../worker/', import.meta.url), new URL('../../../dist/engine/worker/', import.meta.url)];

/** The directory URL (with a trailing slash) of the compiled worker files. */
export function workerDirectory(): URL {
  for (const candidate of candidates) {
    if (existsSync(fileURLToPath(new URL('batch.worker.js', candidate)))) return candidate;
  }
  throw new IoError(`the compiled worker file engine/worker/batch.worker.js was not found next to ${fileURLToPath(import.meta.url)}`, {
    path: fileURLToPath(new URL('batch.worker.js', candidates[candidates.length - 1])),
    hint: 'build @tempeh/core first: npx tsc -b packages/core',
  });
}

/**
 * The compiled worker entry file, for piscina: a CommonJS file that imports
 * batch.worker.js (see batch-entry.cts for why piscina must not require() the
 * ES module itself).
 */
export function workerEntryFile(): string {
  return fileURLToPath(new URL('batch-entry.cjs', workerDirectory()));
}
