import { isTempehError, toError, type TempehError } from '../../src/errors.js';

/**
 * What `promise` rejected with, checked to be a TempehError, or an instance
 * of `errorClass` when given (then typed as one, so its fields can be read).
 */
export async function rejectionOf(promise: Promise<unknown>): Promise<TempehError>;
export async function rejectionOf<E extends Error>(promise: Promise<unknown>, errorClass: new (...args: never[]) => E): Promise<E>;
export async function rejectionOf(promise: Promise<unknown>, errorClass?: new (...args: never[]) => Error): Promise<Error> {
  let settled: { value: unknown } | undefined;
  try {
    settled = { value: await promise };
  } catch (error) {
    if (errorClass ? error instanceof errorClass : isTempehError(error)) return toError(error);
    throw new Error(`rejected with something else than ${errorClass?.name ?? 'a TempehError'}: ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a rejection, got ${String(settled.value)}`);
}

/** What `fn` threw, checked like `rejectionOf`. */
export function thrownBy<E extends Error>(fn: () => unknown, errorClass: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof errorClass) return error;
    throw new Error(`threw something else than ${errorClass.name}: ${String(error)}`, { cause: error });
  }
  throw new Error('expected a throw');
}
