import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_FILE, configJsonSchema, configJsonSchemaText } from '../src/config/json-schema.js';
import { createCliKernel } from '../src/runtime.js';

describe('schema/tempeh.config.schema.json', () => {
  it('is up to date with the zod schema (regenerate: pnpm --filter @tempeh/cli schema)', async () => {
    const committed = await readFile(new URL(`../${CONFIG_SCHEMA_FILE}`, import.meta.url), 'utf8');
    expect(committed).toBe(configJsonSchemaText(await createCliKernel()));
  });

  it('offers one backend branch per first-party type, plus one for plugin types', async () => {
    const schema = JSON.parse(JSON.stringify(configJsonSchema(await createCliKernel())));
    const backend = schema.properties.environments.additionalProperties.properties.backend;
    const consts = backend.oneOf.map((b: { properties: { type: { const?: string } } }) => b.properties.type.const);
    expect(consts).toEqual(['local', 'memory', 'postgres', 's3', undefined]);
    expect(backend.oneOf[0].properties.config.properties).toHaveProperty('workspace_dir');
    expect(backend.oneOf[2].properties.config.properties).toHaveProperty('conn_str');
    expect(backend.oneOf[3].properties.config.properties).toHaveProperty('workspace_key_prefix');
    expect(backend.oneOf[4].properties.type.not).toEqual({ enum: ['local', 'memory', 'postgres', 's3'] });
  });
});
