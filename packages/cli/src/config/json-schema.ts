import { z } from 'zod';
import type { Kernel } from '@tempeh/core';
import { configFileSchema } from './schema.js';

/** Where `pnpm --filter @tempeh/cli schema` writes the schema, relative to the package. */
export const CONFIG_SCHEMA_FILE = 'schema/tempeh.config.schema.json';

/**
 * The JSON Schema of `tempeh.config.json`, generated from the zod schema the
 * CLI validates with. `backend` is a oneOf: one branch per backend type
 * registered in `kernel` (its `config` checked against that type's own
 * schema), plus one for any other type, whose config is only known to the
 * plugin that registers it.
 */
export function configJsonSchema(kernel: Kernel): z.core.JSONSchema.JSONSchema {
  const types = kernel.backends.types();
  const branches = types.map((type) => {
    const definition = kernel.backends.get(type);
    if (!definition) throw new Error(`backend type '${type}' is listed but has no definition`);
    return z
      .strictObject({
        type: z.literal(type),
        config: definition.configSchema.optional(),
      })
      .describe(definition.description);
  });
  const [first, ...rest] = branches;
  if (!first) throw new Error('no backend type is registered');
  const known = z.discriminatedUnion('type', [first, ...rest]).describe('Where the states live: a backend type and its config.');
  const otherBranch: z.core.JSONSchema.JSONSchema = {
    type: 'object',
    description: 'A backend type registered by a plugin; its config is checked by that plugin.',
    properties: {
      type: { type: 'string', minLength: 1, not: { enum: types } },
      config: { type: 'object' },
    },
    required: ['type'],
    additionalProperties: false,
  };
  return z.toJSONSchema(configFileSchema(known), {
    io: 'input',
    target: 'draft-2020-12',
    override: (context) => {
      if (context.zodSchema !== known) return;
      const oneOf = context.jsonSchema.oneOf ?? context.jsonSchema.anyOf;
      delete context.jsonSchema.anyOf;
      context.jsonSchema.oneOf = [...(oneOf ?? []), otherBranch];
    },
  });
}

/** The schema as committed: two-space JSON and a final newline. */
export function configJsonSchemaText(kernel: Kernel): string {
  return `${JSON.stringify(configJsonSchema(kernel), null, 2)}\n`;
}
