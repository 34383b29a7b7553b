import { userInfo } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionError, type TempehError } from '@tempeh/core';
import pg from 'pg';
import { parseConnString, type ConnectionParts } from './conn-string.js';
import { DEFAULTS, isSslMode, type PostgresBackendConfig, type SslMode } from './config.js';
import { Redactor, isConnectionFailure, isRetryableConnectFailure, toTempehError, type Endpoint } from './errors.js';

/** Everything needed to connect, except the password (kept apart so it is never printed with the rest). */
export interface ConnectionSettings extends Endpoint {
  sslMode: SslMode;
  applicationName: string;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  poolSize: number;
  connectRetries: number;
}

/**
 * Merges the config fields, `conn_str` and the environment: an explicit
 * field wins over the connection string, which wins over the defaults. The
 * user falls back to PGUSER, then the OS user (as libpq does); the password
 * to PGPASSWORD, then `~/.pgpass` (read by node-postgres).
 */
export function resolveConnection(config: PostgresBackendConfig, env: NodeJS.ProcessEnv): { settings: ConnectionSettings; password: string | undefined } {
  let parts: ConnectionParts = {};
  if (config.conn_str !== undefined) {
    const parsed = parseConnString(config.conn_str);
    // The schema has checked it already; this only narrows the type.
    if (parsed.ok) parts = parsed.parts;
  }
  const pick = <T>(value: T, fieldDefault: T, fromString: T | undefined): T => (value !== fieldDefault || fromString === undefined ? value : fromString);
  const sslFromString = parts.sslmode !== undefined && isSslMode(parts.sslmode) ? parts.sslmode : undefined;
  const user = config.username ?? parts.user ?? env['PGUSER'] ?? safeOsUser();
  const settings: ConnectionSettings = {
    host: pick(config.host, DEFAULTS.host, parts.host),
    port: pick(config.port, DEFAULTS.port, parts.port),
    user,
    database: config.database ?? parts.database ?? user,
    sslMode: pick(config.ssl_mode, DEFAULTS.ssl_mode, sslFromString),
    applicationName: pick(config.application_name, DEFAULTS.application_name, parts.application_name),
    connectTimeoutMs: pick(config.connect_timeout_ms, DEFAULTS.connect_timeout_ms, parts.connect_timeout === undefined ? undefined : parts.connect_timeout * 1000),
    statementTimeoutMs: config.statement_timeout_ms,
    poolSize: config.pool_size,
    connectRetries: config.connect_retries,
  };
  return { settings, password: config.password ?? parts.password ?? env['PGPASSWORD'] };
}

function safeOsUser(): string {
  try {
    return userInfo().username;
  } catch (error) {
    // userInfo throws when the uid has no passwd entry (some containers); libpq would fail the same way, so name the fix.
    throw new ConnectionError('no PostgreSQL user name: username is not set, PGUSER is empty and the OS user has no name', {
      cause: error,
      hint: 'set username in the config or the URL',
    });
  }
}

type SslOption = boolean | ConnectionOptions;

/**
 * libpq's sslmode in node-postgres terms, as the attempts to make in order.
 * node-postgres has no fallback of its own, so `prefer` (SSL if the server
 * has it) and `allow` (plain unless the server insists) try one way, then
 * the other. Like libpq, `require` does not verify the certificate.
 */
function sslAttempts(mode: SslMode): SslOption[] {
  const unverified: ConnectionOptions = { rejectUnauthorized: false };
  switch (mode) {
    case 'disable':
      return [false];
    case 'allow':
      return [false, unverified];
    case 'prefer':
      return [unverified, false];
    case 'require':
      return [unverified];
    case 'verify-ca':
      // The chain is checked, the host name is not.
      return [{ rejectUnauthorized: true, checkServerIdentity: () => undefined }];
    case 'verify-full':
      return [{ rejectUnauthorized: true }];
  }
}

/** The first attempt failed in the way that means "try the other sslmode". */
function wantsOtherSsl(error: unknown, attempt: SslOption): boolean {
  const message = error instanceof Error ? error.message : '';
  if (attempt === false) return /no encryption/i.test(message); // pg_hba.conf has only hostssl lines for us
  return /does not support SSL/i.test(message);
}

/**
 * The connection pool, created on first use (so constructing a backend
 * never touches the network), plus dedicated sessions for locks. Failed
 * connection attempts are retried with backoff when nothing was sent yet;
 * statements are never retried, since they may have taken effect.
 */
export class Database {
  readonly settings: ConnectionSettings;
  readonly redactor: Redactor;
  /** For hints: which tables the backend uses. */
  readonly tablesLabel: string;
  readonly #password: string | undefined;
  #ssl: SslOption | undefined;
  #pool: pg.Pool | undefined;
  #poolPromise: Promise<pg.Pool> | undefined;
  readonly #sessions = new Set<pg.Client>();
  #closed = false;

  constructor(settings: ConnectionSettings, password: string | undefined, tablesLabel: string) {
    this.settings = settings;
    this.#password = password;
    this.redactor = new Redactor(password);
    this.tablesLabel = tablesLabel;
  }

  /** A driver error as a TempehError; TempehErrors pass through. */
  wrap(error: unknown, action: string): TempehError {
    return toTempehError(error, action, this.settings, this.redactor, this.tablesLabel);
  }

  /** One statement on a pooled connection. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(action: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.withClient(action, (client) => client.query<R>(text, values));
  }

  /**
   * Runs `fn` with a pooled connection. A connection that failed is
   * destroyed rather than returned to the pool.
   */
  async withClient<T>(action: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#checkout(action);
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (error) {
      if (isConnectionFailure(error)) broken = error instanceof Error ? error : new Error(String(error));
      throw this.wrap(error, action);
    } finally {
      client.release(broken);
    }
  }

