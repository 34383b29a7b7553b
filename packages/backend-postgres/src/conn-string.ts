/**
 * libpq connection strings, in both of libpq's forms: a URI
 * (`postgres://user:pass@host:5432/db?sslmode=disable`) and keyword/value
 * (`host=db port=5432 dbname=tf user=ci password='a b'`). Terraform's pg
 * backend takes either as `conn_str`. Nothing here ever puts a value into
 * a message: a connection string may hold a password.
 */

/** The connection settings a connection string can carry. */
export interface ConnectionParts {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  sslmode?: string;
  application_name?: string;
  /** libpq's connect_timeout, in seconds. */
  connect_timeout?: number;
}

export type ParsedConnString = { ok: true; parts: ConnectionParts } | { ok: false; problem: string };

/** Keywords (and URI query parameters) Tempeh understands; libpq has more, which are refused rather than ignored. */
const KEYWORDS = new Set(['host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'sslmode', 'application_name', 'connect_timeout']);

export function parseConnString(text: string): ParsedConnString {
  const trimmed = text.trim();
  if (/^postgres(?:ql)?:\/\//i.test(trimmed)) return parseUri(trimmed);
  return parseKeywordValue(trimmed);
}

function parseUri(text: string): ParsedConnString {
  if (!URL.canParse(text)) return { ok: false, problem: 'not a valid postgres:// URI' };
  const url = new URL(text);
  const pairs: Array<[string, string]> = [];
  try {
    if (url.username) pairs.push(['user', decodeURIComponent(url.username)]);
    if (url.password) pairs.push(['password', decodeURIComponent(url.password)]);
    // IPv6 literals come back as `[::1]`.
    if (url.hostname) pairs.push(['host', decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, '$1'))]);
    if (url.port) pairs.push(['port', url.port]);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (database) pairs.push(['dbname', database]);
  } catch (error) {
    // decodeURIComponent throws URIError on a stray `%`; that is a malformed string, said without quoting it.
    if (error instanceof URIError) return { ok: false, problem: 'has a malformed %-escape in its user, password, host or database' };
    throw error;
  }
  for (const [key, value] of url.searchParams) pairs.push([key, value]);
  return fromPairs(pairs);
}

/** libpq's keyword/value syntax: `key = value`, values optionally single-quoted with `\'` and `\\` escapes. */
function parseKeywordValue(text: string): ParsedConnString {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text.charAt(i))) i++;
  };
  skipSpace();
  while (i < text.length) {
    const keyStart = i;
    while (i < text.length && /[A-Za-z0-9_]/.test(text.charAt(i))) i++;
    const key = text.slice(keyStart, i);
    skipSpace();
    if (!key || text.charAt(i) !== '=') return { ok: false, problem: 'is neither a postgres:// URI nor keyword=value pairs' };
    i++;
    skipSpace();
    let value = '';
    if (text.charAt(i) === "'") {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text.charAt(i);
        if (c === '\\' && i + 1 < text.length) {
          value += text.charAt(i + 1);
          i += 2;
          continue;
        }
        if (c === "'") {
          closed = true;
          i++;
          break;
        }
        value += c;
        i++;
      }
      if (!closed) return { ok: false, problem: 'has an unterminated quoted value' };
    } else {
      while (i < text.length && !/\s/.test(text.charAt(i))) {
        const c = text.charAt(i);
        if (c === '\\' && i + 1 < text.length) {
          value += text.charAt(i + 1);
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
    }
    pairs.push([key, value]);
    skipSpace();
  }
  if (pairs.length === 0) return { ok: false, problem: 'is empty' };
  return fromPairs(pairs);
}

function fromPairs(pairs: ReadonlyArray<readonly [string, string]>): ParsedConnString {
  const unsupported = [...new Set(pairs.map(([key]) => key).filter((key) => !KEYWORDS.has(key)))];
  if (unsupported.length > 0) {
    // Keyword names are not secret; values are never shown.
    return { ok: false, problem: `has parameters Tempeh does not support: ${unsupported.join(', ')}` };
  }
  const parts: ConnectionParts = {};
  for (const [key, value] of pairs) {
    switch (key) {
      case 'host':
      case 'hostaddr':
        if (value.includes(',')) return { ok: false, problem: 'names several hosts; Tempeh connects to one' };
        parts.host = value;
        break;
      case 'port': {
        const port = Number(value);
        if (!/^\d+$/.test(value) || port < 1 || port > 65535) return { ok: false, problem: 'has a port that is not a number from 1 to 65535' };
        parts.port = port;
        break;
      }
      case 'dbname':
        parts.database = value;
        break;
      case 'user':
        parts.user = value;
        break;
      case 'password':
        parts.password = value;
        break;
      case 'sslmode':
        parts.sslmode = value;
        break;
      case 'application_name':
        parts.application_name = value;
        break;
      case 'connect_timeout': {
        if (!/^\d+$/.test(value)) return { ok: false, problem: 'has a connect_timeout that is not a whole number of seconds' };
        parts.connect_timeout = Number(value);
        break;
      }
    }
  }
  return { ok: true, parts };
}
