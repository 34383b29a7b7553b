import { InvalidStateError, WorkerTaskError } from '../errors.js';
import type { JsonObject } from '../json/json-value.js';
import { parseJson } from '../json/parse-json.js';
import { assertTerraformState } from '../state/parse-state.js';
import { processState, type EngineProgress } from '../engine/engine.js';
import { builtinTask } from '../engine/pool/builtin-tasks.js';
import type { SplitSummary } from '../engine/splitter/types.js';
import type { ResourceInspection } from '../engine/worker/tasks/resource-inspect.js';

/** Engine options shared by the inspector functions. */
export interface InspectOptions {
  /** The input's size in bytes, when known: below `inProcessBelowBytes` no workers start. */
  size?: number;
  /** Worker threads, when the pool is used. Default: the available cores. */
  threads?: number;
  /** Inputs smaller than this run on the calling thread (default: the engine's, 8 MiB; 0 always uses the pool). */
  inProcessBelowBytes?: number;
  /** Aborting rejects with CancelledError (TEMPEH_E_CANCELLED). */
  signal?: AbortSignal;
  /** Called as resources are handed out. */
  onProgress?: (progress: EngineProgress) => void;
}

/** One resource's inspection, with its position in `resources`. */
export interface InspectedResource extends ResourceInspection {
  index: number;
}

/**
 * Every resource's `resource-inspect` result, in resource order, then the
 * top-level fields (version, lineage, serial, outputs…) checked as
 * `parseState` checks them. A resource the
 * state model would refuse fails with InvalidStateError (not the
 * WorkerTaskError the engine wraps it in), so the inspector reports a broken
 * state the same way whichever path ran. `onSummary` gets the top-level
 * fields and the byte count once the input has been read and checked.
 *
 * Resources are checked for their shape and index keys only; the full
 * per-resource schema is `validate`'s job.
 */
export async function* inspectResources(
  source: AsyncIterable<Uint8Array>,
  options: InspectOptions,
  onSummary?: (summary: SplitSummary) => void,
): AsyncGenerator<InspectedResource, void, undefined> {
  const processing = processState(source, { ...options, tasks: [builtinTask('resource-inspect')] });
  try {
    for await (const { index, values } of processing) {
      const value: unknown = values[0];
      if (!isResourceInspection(value)) throw new InvalidStateError(`resources[${index}] gave no inspection result`, { location: `$.resources[${index}]` });
      yield { ...value, index };
    }
  } catch (error) {
    throw unwrapStateError(error);
  }
  checkTopLevel(processing.summary);
  onSummary?.(processing.summary);
}

/** The engine wraps a task's InvalidStateError; the caller should see the state error itself. */
export function unwrapStateError(error: unknown): unknown {
  if (!(error instanceof WorkerTaskError) || error.phase !== 'map' || error.causeCode !== 'TEMPEH_E_INVALID_STATE') return error;
  const cause = error.cause instanceof Error ? error.cause : error;
  const location = error.resourceIndex === undefined ? undefined : `$.resources[${error.resourceIndex}]`;
  return new InvalidStateError(cause.message, { cause: error, ...(location === undefined ? {} : { location }) });
}

/**
 * The top-level fields checked as `parseState` checks them, with the same
 * errors: the resources have been checked one by one, so they stand in as
 * an empty array. The fields other than `resources` are small (outputs,
 * check results), so parsing them whole costs nothing next to the resources.
 */
function checkTopLevel(summary: SplitSummary): void {
  const state: JsonObject = {};
  for (const field of summary.fields) {
    try {
      state[field.key] = parseJson(field.bytes);
    } catch (error) {
      if (!(error instanceof InvalidStateError)) throw error;
      throw new InvalidStateError(`the value of the top-level key ${JSON.stringify(field.key)} is not valid JSON: ${error.message}`, {
        location: `byte ${field.offset}`,
        cause: error,
      });
    }
  }
  state['resources'] = [];
  assertTerraformState(state);
}

function isResourceInspection(value: unknown): value is ResourceInspection {
  if (typeof value !== 'object' || value === null) return false;
  const strings = ['type', 'name', 'provider', 'module', 'mode'] as const;
  const numbers = ['instances', 'tainted', 'deposed', 'sensitiveAttributes', 'bytes'] as const;
  return (
    strings.every((key) => key in value && typeof Reflect.get(value, key) === 'string') &&
    numbers.every((key) => key in value && typeof Reflect.get(value, key) === 'number') &&
    'addresses' in value &&
    Array.isArray(value.addresses) &&
    value.addresses.every((line: unknown) => typeof line === 'string')
  );
}
