import { ConnectionError, IoError, isTempehError, type TempehError } from '@tempeh/core';
import pg from 'pg';

/**
 * The backend's errors are core's: a server that cannot be reached (or
 * drops the connection) is a ConnectionError naming host and port; any
 * other database failure is an IoError with a hint chosen by SQLSTATE. No
 * message, hint or cause ever carries the password: every text taken from
 * the driver goes through `Redactor`.
 */

/** Where the backend connects, for messages (no password). */
export interface Endpoint {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Removes a secret from texts; a very short password is left alone, since blanking every `a` would destroy the message and hide nothing. */
export class Redactor {
  readonly #needles: string[];
  constructor(secret: string | undefined) {
    this.#needles =
      secret !== undefined && secret.length >= 3 ? [...new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])] : [];
  }
  text(value: string): string {
    let out = value;
    for (const needle of this.#needles) out = out.replaceAll(needle, '***');
    return out;
  }
  /** The error as a cause that is safe to print: the original when it holds no secret, else a copy with the secret blanked. */
  cause(error: unknown): Error {
    const original = error instanceof Error ? error : new Error(String(error));
    const message = this.text(original.message);
    const stack = original.stack === undefined ? undefined : this.text(original.stack);
    if (message === original.message && stack === original.stack) return original;
    const copy = new Error(message);
    copy.name = original.name;
    if (stack !== undefined) copy.stack = stack;
    return copy;
  }
}

const NODE_CONNECT_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENOENT']);
/** Worth another attempt after a pause: the server may be starting, restarting, or briefly full. */
const RETRYABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE']);
const RETRYABLE_SQLSTATES = new Set(['57P03', '53300']);
/** Driver messages for a connection that failed or went away (node-postgres raises these as plain Errors). */
const CONNECTION_MESSAGES = [/connection terminated/i, /timeout expired/i, /not queryable/i, /server does not support SSL/i, /connection timeout/i];

export function sqlState(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError && typeof error.code === 'string' ? error.code : undefined;
}

function errnoOf(error: unknown): string | undefined {
  if (error instanceof pg.DatabaseError) return undefined;
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** The connection failed or was lost, as opposed to a statement failing on a healthy connection. */
export function isConnectionFailure(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('08') || state.startsWith('28') || state === '3D000' || state.startsWith('57P') || state === '53300';
  const errno = errnoOf(error);
  if (errno !== undefined && NODE_CONNECT_ERRNOS.has(errno)) return true;
  return error instanceof Error && CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** Safe to retry when it happened while connecting: nothing was sent yet. */
export function isRetryableConnectFailure(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return RETRYABLE_SQLSTATES.has(state);
  const errno = errnoOf(error);
  if (errno !== undefined) return RETRYABLE_ERRNOS.has(errno);
  return error instanceof Error && /connection terminated|timeout/i.test(error.message) && !/SSL/.test(error.message);
}

function connectionHint(error: unknown, endpoint: Endpoint): string {
  const state = sqlState(error);
  const errno = errnoOf(error);
  if (state === '28P01' || (state === '28000' && /password/i.test(messageOf(error)))) {
    return `check the user name and password for "${endpoint.user}" (config password, the URL, PGPASSWORD or ~/.pgpass)`;
  }
  if (state === '28000') return `the server's pg_hba.conf refuses this host, user or database; ask the DBA to allow it, or try another ssl_mode`;
  if (state === '3D000') return `create the database (createdb ${endpoint.database}) or set \`database\` to one that exists`;
  if (state === '53300') return 'the server has no free connection slots: lower pool_size, or raise max_connections on the server';
  if (state?.startsWith('57P')) return 'the server is shutting down or restarting: retry once it is back';
  if (errno === 'ECONNREFUSED') return `nothing listens on ${endpoint.host}:${endpoint.port}: start PostgreSQL, or fix host and port`;
  if (errno === 'ENOTFOUND' || errno === 'EAI_AGAIN') return `the host name ${endpoint.host} does not resolve: check host`;
  if (errno === 'ENOENT') return `no Unix socket in ${endpoint.host}: check host (a socket directory) and port, and that the server runs`;
  if (/server does not support SSL/i.test(messageOf(error))) return "the server has no SSL: set ssl_mode to 'prefer' or 'disable'";
  if (/timeout/i.test(messageOf(error))) return 'the server did not answer in time: check the network, or raise connect_timeout_ms';
  return 'check that the server is running and reachable, and the connection settings';
}

function ioHint(state: string | undefined, tables: string): string {
  switch (state) {
    case '42501':
      return `the database user lacks a privilege on ${tables}: grant it (USAGE and CREATE on the schema, SELECT/INSERT/UPDATE/DELETE on the tables), or run init as the owner`;
    case '42P01':
    case '3F000':
      return `the tables do not exist: run init (\`tempeh init\`, backend.init()) against ${tables} first`;
    case '57014':
      return 'a statement ran longer than statement_timeout_ms: raise it, or look for a blocking session in pg_stat_activity';
    case '53100':
      return 'the server is out of disk space: free some, then retry; nothing partial was committed';
    case '53200':
      return 'the server is out of memory: lower chunk_size, or retry when the server is less busy';
    case '25006':
      return 'the server is read-only (a standby?): point the backend at the primary';
    default:
      return 'see the cause; nothing partial was committed';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A driver error as a TempehError. TempehErrors pass through. `action`
 * reads after "could not", e.g. `wrap(err, 'write the state of "prod"')`.
 */
export function toTempehError(error: unknown, action: string, endpoint: Endpoint, redactor: Redactor, tables = 'the configured schema'): TempehError {
  if (isTempehError(error)) return error;
  const where = `PostgreSQL at ${endpoint.host}:${endpoint.port} (database "${endpoint.database}", user "${endpoint.user}")`;
  const reason = redactor.text(messageOf(error));
  const cause = redactor.cause(error);
  if (isConnectionFailure(error)) {
    return new ConnectionError(`could not ${action}: ${where}: ${reason}`, { cause, hint: connectionHint(error, endpoint) });
  }
  const state = sqlState(error);
  return new IoError(`could not ${action} in ${where}: ${reason}${state ? ` (SQLSTATE ${state})` : ''}`, { cause, hint: ioHint(state, tables) });
}
