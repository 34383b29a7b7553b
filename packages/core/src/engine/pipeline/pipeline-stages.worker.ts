// Runs inside a worker thread (and, for small inputs, in-process): one
// pipeline's filter and map stages chained into a single worker task, so a
// resource a filter drops never reaches the stages after it.

import { isJsonObject, type JsonValue } from '../../json/json-value.js';
import type { WorkerTask } from '../worker/messages.js';
import type { ResourceView } from '../worker/resource-view.js';
import { loadTask, type LoadedTask } from '../worker/task-module.js';

/** One stage as it crosses the thread boundary. */
export interface StageDescriptor {
  kind: 'filter' | 'map';
  task: WorkerTask;
}

/** What a resource became: dropped by a filter, or kept with the last map's value (null without a map). */
export type StageOutcome = { kept: false } | { kept: true; value: unknown };

interface LoadedStage {
  kind: 'filter' | 'map';
  loaded: LoadedTask;
}

/** The chained stages as one task; its options are `{ stages: StageDescriptor[] }`. */
export const pipelineStages = {
  async init(options: JsonValue | undefined): Promise<LoadedStage[]> {
    const stages = stagesOf(options);
    const loaded: LoadedStage[] = [];
    for (const stage of stages) {
      const result = await loadTask(stage.task);
      if (!result.ok) {
        const cause = result.failure.error;
        throw new Error(`${stage.kind} stage '${stage.task.export}' from ${stage.task.module} failed in ${result.failure.phase}: ${cause.name}: ${cause.message}`);
      }
      loaded.push({ kind: stage.kind, loaded: result.loaded });
    }
    return loaded;
  },
  async map(view: ResourceView, stages: LoadedStage[]): Promise<StageOutcome> {
    let value: unknown = null;
    for (const { kind, loaded } of stages) {
      let result: unknown;
      try {
        result = await loaded.map(view);
      } catch (error) {
        // Name the stage: the pool reports this composite task, not the stage that threw.
        if (error instanceof Error) {
          error.message = `${kind} stage '${loaded.task.export}' from ${loaded.task.module}: ${error.message}`;
        }
        throw error;
      }
      if (kind === 'filter') {
        if (result !== true && result !== false) {
          throw new TypeError(`filter stage '${loaded.task.export}' from ${loaded.task.module} returned ${typeof result}, not a boolean`);
        }
        if (!result) return { kept: false };
      } else value = result;
    }
    return { kept: true, value };
  },
};

function stagesOf(options: JsonValue | undefined): StageDescriptor[] {
  const stages: unknown = options !== undefined && isJsonObject(options) ? options.stages : undefined;
  if (!Array.isArray(stages) || !stages.every(isStageDescriptor)) throw new TypeError('pipelineStages needs options { stages: [{ kind, task: { module, export } }] }');
  return stages;
}

function isStageDescriptor(value: unknown): value is StageDescriptor {
  if (typeof value !== 'object' || value === null) return false;
  const kind: unknown = Reflect.get(value, 'kind');
  const task: unknown = Reflect.get(value, 'task');
  return (
    (kind === 'filter' || kind === 'map') &&
    typeof task === 'object' &&
    task !== null &&
    typeof Reflect.get(task, 'module') === 'string' &&
    typeof Reflect.get(task, 'export') === 'string'
  );
}
