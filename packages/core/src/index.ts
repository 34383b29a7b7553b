// Public surface of @tempeh/core: re-exports only.
export * from './errors.js';
export * from './json/json-value.js';
export * from './state/types.js';
export * from './backend/types.js';
export * from './backend/workspace-name.js';
