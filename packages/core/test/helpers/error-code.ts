import { TempehError } from '../../src/errors.js';

/** The `code` of the TempehError `fn` throws; fails when it throws nothing or something else. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof TempehError) return err.code;
    throw err;
  }
  throw new Error('expected an error, nothing was thrown');
}
