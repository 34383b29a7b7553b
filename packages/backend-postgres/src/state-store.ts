import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  ConfigurationError,
  ConflictError,
  IoError,
  bytesToReadable,
  type LockInfo,
  type Revision,
  type StateReadHandle,
  type StoredState,
  type WriteResult,
} from '@tempeh/core';
import type pg from 'pg';
import { rechunk } from './chunking.js';
import { copyOutColumn } from './copy-out.js';
import type { Database } from './connection.js';
import type { TableNames } from './identifiers.js';
import { HeaderSniffer } from '@tempeh/core';

/** Bytes per row when a chunk is read back (see #readChunk). */
const READ_SLICE_BYTES = 1024 * 1024;

/** One stored version's metadata. */
export interface VersionRow {
  /** Global row id (a bigint, as text): what chunks point at. */
  id: string;
  workspace: string;
  /** 1, 2, 3 … per workspace. */
  version: number;
  serial: number | undefined;
  lineage: string | undefined;
  sha256: string;
  size: number;
  chunkCount: number;
  createdAt: Date;
  who: string;
  /** This version is the workspace's state now. */
  current: boolean;
}

/** Which versions a prune keeps: the last N, or everything younger than an age, or (both set) either. The current version is always kept. */
export interface RetentionPolicy {
  keepLast?: number;
  maxAgeMs?: number;
}

/** Compare-and-swap and lock checks, run inside the write's transaction once it holds the commit key. */
export type CommitCheck = (client: pg.PoolClient, current: VersionRow | undefined) => Promise<LockInfo | undefined>;

/**
 * The revision of a version: its number and its content hash. The number
 * alone would repeat after a workspace is deleted and created again; with
 * the hash, a repeat means identical bytes, for which the swap is harmless.
 */
export function revisionOf(row: Pick<VersionRow, 'version' | 'sha256'>): Revision {
  return `${row.version}:${row.sha256}`;
}

interface RawVersionRow {
  id: string;
  workspace: string;
  version: string;
  serial: string | null;
  lineage: string | null;
  sha256: string;
  size: string;
  chunk_count: number;
  created_at: Date;
  who: string;
  current: boolean;
}

function toVersionRow(raw: RawVersionRow): VersionRow {
  return {
    id: raw.id,
    workspace: raw.workspace,
    version: Number(raw.version),
    serial: raw.serial === null ? undefined : Number(raw.serial),
    lineage: raw.lineage ?? undefined,
    sha256: raw.sha256,
    size: Number(raw.size),
    chunkCount: raw.chunk_count,
    createdAt: raw.created_at,
    who: raw.who,
    current: raw.current,
  };
}

/**
 * States in the Tempeh layout: one row per version in the versions table,
 * its bytes in `chunk_size` pieces in the chunks table, and per workspace a
 * pointer to the current version. A write streams its chunks into one
 * transaction and commits the version row and the pointer at its end, so a
 * failed source, a lost connection or a server restart leaves nothing
 * visible. Reads fetch one chunk per statement, as raw bytes (copy-out.ts).
 */
export class StateStore {
  readonly #db: Database;
  readonly #t: TableNames;
  readonly #chunkSize: number;
  readonly #retention: RetentionPolicy | undefined;

  constructor(db: Database, t: TableNames, options: { chunkSize: number; retention: RetentionPolicy | undefined }) {
    this.#db = db;
    this.#t = t;
    this.#chunkSize = options.chunkSize;
    this.#retention = options.retention;
  }

