import { InvalidStateError } from '../errors.js';
import { diffOutputs, mergeResourceDiffs } from '../engine/diff/diff-states.js';
import { DIGEST_BYTES } from '../engine/diff/resource-key.js';
import type { DiffOptions, StateDiff } from '../engine/diff/types.js';
import { StateProcessing, type EngineProgress } from '../engine/engine.js';
import { builtinTask } from '../engine/pool/builtin-tasks.js';
import { EnginePool } from '../engine/pool/engine-pool.js';
import type { ResourceDigest } from '../engine/worker/tasks/resource-digest.js';
import { diffChangedGroups, type FetchInput } from './diff-fetch.js';
import { DiffTable, type Side } from './diff-table.js';
import { unwrapStateError } from './inspect-resources.js';
import { readStateTopLevel, type StateTopLevel } from './state-header.js';

/** Opens a state's bytes from the beginning. */
export type OpenStateBytes = () => AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;

/** One side of a diff: how to read it (more than once), and what to call it. */
export interface DiffSource {
  /**
   * Opens the state's bytes from the beginning. Called once for the first
   * pass and, when something differs, once or more for the second: every
   * read must give the same bytes (a ConflictError says when they did not). The
   * stream may carry a `size` (as `StateManager.openRead`'s does); it is
   * used when `size` below is not given.
   */
  open: OpenStateBytes;
  /** The input's size in bytes, when known: below `inProcessBelowBytes` no workers start. */
  size?: number;
  /** Names the state in error messages, e.g. `state file a.tfstate`. Default: `the before state`, `the after state`. */
  label?: string;
}

export interface DiffSourcesOptions extends DiffOptions {
  /** Worker threads, when the pool is used. Default: the available cores. */
  threads?: number;
  /** Inputs smaller than this are read on the calling thread (default: the engine's, 8 MiB; 0 always uses the pool). */
  inProcessBelowBytes?: number;
  /** Aborting rejects with CancelledError (TEMPEH_E_CANCELLED). */
  signal?: AbortSignal;
  /** Called as the first pass reads: bytes and resources of both inputs so far (`before` first, then `after`). */
  onProgress?: (progress: EngineProgress) => void;
  /**
   * Resource bytes the second pass holds at most while a changed resource's
   * entries from one input wait for the other's. Inputs that list their
   * resources in the same order (as Terraform writes them) never come near
   * it; others are read again in rounds. Default 64 MiB.
   */
  holdBytes?: number;
}

const DEFAULT_HOLD_BYTES = 64 * 1024 * 1024;

/**
 * The differences between two states read from streams, as `diffStates`
 * computes them from parsed states (the same lists, in the same order), but
 * without ever holding either state: inputs of several GB diff within a few
 * hundred MB.
 *
 * 1. Each input runs through the engine, where a worker task reads each
 *    resource's address from its head and takes a sha256 of its bytes, so
 *    the bulk of a resource is never parsed; only that, and the resource's
 *    byte range, is kept. An address with one entry on each side and equal
 *    bytes is unchanged: nearly every unchanged resource of two states
 *    written by the same tool.
 * 2. Every other resource (added, removed, changed, or one of several
 *    entries of an address, merged as `list` merges them) is read again by
 *    its byte range, both inputs side by side. A resource whose bytes
 *    differ in layout only (`layoutFreeDigest`: a compacted or re-indented
 *    copy) is unchanged; the rest is parsed and diffed with
 *    `diffResourceEntries`, which compares numbers by exact value.
 *
 * Position in `resources` never counts. Outputs come from the top-level
 * fields, and the result's `header` holds both states' lineage, serial and
 * Terraform version.
 *
 * Throws InvalidStateError or StateVersionError for an input that is not a
 * v4 state, ConflictError (reason `revision`) when an input changed
 * between two reads, and CancelledError when `signal` aborts.
 */
