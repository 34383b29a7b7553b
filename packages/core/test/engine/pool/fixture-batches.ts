import { readFileSync } from 'node:fs';
import { formatJsonUnknown } from '../../../src/json/format-json.js';
import { parseState } from '../../../src/state/parse-state.js';
import type { TerraformState } from '../../../src/state/types.js';
import { packBatch, type RawResource, type WorkerTask } from '../../../src/engine/pool/index.js';
import type { JsonValue } from '../../../src/json/json-value.js';

const FIXTURES = new URL('../../../../../fixtures/terraform/', import.meta.url);

/** Real Terraform states (and generated ones) whose resources the tests run through the pool. */
export const FIXTURE_STATES = [
  'terraform.tfstate',
  'upstream.tfstate',
  'edge/deposed.tfstate',
  'edge/tainted.tfstate',
  'edge/check-failed.tfstate',
  'generated/aws-6-services.tfstate',
  'generated/builtin-3-services.tfstate',
] as const;

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixtureState(name: string): TerraformState {
  return parseState(fixtureText(name));
}

/**
 * The state's resources as the splitter will hand them over: each one's
 * bytes, index and offset. Here they come from the parsed state written
 * back with formatJson (the splitter is built elsewhere); the offsets are
 * the running byte positions.
 */
export function resourceBatch(state: TerraformState): RawResource[] {
  const encoder = new TextEncoder();
  let offset = 0;
  return state.resources.map((resource, index) => {
    const bytes = encoder.encode(formatJsonUnknown(resource));
    const raw = { bytes, index, offset };
    offset += bytes.byteLength + 2;
    return raw;
  });
}

/** A task from test/engine/pool/fixtures/, named by its file URL as a third-party plugin would name it. */
export function fixtureTask(file: string, exportName: string, options?: JsonValue): WorkerTask {
  const task: WorkerTask = { module: fixtureModule(file), export: exportName };
  if (options !== undefined) task.options = options;
  return task;
}

export function fixtureModule(file: string): string {
  return new URL(`fixtures/${file}`, import.meta.url).href;
}

/** The resources copied into one buffer they are all views of, as the splitter lays out its batches. */
export function ownedBatch(raws: readonly RawResource[]): { buffer: ArrayBuffer; resources: RawResource[] } {
  const packed = packBatch(raws);
  const resources = packed.entries.map((entry) => ({ bytes: new Uint8Array(packed.buffer, entry.start, entry.length), index: entry.index, offset: entry.offset }));
  return { buffer: packed.buffer, resources };
}
