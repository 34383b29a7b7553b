import { describeBackendConformance } from '@tempeh/core/testing';
import { createPostgresBackend, type PostgresBackend } from '../src/index.js';
import { describeWithPostgres } from './support/pg-server.js';

describeWithPostgres('postgres conformance', (db) => {
  // Each test gets a fresh schema in this file's database; dropping it removes every table the backend made.
  const schemas = new WeakMap<object, string>();
  describeBackendConformance({
    name: 'postgres',
    async create() {
      const schema = db.freshSchema('conformance');
      const backend: PostgresBackend = createPostgresBackend(db.config({ schema }));
      schemas.set(backend, schema);
      return backend;
    },
    async destroy(backend) {
      await backend.close();
      const schema = schemas.get(backend);
      if (schema) await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
    // The bound is 35% of the size. What a streamed round trip over a socket leaves for V8 to collect is
    // about 40-70 MiB at any size (V8 collects dead Buffers late; node-postgres allocates per message),
    // so the suite's default 200 MiB sits at the edge and 320 MiB shows the memory is bounded with room.
    // large-state.test.ts measures what the backend retains at 64 MiB.
    largeStateBytes: 320 * 1024 * 1024,
  });
});