  #selectVersions(where: string): string {
    return `SELECT v.id::text AS id, v.workspace, v.version::text AS version, v.serial::text AS serial, v.lineage, v.sha256, v.size::text AS size,
                   v.chunk_count, v.created_at, v.who, (w.current_version IS NOT DISTINCT FROM v.version) AS current
            FROM ${this.#t.versions} v LEFT JOIN ${this.#t.workspaces} w ON w.workspace = v.workspace
            WHERE ${where}`;
  }

  /** The workspace's current version, or undefined when it has no state. */
  async current(client: Pick<pg.ClientBase, 'query'>, workspace: string): Promise<VersionRow | undefined> {
    const result = await client.query<RawVersionRow>(this.#selectVersions('v.workspace = $1 AND v.version = w.current_version'), [workspace]);
    const row = result.rows[0];
    return row ? toVersionRow(row) : undefined;
  }

  async currentVersion(workspace: string): Promise<VersionRow | undefined> {
    return this.#db.withClient(`read the state of '${workspace}'`, (client) => this.current(client, workspace));
  }

  /** Version `version` of the workspace, current or not. */
  async version(workspace: string, version: number): Promise<VersionRow | undefined> {
    const result = await this.#db.query<RawVersionRow>(
      `read version ${version} of '${workspace}'`,
      this.#selectVersions('v.workspace = $1 AND v.version = $2'),
      [workspace, version],
    );
    const row = result.rows[0];
    return row ? toVersionRow(row) : undefined;
  }

  /** Every version of the workspace, newest first. */
  async list(workspace: string): Promise<VersionRow[]> {
    const result = await this.#db.query<RawVersionRow>(
      `list the versions of '${workspace}'`,
      `${this.#selectVersions('v.workspace = $1')} ORDER BY v.version DESC`,
      [workspace],
    );
    return result.rows.map(toVersionRow);
  }

  /** The whole of one version, read in one snapshot. */
  async readWhole(workspace: string, pick: { current: true } | { version: number }): Promise<StoredState | undefined> {
    return this.#db.transaction(
      `read the state of '${workspace}'`,
      async (client) => {
        const row = 'version' in pick ? await this.#versionIn(client, workspace, pick.version) : await this.current(client, workspace);
        if (!row) return undefined;
        const pieces: Buffer[] = [];
        for (let seq = 0; seq < row.chunkCount; seq++) {
          const chunk = await this.#readChunk(client, row, seq);
          if (!chunk) throw damaged(workspace, row);
          pieces.push(...chunk);
        }
        const data = pieces.length === 1 && pieces[0] ? pieces[0] : Buffer.concat(pieces);
        if (data.byteLength !== row.size) throw damaged(workspace, row);
        return { data, revision: revisionOf(row) };
      },
      { isolation: 'repeatable read' },
    );
  }

  /**
   * A stream of one version, one chunk per statement. A version removed
   * while it is read (deleteWorkspace, or a prune of a version that stopped
   * being current) ends the stream with an IoError rather than short bytes.
   */
  openStream(row: VersionRow): StateReadHandle {
    const db = this.#db;
    const readChunk = (client: pg.PoolClient, seq: number): Promise<Buffer[] | undefined> => this.#readChunk(client, row, seq);
    async function* pieces(): AsyncGenerator<Buffer> {
      let size = 0;
      for (let seq = 0; seq < row.chunkCount; seq++) {
        const chunk = await db.withClient(`read the state of '${row.workspace}'`, (client) => readChunk(client, seq));
        if (!chunk) {
          throw new IoError(`version ${row.version} of '${row.workspace}' was removed while it was being read`, {
            hint: 'read the state again; a prune or a workspace delete ran meanwhile',
          });
        }
        for (const piece of chunk) {
          size += piece.byteLength;
          yield piece;
        }
      }
      if (size !== row.size) throw damaged(row.workspace, row);
    }
    const stream: Readable = bytesToReadable(pieces());
    return { stream, revision: revisionOf(row), size: row.size };
  }

  /**
   * One chunk's bytes, exactly (see copy-out.ts), or undefined when the row
   * is gone. The chunk comes as READ_SLICE_BYTES rows: node-postgres
   * collects each protocol message in a buffer it grows by doubling from
   * 64 KiB, so one 4 MiB message costs some 16 MiB of short-lived buffers,
   * which V8 frees late and the C allocator then keeps as fragmented heap.
   * Slicing a compressed value makes the server decompress up to each
   * slice's end (2.5 times the work at 1 MiB slices of 4 MiB), which is far
   * cheaper than its compression on write.
   */
  #readChunk(client: pg.PoolClient, row: VersionRow, seq: number): Promise<Buffer[] | undefined> {
    // COPY takes no bind parameters; both values are integers, checked here before they are written into the statement.
    if (!/^\d+$/.test(row.id) || !Number.isSafeInteger(seq)) throw new IoError(`bad chunk address ${row.id}/${seq}`, { hint: 'this is a bug in the backend; report it' });
    return copyOutColumn(
      client,
      `SELECT substring(c.data FROM s.o FOR ${READ_SLICE_BYTES})
       FROM ${this.#t.chunks} c, generate_series(1, octet_length(c.data), ${READ_SLICE_BYTES}) AS s(o)
       WHERE c.version_id = ${row.id} AND c.seq = ${seq}
       ORDER BY s.o`,
    );
  }

  /**
   * Streams `source` into a new version and makes it current, all in one
   * transaction. `check` runs once this writer holds the workspace's commit
   * key, with the current version, and returns the caller's lock (whose
   * holder is recorded as the version's author).
   */
  async write(
    workspace: string,
    source: AsyncIterable<Uint8Array>,
    context: { commitKey: string; ifRevision: Revision | null | undefined; check: CommitCheck; defaultWho: string },
  ): Promise<WriteResult> {
    return this.#db.transaction(`write the state of '${workspace}'`, async (client) => {
      const allocated = await client.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence($1, 'id'))::text AS id`, [this.#t.versions]);
      const id = allocated.rows[0]?.id;
      if (id === undefined) throw new IoError(`no version id allocated for '${workspace}'`, { hint: 'check the versions table\'s id sequence; nothing was written' });
      const hash = createHash('sha256');
      const sniffer = new HeaderSniffer();
      let size = 0;
      let seq = 0;
      for await (const piece of rechunk(source, this.#chunkSize, `the stream written to '${workspace}'`)) {
        hash.update(piece);
        sniffer.push(piece);
        await client.query(`INSERT INTO ${this.#t.chunks} (version_id, seq, data) VALUES ($1, $2, $3)`, [id, seq, piece]);
        seq++;
        size += piece.byteLength;
      }
      const sha256 = hash.digest('hex');

      // The commit step: from here to COMMIT this writer alone acts on the workspace.
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [context.commitKey]);
      await client.query(`INSERT INTO ${this.#t.workspaces} (workspace) VALUES ($1) ON CONFLICT (workspace) DO NOTHING`, [workspace]);
      const counters = await client.query<{ last_version: string }>(
        `SELECT last_version::text AS last_version FROM ${this.#t.workspaces} WHERE workspace = $1 FOR UPDATE`,
        [workspace],
      );
      const current = await this.current(client, workspace);
      const lock = await context.check(client, current);
      assertRevision(workspace, current, context.ifRevision);
      const version = Number(counters.rows[0]?.last_version ?? 0) + 1;
      const { serial, lineage } = sniffer.header();
      await client.query(
        `INSERT INTO ${this.#t.versions} (id, workspace, version, serial, lineage, sha256, size, chunk_count, who)
         VALUES ($1::bigint, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, workspace, version, serial ?? null, lineage ?? null, sha256, size, seq, lock?.Who || context.defaultWho],
      );
      await client.query(`UPDATE ${this.#t.workspaces} SET current_version = $2, last_version = $2, updated_at = now() WHERE workspace = $1`, [
        workspace,
        version,
      ]);
      if (this.#retention) await this.#prune(client, workspace, this.#retention);
      return { revision: revisionOf({ version, sha256 }), size };
    });
  }

  /** Workspaces that exist (created, or with a state, or whose state was deleted). */
  async workspaces(): Promise<string[]> {
    const result = await this.#db.query<{ workspace: string }>('list the workspaces', `SELECT workspace FROM ${this.#t.workspaces}`);
    return result.rows.map((r) => r.workspace);
  }

  async createWorkspace(workspace: string): Promise<void> {
    await this.#db.query(`create workspace '${workspace}'`, `INSERT INTO ${this.#t.workspaces} (workspace) VALUES ($1) ON CONFLICT (workspace) DO NOTHING`, [
      workspace,
    ]);
  }

  /** Makes the workspace stateless; its versions stay, for the versions API. */
  async deleteState(workspace: string, commitKey: string, check: (client: pg.PoolClient) => Promise<unknown>): Promise<void> {
    await this.#db.transaction(`delete the state of '${workspace}'`, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [commitKey]);
      await check(client);
      await client.query(`UPDATE ${this.#t.workspaces} SET current_version = NULL, updated_at = now() WHERE workspace = $1`, [workspace]);
    });
  }

  /** Removes the workspace with all its versions; false when it did not exist. */
  async deleteWorkspace(workspace: string, commitKey: string, check: (client: pg.PoolClient) => Promise<unknown>): Promise<boolean> {
    return this.#db.transaction(`delete workspace '${workspace}'`, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [commitKey]);
      const exists = await client.query(`SELECT 1 FROM ${this.#t.workspaces} WHERE workspace = $1`, [workspace]);
      if (exists.rowCount === 0) return false;
      await check(client);
      await client.query(`DELETE FROM ${this.#t.versions} WHERE workspace = $1`, [workspace]);
      await client.query(`DELETE FROM ${this.#t.workspaces} WHERE workspace = $1`, [workspace]);
      return true;
    });
  }

  /** Prunes under the commit key, so it never races a write's choice of the current version. */
  async prune(workspace: string, policy: RetentionPolicy, commitKey: string): Promise<number[]> {
    assertPolicy(policy);
    return this.#db.transaction(`prune the versions of '${workspace}'`, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [commitKey]);
      return this.#prune(client, workspace, policy);
    });
  }

  /** Deletes the versions the policy does not keep (never the current one); returns their numbers. */
  async #prune(client: pg.PoolClient, workspace: string, policy: RetentionPolicy): Promise<number[]> {
    const result = await client.query<{ version: string }>(
      `DELETE FROM ${this.#t.versions} v
       WHERE v.workspace = $1
         AND v.version IS DISTINCT FROM (SELECT current_version FROM ${this.#t.workspaces} WHERE workspace = $1)
         AND ($2::integer IS NULL OR v.id NOT IN (SELECT id FROM ${this.#t.versions} WHERE workspace = $1 ORDER BY version DESC LIMIT $2::integer))
         AND ($3::float8 IS NULL OR v.created_at < now() - make_interval(secs => $3::float8 / 1000))
       RETURNING v.version::text AS version`,
      [workspace, policy.keepLast ?? null, policy.maxAgeMs ?? null],
    );
    return result.rows.map((r) => Number(r.version)).sort((a, b) => a - b);
  }

  async #versionIn(client: pg.PoolClient, workspace: string, version: number): Promise<VersionRow | undefined> {
    const result = await client.query<RawVersionRow>(this.#selectVersions('v.workspace = $1 AND v.version = $2'), [workspace, version]);
    const row = result.rows[0];
    return row ? toVersionRow(row) : undefined;
  }
}

