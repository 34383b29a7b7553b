import { CancelledError, UsageError } from '../errors.js';
import { EnginePool } from './pool/engine-pool.js';
import { runInProcess } from './pool/run-in-process.js';
import type { TaskResults } from './pool/task-results.js';
import { DEFAULT_BATCH_BYTES, splitState, type StateSplitter } from './splitter/split-state.js';
import type { ResourceBatch, SplitStateOptions, SplitSummary } from './splitter/types.js';
import type { WorkerTask } from './worker/messages.js';
import { planFile, type FilePlan } from './file-plan.js';
import type { FileBatch } from './pool/raw-batch.js';

/** Below this many input bytes a state is processed on the calling thread: starting workers would cost more than it saves. */
export const DEFAULT_IN_PROCESS_BELOW_BYTES = 8 * 1024 * 1024;

/** Where the tasks ran: on the calling thread, or in the worker pool. */
export type EngineMode = 'in-process' | 'pool';

/** Reported after each batch of results has been handed out. */
export interface EngineProgress {
  /** Input bytes read so far. */
  bytes: number;
  /** Resources whose results have been handed out so far. */
  resources: number;
}

export interface ProcessStateOptions {
  /** The tasks run on every resource; `TaskResults.values[t]` is `tasks[t]`'s result. Optional when `pool` is given (its tasks are used). */
  tasks?: readonly WorkerTask[];
  /** Worker threads of the pool this call starts. Default: the available cores. */
  threads?: number;
  /**
   * Process in-process, without workers, when the input is smaller than
   * this: known up front through `size`, or found out by reading up to
   * this many bytes before the first batch is dispatched (so up to this
   * much input is held while deciding; pass `size` to skip that). Default
   * 8 MiB; 0 always uses the pool.
   */
  inProcessBelowBytes?: number;
  /** The input's size in bytes, when known (a file's size, a backend's `StateReadHandle.size`). */
  size?: number;
  /** Aborting stops reading and rejects the iteration with CancelledError (TEMPEH_E_CANCELLED). */
  signal?: AbortSignal;
  /** Called after each batch of results. */
  onProgress?: (progress: EngineProgress) => void;
  /** A pool to reuse. It is left open; otherwise the pool this call starts is closed at the end, on error and on abort. */
  pool?: EnginePool;
  /** Batches dispatched and not yet handed out, at most. Default: twice the pool's threads. */
  maxInFlight?: number;
  /** Passed to the splitter (batch size, scanner). */
  split?: SplitStateOptions;
  /**
   * An open file descriptor holding exactly the bytes `source` yields,
   * readable by position from any thread of this process until `source` is
   * closed (the local backend's reads carry one as `fd`; by default it is
   * taken from `source.fd`). With one, a large input in Terraform's layout
   * goes to the pool by byte range: the workers read and cut the resources
   * themselves, and this thread reads only the top-level fields. Any other
   * layout is streamed as usual.
   */
  fd?: number;
  /** With `fd`: the stretch of the file each worker walks in the first pass. Default 4 MiB. */
  fileChunkBytes?: number;
}

/** Starts a pool when one is first needed; used by pipelines to share one pool across inputs. */
export type PoolProvider = () => EnginePool;

/**
 * Streams a state through per-resource worker tasks: the splitter cuts the
 * bytes into batches, each batch runs in the pool (or on this thread for a
 * small input), and the results come out one per resource, in resource
 * order. Nothing runs until the result is iterated.
 *
 * Memory stays bounded: at most `maxInFlight` batches are dispatched ahead
 * of the consumer, and no further input is read while that many are
 * outstanding. A consumer that stops pulling stops the reading.
 */
export function processState(source: AsyncIterable<Uint8Array>, options: ProcessStateOptions): StateProcessing {
  return new StateProcessing(source, options);
}

/** The iteration returned by `processState`. Iterable once. */
export class StateProcessing implements AsyncIterable<TaskResults> {
  readonly #splitter: StateSplitter;
  readonly #options: ProcessStateOptions;
  readonly #tasks: readonly WorkerTask[];
  readonly #providePool: PoolProvider | undefined;
  readonly #source: AsyncIterable<Uint8Array>;
  #mode: EngineMode | undefined;
  /** Set when the input went by byte range (the splitter then never ran). */
  #fileSummary: SplitSummary | undefined;
  #planned = false;
  #generator: AsyncGenerator<TaskResults, void, undefined> | undefined;

