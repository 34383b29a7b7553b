import { z } from 'zod';

/** The file the CLI looks for, searching up from the working directory. */
export const CONFIG_FILE_NAME = 'tempeh.config.json';

/** Environment names appear in messages, env vars and table columns: keep them plain. */
export const environmentNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits and - _ . (starting with a letter or digit)')
  .describe('Environment name, used with --env / TEMPEH_ENV.');

/**
 * The backend entry as read at run time: any registered type is allowed
 * here, and its `config` is checked afterwards against that type's own
 * schema from the registry (so third-party backends work too).
 */
export const anyBackendSchema = z.strictObject({
  type: z.string().min(1).describe('A registered backend type, e.g. "local".'),
  config: z.record(z.string(), z.unknown()).default({}).describe("The backend's configuration; see its type's schema."),
});

/**
 * `tempeh.config.json`, built around a given backend-entry schema: the
 * generic one for validation, a union of the known types for the
 * published JSON Schema.
 */
export function configFileSchema<Backend extends z.ZodType>(backend: Backend) {
  return z
    .strictObject({
      $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
      defaultEnvironment: environmentNameSchema
        .optional()
        .describe('The environment used when neither --env nor TEMPEH_ENV is given.'),
      environments: z
        .record(
          environmentNameSchema,
          z.strictObject({
            backend,
            workspace: z.string().min(1).optional().describe('The workspace used unless --workspace is given (default: "default").'),
          }),
        )
        .describe('Named targets: where each environment keeps its states.'),
    })
    .describe('Tempeh CLI configuration (tempeh.config.json).');
}

export const runtimeConfigSchema = configFileSchema(anyBackendSchema);
export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;
