import { CancelledError } from '../../errors.js';

/**
 * A counting semaphore: at most `limit` holders at once, the rest wait in
 * FIFO order. This is the pool's backpressure: a producer that awaits
 * `run()` cannot get more than `limit` batches ahead of the workers.
 */
export class InFlightLimit {
  readonly limit: number;
  #active = 0;
  readonly #waiting: { grant: () => void; reject: (error: Error) => void }[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves once a slot is free; rejects with CancelledError if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError('the batch', { cause: signal.reason }));
    if (this.#active < this.limit) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#active++;
          resolve();
        },
        reject: (error: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = (): void => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        waiter.reject(new CancelledError('the batch', { cause: signal?.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  release(): void {
    this.#active--;
    this.#waiting.shift()?.grant();
  }

  /** Rejects every waiter (the pool is closing). */
  rejectWaiting(error: () => Error): void {
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error());
  }
}
