import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { CancelledError, IoError, WorkerCrashedError, isTempehError } from '../../errors.js';
import type { ElementChain } from '../splitter/terraform-layout.js';
import type { BatchReply, BatchRequest, ScanRequest, WorkerTask } from '../worker/messages.js';
import { decodeResults } from '../worker/result-codec.js';
import { InFlightLimit } from './in-flight-limit.js';
import { toPackedBatch, type BatchInput, type FileBatch } from './raw-batch.js';
import { taskFailureToError, toTaskResults, type TaskResults } from './task-results.js';
import { workerEntryFile } from './worker-location.js';

export interface EnginePoolOptions {
  /** Worker threads. Default: `os.availableParallelism()`. */
  threads?: number;
  /** The tasks run on every resource, in this order; `TaskResults.values[t]` is `tasks[t]`'s result. */
  tasks: readonly WorkerTask[];
  /**
   * Batches sent and not yet answered, at most; further `run` calls wait.
   * Default: twice the threads, so each worker has its next batch queued.
   */
  maxInFlight?: number;
  /**
   * Called when a worker dies while idle (a task's stray timer threw after
   * its batch was answered). No batch is affected and the pool replaces the
   * thread. Default: ignore.
   */
  onIdleWorkerError?: (error: WorkerCrashedError) => void;
  /**
   * V8 heap limits of each worker. Default: `DEFAULT_WORKER_RESOURCE_LIMITS`
   * (a small young generation; the old generation keeps V8's default).
   */
  resourceLimits?: ResourceLimits;
}

/**
 * A batch's parse garbage dies young, so a small young generation costs a
 * few percent of speed (more frequent scavenges) and saves tens of MB of
 * resident memory per worker: measured on a 1 GB state with 2 workers, peak
 * RSS 276 MB with V8's default against 215 MB with 4 MB. The old generation
 * is left alone, so one very large resource still parses.
 */
export const DEFAULT_WORKER_RESOURCE_LIMITS: Readonly<ResourceLimits> = Object.freeze({ maxYoungGenerationSizeMb: 4 });

export interface RunOptions {
  /** Aborting rejects this run with CancelledError (TEMPEH_E_CANCELLED); a running batch's worker is replaced. */
  signal?: AbortSignal;
}

/**
 * A piscina pool that runs per-resource worker tasks over batches of raw
 * resource bytes. Each batch crosses to a worker as one transferred buffer;
 * results come back msgpack-encoded in another. Task failures arrive as
 * WorkerTaskError, a dead worker as WorkerCrashedError, an abort as
 * CancelledError; none of them leaves the pool unusable.
 *
 * Always `await pool.close()` when done.
 */
export class EnginePool {
  readonly threads: number;
  readonly tasks: readonly WorkerTask[];
  readonly #piscina: Piscina<BatchRequest | ScanRequest, unknown>;
  readonly #limit: InFlightLimit;
  #closing: Promise<void> | undefined;