function assertPolicy(policy: RetentionPolicy): void {
  const issues = [];
  if (policy.keepLast === undefined && policy.maxAgeMs === undefined) issues.push({ path: 'keepLast', message: 'set keepLast, maxAgeMs, or both' });
  if (policy.keepLast !== undefined && !(Number.isInteger(policy.keepLast) && policy.keepLast >= 1)) {
    issues.push({ path: 'keepLast', message: 'must be a whole number of at least 1' });
  }
  if (policy.maxAgeMs !== undefined && !(Number.isFinite(policy.maxAgeMs) && policy.maxAgeMs >= 0)) {
    issues.push({ path: 'maxAgeMs', message: 'must be a number of milliseconds, 0 or more' });
  }
  if (issues.length > 0) throw new ConfigurationError('retention policy', issues);
}

/** Compare-and-swap: `null` means "only if there is no state". */
function assertRevision(workspace: string, current: VersionRow | undefined, expected: Revision | null | undefined): void {
  if (expected === undefined) return;
  const actual = current ? revisionOf(current) : null;
  if (actual === expected) return;
  throw new ConflictError(
    'revision',
    expected === null
      ? `state '${workspace}' was written by someone else meanwhile (expected no state)`
      : `state '${workspace}' changed since revision ${expected} was read (now ${actual ?? 'no state'})`,
  );
}

/** Precheck of `ifRevision` before a write streams anything; the commit step checks again. */
export function checkRevisionEarly(workspace: string, current: VersionRow | undefined, expected: Revision | null | undefined): void {
  assertRevision(workspace, current, expected);
}

function damaged(workspace: string, row: VersionRow): IoError {
  return new IoError(`version ${row.version} of '${workspace}' is damaged: its chunks do not add up to ${row.size} bytes in ${row.chunkCount} pieces`, {
    hint: 'read an earlier version (`tempeh versions`), and check the table for manual edits',
  });
}
