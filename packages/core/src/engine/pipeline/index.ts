// Pipelines: sources of states, filter/map stages run as worker tasks, and main-thread sinks.
export { pipeline, Pipeline, PipelineRun, type PipelineItem, type PipelineRunOptions, type InputReport } from './pipeline.js';
export { fromFile, fromFiles, fromBackend, fromWorkspaces, type PipelineSource, type StateInput, type OpenedState, type SourceTag } from './sources.js';
export type { StageDescriptor, StageOutcome } from './pipeline-stages.worker.js';
