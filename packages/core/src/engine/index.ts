// The streaming engine: splitter → batches → worker pool → results, and pipelines on top.
export * from './pool/index.js';
// The pool's RawResource is the one exported; the splitter's has the same shape.
export { splitState, StateSplitter, type RawField, type ResourceBatch, type ScannerChoice, type SplitStateOptions, type SplitSummary } from './splitter/index.js';
export {
  processState,
  StateProcessing,
  DEFAULT_IN_PROCESS_BELOW_BYTES,
  type EngineMode,
  type EngineProgress,
  type ProcessStateOptions,
  type PoolProvider,
} from './engine.js';
export * from './pipeline/index.js';
export * from './diff/index.js';
export * from './graph/index.js';
