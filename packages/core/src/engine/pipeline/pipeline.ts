import { EnginePool } from '../pool/engine-pool.js';
import { workerDirectory } from '../pool/worker-location.js';
import { DEFAULT_IN_PROCESS_BELOW_BYTES, StateProcessing, type EngineMode, type EngineProgress } from '../engine.js';
import type { SplitSummary } from '../splitter/types.js';
import type { WorkerTask } from '../worker/messages.js';
import type { StageDescriptor } from './pipeline-stages.worker.js';
import type { PipelineSource, SourceTag } from './sources.js';

/** One kept resource's result, tagged with the state it came from. */
export interface PipelineItem<T> {
  source: SourceTag;
  /** Position of the resource in its state's `resources`. */
  index: number;
  /** Byte offset of the resource in its state. */
  offset: number;
  /** The last map stage's result; null when the pipeline has no map stage. */
  value: T;
}

export interface PipelineRunOptions {
  /** Worker threads of the shared pool. Default: the available cores. */
  threads?: number;
  /**
   * Inputs smaller than this run in-process (see `processState`). When the
   * source knows its total size and it reaches this, every input goes to
   * the pool. Default 8 MiB.
   */
  inProcessBelowBytes?: number;
  /** Aborting rejects the run with CancelledError and closes the pool. */
  signal?: AbortSignal;
  /** Called after each batch of each input. */
  onProgress?: (progress: EngineProgress & { source: SourceTag }) => void;
}

/** What happened to one input, known once its results have been handed out. */
export interface InputReport {
  source: SourceTag;
  mode: EngineMode | undefined;
  /** The state's top-level fields other than `resources`. */
  summary: SplitSummary;
}

/**
 * A chain of filter and map stages over the resources of one or more
 * states. Stages are worker tasks (module + export + JSON options): they
 * run in the pool's threads, chained in one task so a dropped resource
 * never reaches a later stage. Sinks (`forEach`, `collect`, `reduce`) run
 * on the calling thread over the kept results, in input and resource order.
 * A pipeline is immutable: `filter` and `map` return a new one.
 */
export class Pipeline<T> {
  readonly source: PipelineSource;
  readonly stages: readonly StageDescriptor[];
  readonly #check: (value: unknown) => value is T;

  /** Use `pipeline(source)`. */
  constructor(source: PipelineSource, stages: readonly StageDescriptor[], check: (value: unknown) => value is T) {
    this.source = source;
    this.stages = stages;
    this.#check = check;
  }

