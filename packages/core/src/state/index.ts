// The Terraform v4 state model: types, zod schemas, read, write, create, compare.
export * from './types.js';
export * from './schema.js';
export * from './parse-state.js';
export * from './format-state.js';
export * from './create-state.js';
