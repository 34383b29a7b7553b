import { Kernel, StateManager, createState, parseState } from '@tempeh/core';
import { afterEach, expect, it } from 'vitest';
import { PostgresBackend, createPostgresBackend, postgresBackendPlugin, readStateHeader } from '../src/index.js';
import { describeWithPostgres } from './support/pg-server.js';

const CHUNK = 1024;

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function* pieces(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.byteLength; offset += size) yield data.subarray(offset, offset + size);
}

/** Every byte value, invalid UTF-8 (lone continuation bytes, a cut multi-byte character, an overlong NUL), NUL itself. */
function awkwardBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  const invalid = Buffer.from([0x80, 0xbf, 0xc0, 0x80, 0xe6, 0x9d, 0xff, 0xfe, 0x00, 0xf0, 0x9f, 0x8c]);
  for (let i = 0; i < length; i++) out[i] = i % 3 === 0 ? (invalid[i % invalid.length] ?? 0) : (i * 7) % 256;
  return out;
}

describeWithPostgres('postgres bytes and chunks', (db) => {
  const open: PostgresBackend[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((backend) => backend.close()));
  });

  async function fresh(): Promise<{ backend: PostgresBackend; schema: string }> {
    const schema = db.freshSchema('bytes');
    const backend = createPostgresBackend(db.config({ schema, chunk_size: CHUNK }));
    open.push(backend);
    await backend.init();
    return { backend, schema };
  }

  it('any bytes come back exactly, whatever the chunk boundaries: empty, one byte, chunk multiples, invalid UTF-8', async () => {
    const { backend, schema } = await fresh();
    for (const length of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * CHUNK + 17]) {
      const data = awkwardBytes(length);
      const written = await backend.writeStream('default', pieces(data, 333));
      expect(written.size).toBe(length);
      expect((await backend.getState('default'))?.data.equals(data), `getState of ${length} bytes`).toBe(true);
      const handle = await backend.readStream('default');
      expect(handle?.size).toBe(length);
      expect((await readAll(handle?.stream ?? pieces(Buffer.alloc(0), 1))).equals(data), `readStream of ${length} bytes`).toBe(true);

      const rows = await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM "${schema}".kolumn_state_chunks c JOIN "${schema}".kolumn_state v ON v.id = c.version_id WHERE v.version = (SELECT max(version) FROM "${schema}".kolumn_state)`,
      );
      expect(Number(rows.rows[0]?.n), `chunks of ${length} bytes`).toBe(Math.ceil(length / CHUNK));
    }
  });

  it('a chunk read in several slices (chunks above the 1 MiB read slice) comes back exactly', async () => {
    const schema = db.freshSchema('slices');
    const backend = createPostgresBackend(db.config({ schema, chunk_size: 3 * 1024 * 1024 }));
    open.push(backend);
    await backend.init();
    const data = awkwardBytes(7 * 1024 * 1024 + 5);
    await backend.writeStream('default', pieces(data, 65536));
    const handle = await backend.readStream('default');
    expect((await readAll(handle?.stream ?? pieces(Buffer.alloc(0), 1))).equals(data)).toBe(true);
    expect((await backend.getState('default'))?.data.equals(data)).toBe(true);
  });

  it('the serial and lineage come from the top level of the head only', () => {
    const nested = Buffer.from('{"resources": [{"serial": 99, "lineage": "inner"}], "serial": 3, "lineage": "outer"}');
    expect(readStateHeader(nested)).toEqual({ serial: 3, lineage: 'outer' });
    expect(readStateHeader(Buffer.from('{"version": 4, "lineage": "x\\"y", "serial": 12}'))).toEqual({ serial: 12, lineage: 'x"y' });
    expect(readStateHeader(Buffer.from('not json'))).toEqual({ serial: undefined, lineage: undefined });
    expect(readStateHeader(Buffer.from('{"serial": 1e3, "lineage": 7}'))).toEqual({ serial: undefined, lineage: undefined });
  });

  it('through the kernel and StateManager, as the README shows', async () => {
    const kernel = new Kernel();
    await kernel.use(postgresBackendPlugin);
    const backend = await kernel.backends.create('postgres', db.config({ schema: db.freshSchema('readme') }), { cwd: process.cwd() });
    if (!(backend instanceof PostgresBackend)) return expect.fail('the kernel did not create a PostgresBackend');
    open.push(backend);
    await backend.init();
    const states = new StateManager({ kernel, backend });
    const saved = await states.save('staging', { ...createState(), serial: 1 });
    expect(saved.unchanged).toBe(false);
    expect(await states.listWorkspaces()).toEqual(['default', 'staging']);
    expect(await states.getLock('staging')).toBeUndefined();
    const stored = await backend.getState('staging');
    expect(parseState(stored?.data ?? Buffer.alloc(0)).lineage).toBe(saved.state.lineage);
    const [version] = await backend.versions.list('staging');
    expect(version).toMatchObject({ serial: 1, lineage: saved.state.lineage });
  });
});
