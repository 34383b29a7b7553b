#!/usr/bin/env node
// Regenerates schema/tempeh.config.schema.json from the zod schema the CLI
// validates with (`pnpm --filter @tempeh/cli schema`). Runs on the built
// dist/, so it builds first; test/config-schema.test.ts fails when the
// committed file is out of date.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b', packageDir], { stdio: 'inherit' });

const { CONFIG_SCHEMA_FILE, configJsonSchemaText } = await import('../dist/config/json-schema.js');
const { createCliKernel } = await import('../dist/runtime.js');
const target = new URL(`../${CONFIG_SCHEMA_FILE}`, import.meta.url);
writeFileSync(target, configJsonSchemaText(await createCliKernel()));
process.stderr.write(`wrote ${fileURLToPath(target)}\n`);