  /** @internal `providePool` lets a pipeline share a pool it starts lazily; it is not closed here. */
  constructor(source: AsyncIterable<Uint8Array>, options: ProcessStateOptions, providePool?: PoolProvider) {
    const shared = options.pool;
    if (options.tasks === undefined && shared === undefined) throw new UsageError('processState needs `tasks`, or a `pool` whose tasks it uses');
    if (shared !== undefined && options.tasks !== undefined && JSON.stringify(shared.tasks) !== JSON.stringify(options.tasks)) {
      throw new UsageError('processState got both `tasks` and a `pool` with other tasks', {
        hint: 'pass only the pool (its tasks run), or create the pool with these tasks',
      });
    }
    this.#tasks = options.tasks ?? shared?.tasks ?? [];
    this.#options = options;
    this.#providePool = shared === undefined ? providePool : () => shared;
    this.#source = source;
    this.#splitter = splitState(source, options.split);
  }

  /** Where the tasks ran; undefined until the choice has been made (at the latest after the first result). */
  get mode(): EngineMode | undefined {
    return this.#mode;
  }

  /**
   * How the input was read: `stream` through the splitter on this thread,
   * `range` by the workers from the file descriptor (see
   * ProcessStateOptions.fd). Undefined until the first result.
   */
  get readBy(): 'stream' | 'range' | undefined {
    if (this.#mode === undefined) return undefined;
    return this.#planned ? 'range' : 'stream';
  }

  /** The state's top-level fields other than `resources`; complete once iteration has ended without an error. */
  get summary(): SplitSummary {
    return this.#fileSummary ?? this.#splitter.summary;
  }

  /** The same iterator every time: the input can be read only once. */
  [Symbol.asyncIterator](): AsyncGenerator<TaskResults, void, undefined> {
    this.#generator ??= this.#run();
    return this.#generator;
  }

  /** Every result, in order, in one array (for small inputs and tests). */
  async toArray(): Promise<TaskResults[]> {
    const all: TaskResults[] = [];
    for await (const results of this) all.push(results);
    return all;
  }

  async *#run(): AsyncGenerator<TaskResults, void, undefined> {
    const { signal, onProgress } = this.#options;
    const threshold = this.#options.inProcessBelowBytes ?? DEFAULT_IN_PROCESS_BELOW_BYTES;
    const batches = this.#splitter[Symbol.asyncIterator]();
    let handedOut = 0;
    let bytesDone: number | undefined;
    const report = (count: number): void => {
      handedOut += count;
      onProgress?.({ bytes: bytesDone ?? this.#splitter.summary.bytesRead, resources: handedOut });
    };
    let ownPool: EnginePool | undefined;
    try {
      // Without a known size, read ahead up to the threshold: a whole input
      // that fits is cheaper on this thread than starting workers.
      const ahead: ResourceBatch[] = [];
      let ended = false;
      const knownSmall = this.#options.size !== undefined && this.#options.size < threshold;
      if (!knownSmall && this.#options.size === undefined && threshold > 0) {
        while (this.#splitter.summary.bytesRead < threshold) {
          const next = await batches.next();
          throwIfAborted(signal);
          if (next.done === true) {
            ended = true;
            break;
          }
          ahead.push(next.value);
        }
      }
      if (knownSmall || ended) {
        this.#mode = 'in-process';
        for (;;) {
          const batch = ahead.shift() ?? (ended ? undefined : await nextBatch(batches));
          throwIfAborted(signal);
          if (batch === undefined) break;
          const results = await runInProcess(batch, this.#tasks);
          yield* untilAborted(results, signal);
          report(results.length);
        }
        return;
      }
      this.#mode = 'pool';
      let pool: EnginePool;
      if (this.#providePool !== undefined) pool = this.#providePool();
      else {
        ownPool = new EnginePool({ tasks: this.#tasks, threads: this.#options.threads });
        pool = ownPool;
      }
      const limit = Math.max(1, this.#options.maxInFlight ?? pool.threads * 2);
      const plan = ahead.length === 0 ? await this.#planFile(pool) : undefined;
      this.#planned = plan !== undefined;
      // Runs settle into data so that a rejection waiting behind the head of
      // the queue is never an unhandled rejection; it is thrown in its turn.
      const queue: Promise<Settled>[] = [];
      const dispatch = (batch: ResourceBatch | FileBatch): void => {
        queue.push(
          pool.run(batch, { signal }).then(
            (results): Settled => ({ ok: true, results }),
            (error: unknown): Settled => ({ ok: false, error }),
          ),
        );
      };
      const handOut = async (): Promise<TaskResults[]> => {
        const head = queue.shift();
        if (head === undefined) return [];
        const settled = await head;
        if (!settled.ok) throw settled.error;
        return settled.results;
      };
      if (plan !== undefined) {
        // By byte range: the workers read the resources; results go out in order, as below.
        const ends: number[] = [];
        for (const batch of plan.batches()) {
          while (queue.length >= limit) {
            const results = await handOut();
            yield* untilAborted(results, signal);
            bytesDone = ends.shift() ?? bytesDone;
            report(results.length);
          }
          throwIfAborted(signal);
          ends.push(batch.end);
          dispatch(batch);
        }
        while (queue.length > 0) {
          const results = await handOut();
          yield* untilAborted(results, signal);
          const end = ends.shift() ?? bytesDone;
          // The last results complete the input, top-level fields after `resources` included.
          bytesDone = queue.length === 0 ? plan.summary.bytesRead : end;
          report(results.length);
        }
        this.#fileSummary = plan.summary;
        return;
      }
      for (;;) {
        // Backpressure: with `limit` batches outstanding, hand out the oldest before reading on.
        while (queue.length >= limit) {
          const results = await handOut();
          yield* untilAborted(results, signal);
          report(results.length);
        }
        const batch = ahead.shift() ?? (await nextBatch(batches));
        throwIfAborted(signal);
        if (batch === undefined) break;
        dispatch(batch);
      }
      while (queue.length > 0) {
        const results = await handOut();
        yield* untilAborted(results, signal);
        report(results.length);
      }
    } finally {
      // Closing ends the input stream (say, the file handle) when iteration stopped early.
      if (this.#planned) await closeUnread(this.#source);
      else await batches.return(undefined);
      // close() rejects runs still in flight; they have settled into data, so nothing goes unhandled.
      await ownPool?.close();
    }
  }

  /** The byte-range plan when the input has a file descriptor and Terraform's layout; see ProcessStateOptions.fd. */
  async #planFile(pool: EnginePool): Promise<FilePlan | undefined> {
    const fd = this.#options.fd ?? descriptorOf(this.#source);
    const size = this.#options.size;
    if (fd === undefined || size === undefined || this.#options.split?.scanner === 'general') return undefined;
    return planFile({
      fd,
      size,
      pool,
      batchBytes: this.#options.split?.batchBytes ?? DEFAULT_BATCH_BYTES,
      maxDepth: this.#options.split?.maxDepth,
      chunkBytes: this.#options.fileChunkBytes,
      signal: this.#options.signal,
    });
  }
}

/**
 * Ends a source that was never iterated (the workers read its file by
 * position instead). An async generator that has not started ignores
 * `return()`, so one chunk is read first; returning then runs the
 * source's cleanup (a file stream closes its handle).
 */
async function closeUnread(source: AsyncIterable<Uint8Array>): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    await iterator.next();
  } catch {
    // Only closing matters here; the bytes were read by the workers.
  } finally {
    await iterator.return?.();
  }
}

/** `source.fd`, when the source carries a file descriptor (StateReadStream from the local backend). */
function descriptorOf(source: AsyncIterable<Uint8Array>): number | undefined {
  const fd: unknown = Reflect.get(source, 'fd');
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

type Settled = { ok: true; results: TaskResults[] } | { ok: false; error: unknown };

async function nextBatch(batches: AsyncGenerator<ResourceBatch, void, undefined>): Promise<ResourceBatch | undefined> {
  const next = await batches.next();
  return next.done === true ? undefined : next.value;
}

/** The results one by one, stopping as soon as the consumer has aborted between two of them. */
function* untilAborted(results: readonly TaskResults[], signal: AbortSignal | undefined): Generator<TaskResults, void, undefined> {
  for (const result of results) {
    yield result;
    throwIfAborted(signal);
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new CancelledError('processing the state', { cause: signal.reason });
}