  constructor(options: EnginePoolOptions) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.tasks = options.tasks.map((task) => ({ ...task }));
    this.#limit = new InFlightLimit(Math.max(1, options.maxInFlight ?? this.threads * 2));
    this.#piscina = new Piscina<BatchRequest | ScanRequest, unknown>({
      filename: workerEntryFile(),
      minThreads: this.threads,
      maxThreads: this.threads,
      // Workers stay up for the pool's life; close() ends them.
      idleTimeout: Number.POSITIVE_INFINITY,
      // Piscina's default ('sync') parks an idle worker in Atomics.wait, which
      // stalls its event loop: a task's stray timer would then fire inside
      // the next, innocent batch. 'async' keeps idle workers' loops running.
      atomics: 'async',
      resourceLimits: { ...(options.resourceLimits ?? DEFAULT_WORKER_RESOURCE_LIMITS) },
    });
    const onIdleWorkerError = options.onIdleWorkerError;
    // Piscina emits 'error' for a worker that fails with no task in flight;
    // without a listener, EventEmitter would throw it on the main thread.
    this.#piscina.on('error', (error: unknown) => onIdleWorkerError?.(new WorkerCrashedError(error)));
  }

  /** Batches sent to workers and not yet answered. */
  get inFlight(): number {
    return this.#limit.active;
  }

  /** `run` calls waiting for a free slot (backpressure). */
  get waiting(): number {
    return this.#limit.waiting;
  }

  /**
   * Runs every task on every resource of `batch` in one worker, and returns
   * one TaskResults per resource, in batch order. Waits first while
   * `maxInFlight` batches are in flight. The bytes reach the worker as one
   * transferred buffer: a PackedBatch's or OwnedBatch's own buffer (detached
   * here afterwards, so its views read as empty), or, for a RawResource[],
   * a packed copy that leaves the caller's bytes untouched.
   */
  async run(batch: BatchInput | FileBatch, options: RunOptions = {}): Promise<TaskResults[]> {
    if (this.#closing !== undefined) throw closedError();
    const signal = options.signal;
    await this.#limit.acquire(signal);
    try {
      if (this.#closing !== undefined) throw closedError();
      const fromFile = 'file' in batch;
      const packed = fromFile ? undefined : toPackedBatch(batch);
      const entries = fromFile ? batch.entries : (packed?.entries ?? []);
      const request: BatchRequest = fromFile
        ? { tasks: [...this.tasks], file: { ...batch.file }, entries: [...entries] }
        : { tasks: [...this.tasks], buffer: packed?.buffer, entries: [...entries] };
      let reply: unknown;
      try {
        reply = await this.#piscina.run(request, { transferList: packed ? [packed.buffer] : [], signal: signal ?? null });
      } catch (error) {
        throw this.#runFailure(error, signal);
      }
      if (!isBatchReply(reply)) throw new WorkerCrashedError(new Error('the worker answered with something that is not a batch reply'));
      if (!reply.ok) {
        if ('io' in reply) throw new IoError(`a worker could not read the state's bytes: ${reply.io.message}`, { hint: 'the state file changed or became unreadable while it was being read; run the command again' });
        throw taskFailureToError(reply.failure);
      }
      return toTaskResults(decodeResults(reply.results), entries, this.tasks.length);
    } finally {
      this.#limit.release();
    }
  }

  /**
   * Walks `resources` elements in Terraform's layout in a worker, reading
   * the bytes from `fd` (see scanElementChain): the engine's first pass
   * over a file it then hands out to the workers by byte range. Shares the
   * in-flight limit with `run`.
   */
  async scan(request: Omit<ScanRequest, 'kind'>, options: RunOptions = {}): Promise<ElementChain> {
    if (this.#closing !== undefined) throw closedError();
    const signal = options.signal;
    await this.#limit.acquire(signal);
    try {
      if (this.#closing !== undefined) throw closedError();
      const scanRequest: ScanRequest = { kind: 'scan', ...request };
      let reply: unknown;
      try {
        reply = await this.#piscina.run(scanRequest, { signal: signal ?? null });
      } catch (error) {
        throw this.#runFailure(error, signal);
      }
      if (typeof reply !== 'object' || reply === null || typeof Reflect.get(reply, 'ok') !== 'boolean') {
        throw new WorkerCrashedError(new Error('the worker answered a scan with something that is not a scan reply'));
      }
      return reply as ElementChain;
    } finally {
      this.#limit.release();
    }
  }

  /**
   * Stops the workers. Runs still waiting for a slot or in flight reject
   * with CancelledError. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#limit.rejectWaiting(closedError);
      await this.#piscina.destroy();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Our worker never throws (failures come back as data), so a rejection
   * from piscina is either an abort (the caller's signal, or close()) or
   * the thread dying under the task.
   */
  #runFailure(error: unknown, signal: AbortSignal | undefined): Error {
    if (isTempehError(error)) return error;
    const aborted = error instanceof Error && error.name === 'AbortError';
    if (aborted && signal?.aborted) return new CancelledError('the batch', { cause: error });
    if (aborted || this.#closing !== undefined) return closedError(error);
    return new WorkerCrashedError(error);
  }
}

function closedError(cause?: unknown): CancelledError {
  return new CancelledError('the batch', { cause: cause ?? new Error('the engine pool is closed'), hint: 'the pool was closed; create a new EnginePool to run more batches' });
}

function isBatchReply(value: unknown): value is BatchReply {
  if (typeof value !== 'object' || value === null) return false;
  const ok: unknown = Reflect.get(value, 'ok');
  if (ok === true) return Reflect.get(value, 'results') instanceof ArrayBuffer;
  return ok === false && (typeof Reflect.get(value, 'failure') === 'object' || typeof Reflect.get(value, 'io') === 'object');
}
