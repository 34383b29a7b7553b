// The lossless JSON codec: values, parser, Go-compatible writer.
export * from './json-value.js';
export * from './parse-json.js';
export * from './format-json.js';