  /**
   * Runs `fn` inside BEGIN … COMMIT on one pooled connection. Any error rolls
   * back; if the connection itself failed, the server has rolled back already.
   */
  async transaction<T>(action: string, fn: (client: pg.PoolClient) => Promise<T>, options: { isolation?: 'read committed' | 'repeatable read' } = {}): Promise<T> {
    const client = await this.#checkout(action);
    let broken: Error | undefined;
    try {
      await client.query(options.isolation === 'repeatable read' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ' : 'BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (!isConnectionFailure(error)) {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            // The rollback failing means the connection is gone; the server discards the transaction with it.
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          });
        }
        throw error;
      }
    } catch (error) {
      if (isConnectionFailure(error)) broken = error instanceof Error ? error : new Error(String(error));
      throw this.wrap(error, action);
    } finally {
      client.release(broken);
    }
  }

  /**
   * A connection of its own, outside the pool, for a session-level advisory
   * lock that must live exactly as long as a Tempeh lock. The caller ends it.
   */
  async session(action: string): Promise<pg.Client> {
    this.#assertOpen();
    await this.#getPool(action); // resolves the sslmode once
    const client = await this.#withRetries(action, async () => {
      const candidate = new pg.Client(this.#clientConfig(this.#ssl ?? false));
      // A session dropped by the server (restart, pg_terminate_backend) emits 'error' while idle; without a listener
      // that would crash the process. The lock it held is then stale, which getLock reports.
      candidate.on('error', () => undefined);
      try {
        await candidate.connect();
      } catch (error) {
        await candidate.end().catch(() => undefined); // already failed; the connect error is the one to report
        throw error;
      }
      return candidate;
    });
    this.#sessions.add(client);
    return client;
  }

  /** Ends a session from `session()`. */
  async endSession(client: pg.Client): Promise<void> {
    this.#sessions.delete(client);
    // Ending a session whose connection already broke rejects; the session is gone either way, which is all we want.
    await client.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const sessions = [...this.#sessions];
    this.#sessions.clear();
    await Promise.all(sessions.map((client) => client.end().catch(() => undefined))); // see endSession
    const pool = this.#pool ?? (await this.#poolPromise?.catch(() => undefined)); // a pool that never connected has nothing to end
    this.#pool = undefined;
    this.#poolPromise = undefined;
    await pool?.end();
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ConnectionError('this PostgreSQL backend was closed', { hint: 'create a new backend; close() ends its connections for good' });
    }
  }

  async #checkout(action: string): Promise<pg.PoolClient> {
    this.#assertOpen();
    const pool = await this.#getPool(action);
    return this.#withRetries(action, () => pool.connect());
  }

  async #getPool(action: string): Promise<pg.Pool> {
    if (this.#pool) return this.#pool;
    this.#poolPromise ??= this.#createPool(action).then(
      (pool) => {
        this.#pool = pool;
        return pool;
      },
      (error: unknown) => {
        // Not memoised: the next call tries again (the server may be up by then).
        this.#poolPromise = undefined;
        throw error;
      },
    );
    return this.#poolPromise;
  }

  async #createPool(action: string): Promise<pg.Pool> {
    const attempts = sslAttempts(this.settings.sslMode);
    if (attempts.length > 1) this.#ssl = await this.#withRetries(action, () => this.#probeSsl(attempts));
    else this.#ssl = attempts[0] ?? false;
    const pool = new pg.Pool({ ...this.#clientConfig(this.#ssl), max: this.settings.poolSize, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    // An idle pooled connection the server drops emits 'error' on the pool; the pool discards it, and the next checkout opens a new one.
    pool.on('error', () => undefined);
    // A checked-out connection the server drops between two statements (a streaming write waiting for its source)
    // emits 'error' on the client, where pg-pool listens only while it is idle. The next statement then fails
    // with the connection error, which is reported, and the client is destroyed on release.
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
    });
    return pool;
  }

  /** Connects once per candidate sslmode and keeps the first that works (libpq's allow/prefer). */
  async #probeSsl(attempts: SslOption[]): Promise<SslOption> {
    let last: unknown;
    for (const [index, ssl] of attempts.entries()) {
      const client = new pg.Client(this.#clientConfig(ssl));
      client.on('error', () => undefined); // reported through connect()'s rejection
      try {
        await client.connect();
        await client.end();
        return ssl;
      } catch (error) {
        await client.end().catch(() => undefined); // the connect error is the one that matters
        last = error;
        if (index === attempts.length - 1 || !wantsOtherSsl(error, ssl)) throw error;
      }
    }
    throw last;
  }

  async #withRetries<T>(action: string, connect: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await connect();
      } catch (error) {
        if (attempt >= this.settings.connectRetries || !isRetryableConnectFailure(error)) throw this.wrap(error, action);
        // 100 ms, 200 ms, 400 ms …, with jitter so that many clients do not come back in step.
        await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  }

  #clientConfig(ssl: SslOption): pg.ClientConfig {
    const { settings } = this;
    return {
      host: settings.host,
      port: settings.port,
      user: settings.user,
      database: settings.database,
      password: this.#password,
      ssl,
      application_name: settings.applicationName,
      connectionTimeoutMillis: settings.connectTimeoutMs,
      statement_timeout: settings.statementTimeoutMs > 0 ? settings.statementTimeoutMs : false,
      keepAlive: true,
    };
  }
}