  /** Keeps the resources for which `task` returns `true` (it must return a boolean). */
  filter(task: WorkerTask): Pipeline<T> {
    return new Pipeline(this.source, [...this.stages, { kind: 'filter', task: { ...task } }], this.#check);
  }

  /**
   * Maps each kept resource to `task`'s result (plain data). `check`
   * narrows the result's type on the main thread; without it the values
   * are `unknown`. A later map replaces an earlier one's value.
   */
  map(task: WorkerTask): Pipeline<unknown>;
  map<U>(task: WorkerTask, check: (value: unknown) => value is U): Pipeline<U>;
  map<U>(task: WorkerTask, check?: (value: unknown) => value is U): Pipeline<U> | Pipeline<unknown> {
    const stages: StageDescriptor[] = [...this.stages, { kind: 'map', task: { ...task } }];
    return check === undefined ? new Pipeline(this.source, stages, isAnything) : new Pipeline(this.source, stages, check);
  }

  /** Runs the pipeline, yielding kept items as they come. Iterate it once; `inputs` reports per input afterwards. */
  run(options: PipelineRunOptions = {}): PipelineRun<T> {
    return new PipelineRun(this, this.#check, options);
  }

  async forEach(sink: (item: PipelineItem<T>) => void | Promise<void>, options?: PipelineRunOptions): Promise<void> {
    for await (const item of this.run(options)) await sink(item);
  }

  async collect(options?: PipelineRunOptions): Promise<PipelineItem<T>[]> {
    const items: PipelineItem<T>[] = [];
    for await (const item of this.run(options)) items.push(item);
    return items;
  }

  async reduce<A>(reducer: (accumulator: A, item: PipelineItem<T>) => A, initial: A, options?: PipelineRunOptions): Promise<A> {
    let accumulator = initial;
    for await (const item of this.run(options)) accumulator = reducer(accumulator, item);
    return accumulator;
  }
}

/** A pipeline over `source` with no stages yet: every resource is kept, with value null. */
export function pipeline(source: PipelineSource): Pipeline<null> {
  return new Pipeline(source, [], isNull);
}

/** One run of a pipeline: an async iterable of kept items, and what happened to each input. */
export class PipelineRun<T> implements AsyncIterable<PipelineItem<T>> {
  readonly #pipeline: Pipeline<T>;
  readonly #check: (value: unknown) => value is T;
  readonly #options: PipelineRunOptions;
  readonly #inputs: InputReport[] = [];
  #pool: EnginePool | undefined;
  #poolsStarted = 0;
  #generator: AsyncGenerator<PipelineItem<T>, void, undefined> | undefined;

  constructor(pipeline: Pipeline<T>, check: (value: unknown) => value is T, options: PipelineRunOptions) {
    this.#pipeline = pipeline;
    this.#check = check;
    this.#options = options;
  }

  /** One report per input read so far, in order. */
  get inputs(): readonly InputReport[] {
    return this.#inputs;
  }

  /** Pools this run started: 0 when everything ran in-process, else 1 (one pool is shared by all inputs). */
  get poolsStarted(): number {
    return this.#poolsStarted;
  }

  [Symbol.asyncIterator](): AsyncGenerator<PipelineItem<T>, void, undefined> {
    this.#generator ??= this.#run();
    return this.#generator;
  }

  async *#run(): AsyncGenerator<PipelineItem<T>, void, undefined> {
    const { signal, onProgress } = this.#options;
    const task: WorkerTask = {
      module: new URL('../pipeline/pipeline-stages.worker.js', workerDirectory()).href,
      export: 'pipelineStages',
      options: { stages: this.#pipeline.stages.map((stage) => ({ kind: stage.kind, task: toJsonTask(stage.task) })) },
    };
    const threshold = this.#options.inProcessBelowBytes ?? DEFAULT_IN_PROCESS_BELOW_BYTES;
    const total = await this.#pipeline.source.totalBytes?.();
    // Many small files add up: when the whole source is large, every input uses the (one) pool.
    const perInputThreshold = total !== undefined && total >= threshold ? 0 : threshold;
    const providePool = (): EnginePool => {
      if (this.#pool === undefined) {
        this.#pool = new EnginePool({ tasks: [task], threads: this.#options.threads });
        this.#poolsStarted++;
      }
      return this.#pool;
    };
    try {
      for await (const input of this.#pipeline.source.inputs()) {
        const opened = await input.open();
        if (opened === undefined) continue;
        const source = input.tag;
        const processing = new StateProcessing(
          opened.stream,
          {
            tasks: [task],
            size: opened.size,
            inProcessBelowBytes: perInputThreshold,
            signal,
            onProgress: onProgress === undefined ? undefined : (progress) => onProgress({ ...progress, source }),
          },
          providePool,
        );
        for await (const results of processing) {
          const outcome = results.values[0];
          if (!isKept(outcome)) continue;
          const value = outcome.value;
          if (!this.#check(value)) {
            throw new TypeError(`the map stage's result for resources[${results.index}] of ${describeSource(source)} does not pass the pipeline's type check`);
          }
          yield { source, index: results.index, offset: results.offset, value };
        }
        this.#inputs.push({ source, mode: processing.mode, summary: processing.summary });
      }
    } finally {
      await this.#pool?.close();
    }
  }
}

function describeSource(source: SourceTag): string {
  return source.kind === 'file' ? source.path : `workspace '${source.workspace}' of the ${source.backend} backend`;
}

/** The task without undefined options, so it is plain JSON for the stages' options. */
function toJsonTask(task: WorkerTask): { module: string; export: string; options?: WorkerTask['options'] } {
  return task.options === undefined ? { module: task.module, export: task.export } : { module: task.module, export: task.export, options: task.options };
}

function isKept(value: unknown): value is { kept: true; value: unknown } {
  return typeof value === 'object' && value !== null && Reflect.get(value, 'kept') === true;
}

function isNull(value: unknown): value is null {
  return value === null;
}

function isAnything(value: unknown): value is unknown {
  return true;
}
