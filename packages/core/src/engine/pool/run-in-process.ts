import { executeBatch, encodeOutcome } from '../worker/execute-batch.js';
import type { WorkerTask } from '../worker/messages.js';
import { decodeResults } from '../worker/result-codec.js';
import { isRawResources, type BatchInput, type RawResource } from './raw-batch.js';
import { taskFailureToError, toTaskResults, type TaskResults } from './task-results.js';

/**
 * Runs the same task functions as `EnginePool.run`, on this thread, with no
 * worker start-up: the path for small states. The results go through the
 * same msgpack round trip and failures through the same rebuild, so both
 * paths return identical values and errors.
 */
export async function runInProcess(batch: BatchInput, tasks: readonly WorkerTask[]): Promise<TaskResults[]> {
  const resources = resourcesOf(batch);
  const outcome = await executeBatch(tasks, resources);
  const reply = encodeOutcome(tasks, outcome, resources.map((resource) => resource.index));
  if (!reply.ok) throw taskFailureToError(reply.failure);
  return toTaskResults(decodeResults(reply.results), resources, tasks.length);
}

/** The batch's resources as views, whatever form it came in; nothing is copied or detached. */
function resourcesOf(batch: BatchInput): readonly RawResource[] {
  if (isRawResources(batch)) return batch;
  if ('resources' in batch) return batch.resources;
  return batch.entries.map((entry) => ({ bytes: new Uint8Array(batch.buffer, entry.start, entry.length), index: entry.index, offset: entry.offset }));
}
