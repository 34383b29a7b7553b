import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CLI_BIN, IN_CI, REPO_ROOT, cleanEnv } from './cli.js';

/**
 * The PostgreSQL server the CLI's pg tests run against: `TEMPEH_TEST_PG_URL`,
 * as for packages/backend-postgres (scripts/services/postgres/start.sh
 * prints one). Each test file gets a database of its own, created before its
 * tests and dropped after. Without the variable the tests are skipped
 * locally, with the reason as the test name; under CI=true they fail.
 */
export const PG_URL: string | undefined = process.env['TEMPEH_TEST_PG_URL'] || undefined;

export const SKIP_REASON = 'skipped: TEMPEH_TEST_PG_URL not set; start one with scripts/services/postgres/start.sh';

/** The part of node-postgres's Client these helpers use. */
interface AdminClient {
  connect(): Promise<void>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}
interface PgModule {
  Client: new (config: Record<string, unknown>) => AdminClient;
  escapeIdentifier(name: string): string;
}

/**
 * `pg` is a dependency of @tempeh/backend-postgres, not of the CLI; it is
 * loaded from there rather than adding a dependency only the tests need.
 */
function loadPg(): PgModule {
  const requireFromBackend = createRequire(path.join(REPO_ROOT, 'packages/backend-postgres/package.json'));
  const loaded: PgModule = requireFromBackend('pg');
  return loaded;
}

export interface TestDatabase {
  /** Its URL with the server's credentials (the password in it, when the server URL has one). */
  readonly url: (query?: Record<string, string>) => string;
  /** Its URL without the password, for the PGPASSWORD cases. */
  readonly urlWithoutPassword: (query?: Record<string, string>) => string;
  /** The server's password (from the URL, else PGPASSWORD): no output may contain it. */
  readonly password: () => string;
  readonly name: () => string;
  readonly host: () => string;
  readonly port: () => number;
  readonly user: () => string;
  /** A schema name no other test of the file uses. */
  readonly freshSchema: (prefix?: string) => string;
}

/** `describe` with a database of its own, when there is a server; a skipped (locally) or failing (CI) test otherwise. */
export function describeWithPostgres(name: string, body: (db: TestDatabase) => void): void {
  const serverUrl = PG_URL;
  if (serverUrl) {
    describe(name, () => body(useTestDatabase(serverUrl, name)));
    return;
  }
  describe(name, () => {
    if (IN_CI) {
      it('needs a PostgreSQL server (CI=true, so this fails instead of skipping)', () => {
        throw new Error('TEMPEH_TEST_PG_URL is not set, and under CI=true the PostgreSQL tests must run: start a server with `eval "$(scripts/services/postgres/start.sh)"`');
      });
    } else {
      it.skip(SKIP_REASON, () => undefined);
    }
  });
}

function useTestDatabase(serverUrl: string, label: string): TestDatabase {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
  const name = `tempeh_cli_${slug}_${randomBytes(4).toString('hex')}`;
  const server = new URL(serverUrl);
  const password = decodeURIComponent(server.password) || process.env['PGPASSWORD'] || '';
  let schemas = 0;

  beforeAll(async () => {
    await withAdmin(serverUrl, password, (client, pg) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  });
  afterAll(async () => {
    // FORCE (PostgreSQL 13+) ends sessions a killed child left behind.
    await withAdmin(serverUrl, password, (client, pg) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
  });

  const build = (withPassword: boolean, query: Record<string, string>): string => {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    if (!withPassword) url.password = '';
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url.href;
  };
  return {
    url: (query = {}) => build(true, query),
    urlWithoutPassword: (query = {}) => build(false, query),
    password: () => password,
    name: () => name,
    host: () => decodeURIComponent(server.hostname.replace(/^\[(.*)\]$/, '$1')) || 'localhost',
    port: () => (server.port ? Number(server.port) : 5432),
    user: () => decodeURIComponent(server.username),
    freshSchema: (prefix = 's') => `${prefix}_${++schemas}_${randomBytes(3).toString('hex')}`,
  };
}

async function withAdmin<T>(serverUrl: string, password: string, fn: (client: AdminClient, pg: PgModule) => Promise<T>): Promise<T> {
  const pg = loadPg();
  const url = new URL(serverUrl);
  const mode = url.searchParams.get('sslmode');
  const client = new pg.Client({
    host: decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, '$1')) || 'localhost',
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || undefined,
    password: password || undefined,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    // Not a connection string: node-postgres reads sslmode=prefer as require, which a server without SSL refuses.
    ssl: mode === 'require' || mode === 'verify-ca' || mode === 'verify-full' ? { rejectUnauthorized: mode !== 'require' } : false,
  });
  await client.connect();
  try {
    return await fn(client, pg);
  } finally {
    await client.end();
  }
}

/** A `tempeh` process left running (exec), with what it printed so far. */
export interface RunningTempeh {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves once stderr contains `text`; rejects if the process exits first. */
  waitForStderr: (text: string) => Promise<void>;
  /** Resolves with the exit code (null when killed) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the built CLI and leaves it running. It leads a process group of
 * its own, so `killGroup` can also end what it started (exec's child).
 */
export function startTempeh(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): RunningTempeh {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.stdout?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const waitForStderr = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (stderr.includes(text)) {
          child.stderr?.off('data', check);
          resolve();
        }
      };
      child.stderr?.on('data', check);
      check();
      void exited.then(({ code, signal }) => reject(new Error(`tempeh exited (code ${code}, signal ${signal}) before printing ${JSON.stringify(text)}:\n${stderr}`)));
    });
  return { child, stderr: () => stderr, waitForStderr, exited };
}

/** SIGKILLs the whole process group of a started tempeh (the CLI and its exec child); quiet if it is gone already. */
export function killGroup(running: RunningTempeh): void {
  const pid = running.child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    // ESRCH: every process of the group has exited already, which is what we wanted.
    if (!(error instanceof Error && 'code' in error && error.code === 'ESRCH')) throw error;
  }
}
