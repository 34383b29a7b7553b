/**
 * SQL identifiers. Every schema and table name goes into statements through
 * `quoteIdentifier`, never by concatenating raw text, and every value goes
 * in as a bind parameter; so a name like `x"; DROP TABLE y; --` is just an
 * odd name.
 */

/** PostgreSQL's NAMEDATALEN - 1: longer names are silently truncated by the server, so two long names could collide. */
export const MAX_IDENTIFIER_BYTES = 63;

/** Suffixes of the tables derived from `table_name`; the longest bounds how long `table_name` may be. */
export const TABLE_SUFFIXES = { workspaces: '_workspaces', chunks: '_chunks', layout: '_layout' } as const;

export const MAX_TABLE_NAME_BYTES = MAX_IDENTIFIER_BYTES - Math.max(...Object.values(TABLE_SUFFIXES).map((s) => Buffer.byteLength(s)));

/** `name` as a quoted identifier: wrapped in double quotes, inner double quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"` */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

/**
 * Why `name` cannot be used as an identifier, or undefined when it can.
 * Any character is allowed (it is quoted) except NUL, which PostgreSQL
 * cannot store; the length is measured in UTF-8 bytes, as the server does.
 */
export function identifierProblem(name: string, maxBytes = MAX_IDENTIFIER_BYTES): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.includes('\u0000')) return 'must not contain a NUL character';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > maxBytes) return `is ${bytes} bytes long in UTF-8; PostgreSQL keeps at most ${maxBytes} here (longer names would be cut and could collide)`;
  return undefined;
}

/** The names of every table the Tempeh layout uses, quoted and qualified. */
export interface TableNames {
  schema: string;
  /** One row per state version. */
  versions: string;
  /** The bytes of each version, in chunks. */
  chunks: string;
  /** One row per workspace, pointing at its current version. */
  workspaces: string;
  /** One row per workspace lock. */
  locks: string;
  /** The layout version, for migrations. */
  layout: string;
  /** Unquoted names, for catalog queries and messages. */
  raw: { schema: string; versions: string; chunks: string; workspaces: string; locks: string; layout: string };
}

export function tableNames(schema: string, tableName: string, lockTable: string): TableNames {
  const raw = {
    schema,
    versions: tableName,
    chunks: `${tableName}${TABLE_SUFFIXES.chunks}`,
    workspaces: `${tableName}${TABLE_SUFFIXES.workspaces}`,
    locks: lockTable,
    layout: `${tableName}${TABLE_SUFFIXES.layout}`,
  };
  return {
    schema: quoteIdentifier(schema),
    versions: qualifiedName(schema, raw.versions),
    chunks: qualifiedName(schema, raw.chunks),
    workspaces: qualifiedName(schema, raw.workspaces),
    locks: qualifiedName(schema, raw.locks),
    layout: qualifiedName(schema, raw.layout),
    raw,
  };
}
