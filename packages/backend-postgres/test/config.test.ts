import { ConfigurationError, Kernel, isTempehError } from '@tempeh/core';
import { describe, expect, it } from 'vitest';
import {
  MAX_TABLE_NAME_BYTES,
  PostgresBackend,
  createPostgresBackend,
  createTerraformPgBackend,
  parseConnString,
  parsePostgresBackendConfig,
  postgresBackendPlugin,
  postgresConfigFromUrl,
} from '../src/index.js';

const SECRET = 'S3cr3t-p@ss:w/rd%';

/** Runs `action`, expects a Tempeh error, and returns it. */
function thrown(action: () => unknown): Error & { code?: unknown; hint?: unknown } {
  try {
    action();
  } catch (error) {
    if (isTempehError(error)) return error;
    throw error;
  }
  throw new Error('expected a Tempeh error, nothing was thrown');
}

function issuesOf(error: unknown): Array<{ path: string; message: string }> {
  return error instanceof ConfigurationError ? [...error.issues] : [];
}

/** Everything a user could see of an error: message, hint, JSON, causes. */
function visibleText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.message, String(Reflect.get(current, 'hint') ?? ''), JSON.stringify(Reflect.get(current, 'issues') ?? ''), String(current.stack));
    if (isTempehError(current)) parts.push(JSON.stringify(current.toJSON()));
    current = current.cause;
  }
  return parts.join('\n');
}