export async function diffStateSources(before: OpenStateBytes | DiffSource, after: OpenStateBytes | DiffSource, options: DiffSourcesOptions = {}): Promise<StateDiff> {
  const sources: [DiffSource, DiffSource] = [asSource(before, 'the before state'), asSource(after, 'the after state')];
  const labels: [string, string] = [sources[0].label ?? 'the before state', sources[1].label ?? 'the after state'];
  const table = new DiffTable();
  let pool: EnginePool | undefined;
  const providePool = (): EnginePool => {
    pool ??= new EnginePool({ tasks: [builtinTask('resource-digest')], threads: options.threads });
    return pool;
  };
  const diffOptions: DiffOptions = options.showSensitive === true ? { showSensitive: true } : {};
  let top: [StateTopLevel, StateTopLevel];
  try {
    const progress = { bytes: 0, resources: 0 };
    top = [
      await digestSide(0, sources[0], labels[0], table, options, providePool, progress),
      await digestSide(1, sources[1], labels[1], table, options, providePool, progress),
    ];
  } finally {
    await pool?.close();
  }
  const inputs: [FetchInput, FetchInput] = [fetchInput(sources[0], labels[0]), fetchInput(sources[1], labels[1])];
  const parts = await diffChangedGroups(table, inputs, { diff: diffOptions, holdBytes: options.holdBytes ?? DEFAULT_HOLD_BYTES, signal: options.signal });
  return {
    header: { before: top[0].header, after: top[1].header },
    ...mergeResourceDiffs(parts),
    outputs: diffOutputs(top[0].outputs, top[1].outputs, diffOptions),
  };
}

function asSource(source: OpenStateBytes | DiffSource, label: string): DiffSource {
  return typeof source === 'function' ? { open: source, label } : source;
}

function fetchInput(source: DiffSource, label: string): FetchInput {
  return { label, open: async () => source.open() };
}

/** Pass 1 over one input: every resource's key, digest and byte range into `table`; then the top-level fields. */
async function digestSide(
  side: Side,
  source: DiffSource,
  label: string,
  table: DiffTable,
  options: DiffSourcesOptions,
  providePool: () => EnginePool,
  progress: { bytes: number; resources: number },
): Promise<StateTopLevel> {
  const stream = await source.open();
  const base = { ...progress };
  const onProgress = options.onProgress;
  const processing = new StateProcessing(
    stream,
    {
      tasks: [builtinTask('resource-digest')],
      threads: options.threads,
      inProcessBelowBytes: options.inProcessBelowBytes,
      size: source.size ?? sizeOf(stream),
      signal: options.signal,
      onProgress: (p) => {
        progress.bytes = base.bytes + p.bytes;
        progress.resources = base.resources + p.resources;
        onProgress?.({ ...progress });
      },
    },
    providePool,
  );
  try {
    for await (const { index, offset, values } of processing) {
      const value: unknown = values[0];
      if (!isResourceDigest(value)) throw new InvalidStateError(`resources[${index}] of ${label} gave no digest`, { location: `$.resources[${index}]` });
      table.add(side, index, offset, value);
    }
    return readStateTopLevel(processing.summary, label);
  } catch (error) {
    throw withLabel(unwrapStateError(error), label);
  }
}

/** A state error names which input it is about; the engine's own message does not know. */
function withLabel(error: unknown, label: string): unknown {
  if (!(error instanceof InvalidStateError) || error.message.includes(label)) return error;
  return new InvalidStateError(`${label}: ${error.message}`, {
    cause: error,
    ...(error.location === undefined ? {} : { location: error.location }),
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  });
}

/** The `size` a stream carries (`StateManager.openRead`'s does), if any. */
function sizeOf(stream: AsyncIterable<Uint8Array>): number | undefined {
  const size: unknown = Reflect.get(stream, 'size');
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined;
}

function isResourceDigest(value: unknown): value is ResourceDigest {
  if (typeof value !== 'object' || value === null) return false;
  const key: unknown = Reflect.get(value, 'key');
  const digest: unknown = Reflect.get(value, 'digest');
  const bytes: unknown = Reflect.get(value, 'bytes');
  return key instanceof Uint8Array && key.byteLength === DIGEST_BYTES && digest instanceof Uint8Array && digest.byteLength === DIGEST_BYTES && typeof bytes === 'number';
}
