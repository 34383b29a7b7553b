// Public surface of @tempeh/core: re-exports only.
export * from './errors.js';
export * from './json/index.js';
export * from './state/index.js';
export * from './backend/types.js';
export * from './backend/workspace-name.js';
export * from './kernel/index.js';
export * from './state-manager/index.js';
export * from './backend/memory-backend.js';
export * from './backend/streams.js';
export * from './backend/state-header.js';
export * from './backend/lock-age.js';
export * from './address/index.js';
export * from './engine/index.js';
export * from './inspect/index.js';
