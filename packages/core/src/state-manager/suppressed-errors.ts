import { toError } from '../errors.js';

const SUPPRESSED = 'suppressed';

/**
 * Records `suppressed` on `error` when a second failure happens while the
 * first is being handled (an unlock in `finally`, an error-hook observer),
 * so the first error is thrown and the second is not lost. Like
 * SuppressedError's `suppressed`, but keeps the original error object.
 */
export function attachSuppressed(error: unknown, suppressed: unknown): void {
  // A thrown primitive cannot carry a property; StateManager also reports
  // the suppressed error through hooks.error, so it is not lost there.
  if (typeof error !== 'object' || error === null || !Object.isExtensible(error)) return;
  const list = [...suppressedErrors(error), toError(suppressed)];
  Object.defineProperty(error, SUPPRESSED, { value: list, configurable: true, enumerable: false, writable: true });
}

/** Errors recorded on `error` by `attachSuppressed`, oldest first. */
export function suppressedErrors(error: unknown): readonly Error[] {
  if (typeof error !== 'object' || error === null) return [];
  const value: unknown = Reflect.get(error, SUPPRESSED);
  return Array.isArray(value) ? value.filter((item): item is Error => item instanceof Error) : [];
}
