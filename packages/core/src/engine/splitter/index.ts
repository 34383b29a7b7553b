// The streaming splitter: a Terraform state's bytes in, its top-level fields and raw resource elements out.
export { splitState, StateSplitter } from './split-state.js';
export type { RawField, RawResource, ResourceBatch, ScannerChoice, SplitStateOptions, SplitSummary } from './types.js';
