// Public surface of @tempeh/cli: re-exports only.
export { main, type MainOptions } from './main.js';
export { processIo, type CliIo } from './io.js';
export { createCliKernel } from './runtime.js';
export { CONFIG_FILE_NAME } from './config/schema.js';
export { findConfig, validateConfig, type EnvironmentConfig, type LoadedConfig } from './config/load.js';
export { CONFIG_SCHEMA_FILE, configJsonSchema, configJsonSchemaText } from './config/json-schema.js';
export { parseDuration } from './duration.js';
export { UNEXPECTED_CODE } from './report.js';
