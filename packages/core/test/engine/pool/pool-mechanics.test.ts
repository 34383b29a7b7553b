import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonNumber } from '../../../src/json/json-value.js';
import { EnginePool, builtinTask, packBatch, type RawResource } from '../../../src/engine/pool/index.js';
import { fixtureState, fixtureTask, ownedBatch, resourceBatch } from './fixture-batches.js';

const batch = resourceBatch(fixtureState('terraform.tfstate'));

describe('the batch crossing the thread boundary', () => {
  let pool: EnginePool;
  beforeAll(() => {
    pool = new EnginePool({ threads: 2, tasks: [fixtureTask('misc.mjs', 'where'), builtinTask('resource-hash')] });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('a PackedBatch buffer is transferred, not copied: detached here after run', async () => {
    const packed = packBatch(batch);
    const size = packed.buffer.byteLength;
    expect(size).toBe(batch.reduce((sum, raw) => sum + raw.bytes.byteLength, 0));
    const results = await pool.run(packed);
    expect(packed.buffer.byteLength).toBe(0);
    expect(results).toHaveLength(batch.length);
  });

  it('a RawResource[] is packed into a buffer of its own: the caller\'s bytes stay usable', async () => {
    const before = batch.map((raw) => raw.bytes.byteLength);
    await pool.run(batch);
    expect(batch.map((raw) => raw.bytes.byteLength)).toEqual(before);
  });

  it('each task sees its resource\'s own bytes, index and offset, even when they are views into one shared buffer', async () => {
    // As the splitter hands them over: subarrays of one read chunk, out of order.
    const chunk = new TextEncoder().encode('xx{"a":1}yy{"bb":22}zz');
    const raws: RawResource[] = [
      { bytes: chunk.subarray(11, 20), index: 5, offset: 1011 },
      { bytes: chunk.subarray(2, 9), index: 4, offset: 1002 },
    ];
    const results = await pool.run(raws);
    expect(results.map((row) => row.values[0])).toEqual([
      { index: 5, offset: 1011, length: 9, first: 0x7b },
      { index: 4, offset: 1002, length: 7, first: 0x7b },
    ]);
    expect(results.map((row) => [row.index, row.offset])).toEqual([
      [5, 1011],
      [4, 1002],
    ]);
    expect(chunk.byteLength).toBe(22);
  });

  it('an OwnedBatch (the splitter\'s shape) is transferred as it is, with no copy', async () => {
    const owned = ownedBatch(batch);
    const expected = await pool.run(batch);
    const results = await pool.run(owned);
    expect(owned.buffer.byteLength).toBe(0);
    expect(owned.resources.every((raw) => raw.bytes.byteLength === 0)).toBe(true);
    expect(results).toEqual(expected);
  });

  it('an OwnedBatch whose bytes are not all views into its buffer is copied instead', async () => {
    const owned = ownedBatch(batch);
    const mixed = { buffer: owned.buffer, resources: [...owned.resources.slice(1), batch[0]].filter((raw) => raw !== undefined) };
    const results = await pool.run(mixed);
    expect(owned.buffer.byteLength).toBeGreaterThan(0);
    expect(results.map((row) => row.index)).toEqual(mixed.resources.map((raw) => raw.index));
  });

  it('an empty batch gives no rows', async () => {
    expect(await pool.run([])).toEqual([]);
  });

  it('numbers a double cannot hold come back as the same JsonNumber', async () => {
    const bigPool = new EnginePool({ threads: 1, tasks: [fixtureTask('misc.mjs', 'firstBig')] });
    try {
      const text = '{"mode":"managed","type":"t","name":"n","provider":"p","instances":[{"schema_version":0,"attributes":{"big":123456789012345678901234567890}}]}';
      const [row] = await bigPool.run([{ bytes: new TextEncoder().encode(text), index: 0, offset: 0 }]);
      const value: unknown = row?.values[0];
      expect(value).toBeInstanceOf(JsonNumber);
      expect(value instanceof JsonNumber && value.raw).toBe('123456789012345678901234567890');
    } finally {
      await bigPool.close();
    }
  });
});

describe('pool sizing and backpressure', () => {
  it('defaults to one thread per available core', async () => {
    const pool = new EnginePool({ tasks: [builtinTask('resource-hash')] });
    try {
      expect(pool.threads).toBe(availableParallelism());
      expect(await pool.run(batch.slice(0, 1))).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });

  it('holds run() calls beyond maxInFlight until a batch is answered, and answers all in order', async () => {
    const pool = new EnginePool({ threads: 1, maxInFlight: 2, tasks: [fixtureTask('misc.mjs', 'sleep', { ms: 20 })] });
    try {
      const runs = [0, 1, 2, 3, 4].map((i) => pool.run([{ bytes: new Uint8Array(1), index: i, offset: 0 }]));
      expect([pool.inFlight, pool.waiting]).toEqual([2, 3]);
      const results = await Promise.all(runs);
      expect(results.map((rows) => rows[0]?.values[0])).toEqual([0, 1, 2, 3, 4]);
      expect([pool.inFlight, pool.waiting]).toEqual([0, 0]);
    } finally {
      await pool.close();
    }
  });
});

describe('close()', () => {
  it('leaves no threads behind: a process that closes its pool exits by itself', () => {
    // A real child process: if any worker thread were left alive it would
    // never exit, and spawnSync's timeout would kill it (signal SIGKILL).
    const poolModule = new URL('../../../dist/engine/pool/index.js', import.meta.url).href;
    const script = `
      const { EnginePool, builtinTask } = await import(${JSON.stringify(poolModule)});
      const pool = new EnginePool({ threads: 2, tasks: [builtinTask('resource-hash')] });
      const rows = await pool.run([{ bytes: new TextEncoder().encode('{}'), index: 0, offset: 0 }]);
      await pool.close();
      await pool.close();
      console.log(rows.length);
      setInterval(() => {}, 1000).unref();
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
      timeout: 20_000,
      killSignal: 'SIGKILL',
    });
    expect(child.stderr).toBe('');
    expect([child.status, child.signal, child.stdout.trim()]).toEqual([0, null, '1']);
  }, 30_000);
});