describe('postgres backend config', () => {
  it("fills Kolumn's defaults; the schema default depends on compat", () => {
    const config = parsePostgresBackendConfig({ database: 'tf' });
    expect(config).toMatchObject({
      host: 'localhost',
      port: 5432,
      ssl_mode: 'prefer',
      table_name: 'kolumn_state',
      lock_table: 'kolumn_locks',
      compat: 'tempeh',
      pool_size: 10,
      chunk_size: 4 * 1024 * 1024,
    });
    expect(config.schema).toBeUndefined();
    const backend = new PostgresBackend(config, { env: {} });
    expect(backend.tables.raw).toMatchObject({ schema: 'public', versions: 'kolumn_state', locks: 'kolumn_locks', chunks: 'kolumn_state_chunks' });
    expect(backend.settings).toMatchObject({ host: 'localhost', port: 5432, database: 'tf', sslMode: 'prefer' });
  });

  it('lists every bad field in one TEMPEH_E_CONFIG error', () => {
    const error = thrown(() =>
      parsePostgresBackendConfig({
        host: '',
        port: 70000,
        ssl_mode: 'sometimes',
        table_name: 'x'.repeat(MAX_TABLE_NAME_BYTES + 1),
        lock_table: '',
        compat: 'kolumn',
        pool_size: 0,
        chunk_size: 10,
        colour: 'blue',
      }),
    );
    expect(error.code).toBe('TEMPEH_E_CONFIG');
    expect(issuesOf(error).map((i) => i.path).sort()).toEqual(
      ['chunk_size', 'colour', 'compat', 'database', 'host', 'lock_table', 'pool_size', 'port', 'ssl_mode', 'table_name'].sort(),
    );
  });

  it('never shows the password: not for a bad password, a bad conn_str, or through the kernel', async () => {
    const direct = thrown(() => parsePostgresBackendConfig({ database: 'tf', password: 12345, conn_str: `postgres://u:${SECRET}@h/db?bogus=${SECRET}` }));
    expect(issuesOf(direct).map((i) => i.path).sort()).toEqual(['conn_str', 'password']);
    expect(visibleText(direct)).not.toContain(SECRET);
    expect(visibleText(direct)).not.toContain('12345');

    const kernel = new Kernel();
    await kernel.use(postgresBackendPlugin);
    const viaKernel = await kernel.backends.create('postgres', { password: SECRET, port: 'x' }, { cwd: '/' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(Reflect.get(Object(viaKernel), 'code')).toBe('TEMPEH_E_CONFIG');
    expect(visibleText(viaKernel)).not.toContain(SECRET);
  });

  it('refuses schema and table names PostgreSQL would truncate (a 10 KB name) or cannot store (NUL)', () => {
    const error = thrown(() =>
      parsePostgresBackendConfig({ database: 'tf', schema: 's'.repeat(10 * 1024), table_name: 'a\u0000b', lock_table: 'ü'.repeat(32) }),
    );
    expect(issuesOf(error).map((i) => i.path).sort()).toEqual(['lock_table', 'schema', 'table_name']);
    // 63 bytes is the limit: 31 two-byte characters fit, and quotes, semicolons and SQL are just characters.
    expect(parsePostgresBackendConfig({ database: 'tf', schema: 'ü'.repeat(31), lock_table: `x"; DROP TABLE y; --'` }).schema).toBe('ü'.repeat(31));
  });

  it('refuses a lock table named like one of the state tables', () => {
    const error = thrown(() => parsePostgresBackendConfig({ database: 'tf', table_name: 'st', lock_table: 'st_chunks' }));
    expect(issuesOf(error).map((i) => i.path)).toEqual(['lock_table']);
  });

  it('takes conn_str in both libpq forms; fields it sets may not be set differently beside it', () => {
    const uri = parsePostgresBackendConfig({ conn_str: `postgresql://ci:${encodeURIComponent(SECRET)}@db.internal:6432/tf?sslmode=require` });
    const fromUri = new PostgresBackend(uri, { env: {} });
    expect(fromUri.settings).toMatchObject({ host: 'db.internal', port: 6432, database: 'tf', user: 'ci', sslMode: 'require' });

    const kv = parseConnString(`host=db port=5433 dbname='my db' user=ci password='it\\'s secret' sslmode=disable`);
    expect(kv).toEqual({ ok: true, parts: { host: 'db', port: 5433, database: 'my db', user: 'ci', password: "it's secret", sslmode: 'disable' } });
    expect(parseConnString('host=db target_session_attrs=any')).toEqual({ ok: false, problem: 'has parameters Tempeh does not support: target_session_attrs' });

    // Beside conn_str: a field it does not set is fine, one it sets differently is not.
    expect(parsePostgresBackendConfig({ conn_str: 'postgres://db/tf', password: SECRET }).password).toBe(SECRET);
    const error = thrown(() => parsePostgresBackendConfig({ conn_str: 'postgres://db:5433/tf', host: 'other', port: 5433, database: 'tf2' }));
    expect(issuesOf(error).map((i) => i.path).sort()).toEqual(['database', 'host']);
  });

  it("compat 'terraform' is TerraformPgBackend's, in schema terraform_remote_state by default; PostgresBackend refuses it", () => {
    expect(thrown(() => createPostgresBackend({ database: 'tf', compat: 'terraform' })).code).toBe('TEMPEH_E_CAPABILITY');
    expect(createTerraformPgBackend({ database: 'tf' }).sql.raw).toEqual({ schema: 'terraform_remote_state', locks: 'kolumn_locks' });
    expect(createTerraformPgBackend({ database: 'tf', schema: 'infra' }).sql.states).toBe('"infra".states');
  });
});

describe('postgres backend URLs', () => {
  it('postgres:// and postgresql:// pick the postgres type; user, password and database are %-decoded', async () => {
    const kernel = new Kernel();
    await kernel.use(postgresBackendPlugin);
    for (const scheme of ['postgres', 'postgresql']) {
      const { type, config } = kernel.backends.fromUrl(
        `${scheme}://ops%40corp:${encodeURIComponent(SECRET)}@db.internal:6543/tf%20states?schema=infra&table_name=st&compat=tempeh&sslmode=disable&pool_size=3`,
        {},
      );
      expect(type).toBe('postgres');
      expect(config).toEqual({
        host: 'db.internal',
        port: 6543,
        username: 'ops@corp',
        password: SECRET,
        database: 'tf states',
        schema: 'infra',
        table_name: 'st',
        compat: 'tempeh',
        ssl_mode: 'disable',
        pool_size: 3,
      });
      const backend = await kernel.backends.create(type, config, { cwd: '/' });
      expect(backend).toBeInstanceOf(PostgresBackend);
      await backend.close();
    }
  });

  it('takes the password from PGPASSWORD when the URL has none', () => {
    expect(postgresConfigFromUrl(new URL('postgres://ci@db/tf'), { PGPASSWORD: SECRET })['password']).toBe(SECRET);
    expect(postgresConfigFromUrl(new URL('postgres://ci:inline@db/tf'), { PGPASSWORD: SECRET })['password']).toBe('inline');
  });

  it('an unknown query parameter is a config error naming it, and the URL (with its password) is never quoted', async () => {
    const kernel = new Kernel();
    await kernel.use(postgresBackendPlugin);
    const { type, config } = kernel.backends.fromUrl(`postgres://ci:${encodeURIComponent(SECRET)}@db/tf?colour=blue`, {});
    const error = await kernel.backends.create(type, config, { cwd: '/' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(issuesOf(error).map((i) => i.path)).toEqual(['colour']);
    expect(visibleText(error)).not.toContain(SECRET);
    const malformed = thrown(() => postgresConfigFromUrl(new URL('postgres://ci:Plain5ecret%zz@db/tf'), {}));
    expect(malformed.code).toBe('TEMPEH_E_CONFIG');
    expect(visibleText(malformed)).not.toContain('Plain5ecret');
  });
});
