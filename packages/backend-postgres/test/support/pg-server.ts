import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { postgresConfigFromUrl, type PostgresBackendConfigInput } from '../../src/index.js';

/**
 * The PostgreSQL server the tests run against: `TEMPEH_TEST_PG_URL`, a URL
 * whose user may create databases (scripts/services/postgres/start.sh
 * prints one). Each test file gets a database of its own, created before
 * its tests and dropped after, so files run in parallel without meeting.
 *
 * Without the variable the suites are skipped locally, with the reason as
 * the test name; under CI=true they fail instead, since a CI run that
 * silently skipped the database tests would prove nothing.
 */
export const PG_URL: string | undefined = process.env['TEMPEH_TEST_PG_URL'] || undefined;
const IN_CI = process.env['CI'] === 'true' || process.env['CI'] === '1';

export const SKIP_REASON = 'skipped: TEMPEH_TEST_PG_URL not set; start one with scripts/services/postgres/start.sh';
export const CI_FAILURE =
  'TEMPEH_TEST_PG_URL is not set, and under CI=true the PostgreSQL tests must run: start a server with ' +
  '`eval "$(scripts/services/postgres/start.sh)"` (.ci/run does), or point TEMPEH_TEST_PG_URL at one';

/** A database of its own for one test file. */
export interface TestDatabase {
  /** Its name (valid once the file's beforeAll ran). */
  readonly name: () => string;
  /** Its URL, with the credentials of TEMPEH_TEST_PG_URL. */
  readonly url: () => string;
  /** A backend config for it; `extra` overrides fields. */
  readonly config: (extra?: Partial<PostgresBackendConfigInput>) => PostgresBackendConfigInput;
  /** A schema name no other test of the file uses. */
  readonly freshSchema: (prefix?: string) => string;
  /** Runs one statement in the test database, on a connection of its own. */
  readonly query: <R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<pg.QueryResult<R>>;
}

/**
 * `describe(name, …)` with a test database, when there is a server; a
 * skipped test saying why (locally) or a failing one (under CI) otherwise.
 */
export function describeWithPostgres(name: string, body: (db: TestDatabase) => void): void {
  if (PG_URL) {
    const url = PG_URL;
    describe(name, () => body(useTestDatabase(url, name)));
    return;
  }
  describe(name, () => {
    if (IN_CI) {
      it('needs a PostgreSQL server (CI=true, so this fails instead of skipping)', () => {
        throw new Error(CI_FAILURE);
      });
    } else {
      it.skip(SKIP_REASON, () => undefined);
    }
  });
}

function useTestDatabase(serverUrl: string, label: string): TestDatabase {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
  const name = `tempeh_t_${slug}_${randomBytes(4).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let schemas = 0;

  beforeAll(async () => {
    await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  });
  afterAll(async () => {
    // FORCE (PostgreSQL 13+) ends sessions a failed test left open, e.g. a killed child's that the server has not noticed yet.
    await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
  });

  return {
    name: () => name,
    url: () => url.href,
    config: (extra = {}) => ({ ...postgresConfigFromUrl(url, process.env), ...extra }),
    freshSchema: (prefix = 's') => `${prefix}_${++schemas}_${randomBytes(3).toString('hex')}`,
    query: (text, values = []) => withClient(url.href, (client) => client.query(text, values)),
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(adminConfig(url));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The URL as explicit settings. Not `connectionString`: node-postgres reads
 * sslmode=prefer as require, which a server without SSL refuses.
 */
function adminConfig(text: string): pg.ClientConfig {
  const url = new URL(text);
  const mode = url.searchParams.get('sslmode');
  return {
    host: decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, '$1')) || 'localhost',
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || process.env['PGPASSWORD'],
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    ssl: mode === 'require' || mode === 'verify-ca' || mode === 'verify-full' ? { rejectUnauthorized: mode !== 'require' } : false,
  };
}
