import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerTaskError } from '../../../src/errors.js';
import { EnginePool, builtinTask, runInProcess, type TaskResults } from '../../../src/engine/pool/index.js';
import { processState, type EngineProgress, type ProcessStateOptions } from '../../../src/engine/engine.js';
import type { SplitSummary } from '../../../src/engine/splitter/types.js';
import { generateLargeState } from '../../../src/testing/large-state.js';
import { chunked, fixtureStates, readFixture, rejection, split } from '../splitter/helpers.js';
import { fixtureTask } from '../pool/fixture-batches.js';

// processState with a file descriptor: in Terraform's layout the workers cut
// and read the resources by byte range. Whatever the input, the results and
// the summary must be exactly the streaming path's; only `readBy` differs.
// Run `npx tsc -b packages/core` first (the workers load dist/).

const tasks = [builtinTask('addresses'), builtinTask('resource-summary'), builtinTask('resource-hash')];
const shared = new EnginePool({ threads: 2, tasks });
const dir = mkdtempSync(join(tmpdir(), 'tempeh-file-ranges-'));
afterAll(async () => {
  await shared.close();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function writeTemp(bytes: Uint8Array): string {
  const path = join(dir, `state-${files++}.tfstate`);
  writeFileSync(path, bytes);
  return path;
}

async function streamed(file: Buffer): Promise<{ results: TaskResults[]; summary: SplitSummary }> {
  const { resources } = await split(chunked(file, 4096));
  const processing = processState(chunked(file, 4096), { pool: shared, inProcessBelowBytes: 0 });
  const results = await processing.toArray();
  expect(results).toEqual(await runInProcess(resources, tasks));
  return { results, summary: processing.summary };
}

/** Runs the input from a file handle with its descriptor; checks the handle is closed afterwards. */
async function ranged(file: Buffer, options: Partial<ProcessStateOptions> = {}) {
  const handle = await open(writeTemp(file), 'r');
  const stream = handle.createReadStream();
  const processing = processState(stream, { pool: shared, inProcessBelowBytes: 0, fd: handle.fd, size: file.length, fileChunkBytes: 1024, ...options });
  try {
    const results = await processing.toArray();
    return { results, summary: processing.summary, readBy: processing.readBy };
  } finally {
    // The engine ends the stream, which closes the handle (closing again is a no-op then).
    // (Ending an iterator early destroys the stream with an AbortError; only the close matters here.)
    if (!stream.closed) await new Promise((resolve) => stream.once('close', resolve));
    expect(handle.fd).toBe(-1);
    await handle.close();
  }
}

const hasResources = (file: Buffer) => file.includes('"resources": [\n    {');

describe('processState by byte range', () => {
  it.each(fixtureStates())('%s: the same results and summary as the stream', async (path) => {
    const file = readFixture(path);
    const expected = await streamed(file);
    const got = await ranged(file, { split: { batchBytes: 2048 } });
    expect(got.results).toEqual(expected.results);
    expect(got.summary).toEqual(expected.summary);
    // Odd-key fixtures are not all in Terraform's layout; those are streamed.
    if (path.startsWith('terraform/') && hasResources(file)) expect(got.readBy).toBe('range');
  });

  it('joins many stretches of a generated state, with progress up to the last byte', async () => {
    const state = generateLargeState({ targetBytes: 600_000, seed: 7 });
    const file = Buffer.concat([...state.chunks()]);
    const expected = await streamed(file);
    const progress: EngineProgress[] = [];
    const got = await ranged(file, { fileChunkBytes: 8192, split: { batchBytes: 16_384 }, onProgress: (p) => progress.push(p) });
    expect(got.readBy).toBe('range');
    expect(got.results).toEqual(expected.results);
    expect(got.summary).toEqual(expected.summary);
    expect(progress.at(-1)).toEqual({ bytes: file.length, resources: expected.results.length });
  });

  it('streams a state whose layout breaks after the first resources, with the same results', async () => {
    const file = readFixture('terraform/generated/aws-6-services.tfstate');
    const at = file.indexOf('\n    },\n    {', file.indexOf('\n    },\n    {') + 1);
    expect(at).toBeGreaterThan(0);
    const broken = Buffer.concat([file.subarray(0, at), Buffer.from('\n    }\n    ,\n    {'), file.subarray(at + '\n    },\n    {'.length)]);
    const expected = await streamed(broken);
    const got = await ranged(broken);
    expect(got.readBy).toBe('stream');
    expect(got.results).toEqual(expected.results);
  });

  it('is not fooled by a "resources" array in Terraform\'s layout nested in an output', async () => {
    const text = [
      '{',
      '  "version": 4,',
      '  "terraform_version": "1.11.4",',
      '  "serial": 1,',
      '  "lineage": "0b5f5ae4-3a32-4c2a-a6a4-5f3f7f3e9a11",',
      '  "outputs": {"x": {"value": {',
      '  "resources": [',
      '    {',
      '      "mode": "managed", "type": "null_resource", "name": "fake", "provider": "provider[\\"registry.terraform.io/hashicorp/null\\"]", "instances": []',
      '    }',
      '  ]',
      '}, "type": "dynamic"}},',
      '  "resources": [],',
      '  "check_results": null',
      '}',
      '',
    ].join('\n');
    const file = Buffer.from(text);
    const expected = await streamed(file);
    const got = await ranged(file);
    expect(expected.results).toEqual([]);
    expect(got.results).toEqual([]);
    expect(got.summary).toEqual(expected.summary);
    expect(got.readBy).toBe('stream');
  });

  it('reports a state cut short after its resources exactly as the stream does', async () => {
    const file = readFixture('terraform/generated/aws-6-services.tfstate');
    const cut = file.subarray(0, file.lastIndexOf('\n  ]') + 10);
    const expected = await rejection(() => processState(chunked(cut, 4096), { pool: shared, inProcessBelowBytes: 0 }).toArray());
    const handle = await open(writeTemp(cut), 'r');
    try {
      const error = await rejection(() => processState(handle.createReadStream(), { pool: shared, inProcessBelowBytes: 0, fd: handle.fd, size: cut.length }).toArray());
      expect(error.code).toBe('TEMPEH_E_INVALID_STATE');
      expect(error.message).toBe(expected.message);
    } finally {
      await handle.close();
    }
  });

  it('gives tasks the resource index in the whole state, also in later stretches', async () => {
    const file = readFixture('terraform/generated/aws-6-services.tfstate');
    const handle = await open(writeTemp(file), 'r');
    const failing = new EnginePool({ threads: 2, tasks: [fixtureTask('failing.mjs', 'throwOnSecond')] });
    try {
      const processing = processState(handle.createReadStream(), { pool: failing, inProcessBelowBytes: 0, fd: handle.fd, size: file.length, fileChunkBytes: 1024, split: { batchBytes: 1 } });
      const error = await rejection(() => processing.toArray());
      expect(error).toBeInstanceOf(WorkerTaskError);
      expect(error.message).toMatch(/resource 1\b/);
      expect(processing.readBy).toBe('range');
    } finally {
      await failing.close();
      await handle.close();
    }
  });
});
