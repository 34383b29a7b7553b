// Diff of two states: instance by instance, attribute by attribute, with
// sensitive values masked; pure functions over parsed resources.
export type { AttributeChange, AttributePathStep, ChangeKind, ChangedInstance, DiffHeader, DiffOptions, OutputChange, ResourceDiff, StateDiff, StateHeader } from './types.js';
export { SENSITIVE_MASK } from './types.js';
export { SensitivePaths } from './sensitive-paths.js';
export { diffInstances, formatAttributePath } from './diff-instances.js';
export { diffOutputs, diffResource, diffResourceEntries, diffStates, hasDifferences, mergeResourceDiffs, resourceAddressOf } from './diff-states.js';
export { formatDiffJson, formatDiffText, type FormatDiffTextOptions } from './format-diff.js';
export { canonicalNumber, jsonEqual } from './json-equal.js';
