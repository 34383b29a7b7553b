import {
  CapabilityError,
  IoError,
  UsageError,
  type StateBackend,
  type StateReadHandle,
  type StateVersion,
  type StoredState,
  type VersionsApi,
} from '@tempeh/core';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseAge } from '../duration.js';
import { action } from '../program.js';
import { formatBytes } from '../progress.js';
import { printInfo } from '../report.js';
import type { CliRuntime } from '../runtime.js';
import { formatTable } from '../table.js';

/** One version as `tempeh versions --json` prints it; fields a backend does not record are null. */
export interface VersionView {
  /** The version's id: its number on postgres (1, 2, 3 …), S3's opaque version ID on s3. */
  version: string;
  serial: number | null;
  lineage: string | null;
  sha256: string | null;
  size: number;
  createdAt: string;
  /** The lock holder it was written under, else the writing user@host. */
  who: string | null;
  /** It is the workspace's state now (null when the backend does not say). */
  current: boolean | null;
}

interface PruneOptions {
  keepLast?: number;
  maxAge?: number;
}

/** What a history-keeping backend may offer beyond core's VersionsApi (the postgres backend offers both). */
interface StreamingVersions {
  readStream(workspace: string, versionId: string): Promise<StateReadHandle>;
}
interface PrunableVersions {
  prune(workspace: string, policy: { keepLast?: number; maxAgeMs?: number }): Promise<number[]>;
}

export function registerVersions(program: Command, runtime: CliRuntime): void {
  const versions = program
    .command('versions')
    .description('list the stored versions of the workspace, newest first (on backends that keep history: postgres, s3 with bucket versioning)')
    .addHelpText('after', '\nRead one with `tempeh pull --version ID`; drop old ones with `tempeh versions prune` (postgres; on s3, lifecycle rules do that).\n')
    .action(
      action(runtime, async () => {
        const { backend, target } = await runtime.open();
        const api = await requireVersions(backend, 'listing versions');
        const views = (await api.list(target.workspace)).map(viewOf);
        const { stdout } = runtime.io;
        if (runtime.globals.json) {
          stdout.write(`${JSON.stringify({ workspace: target.workspace, versions: views })}\n`);
          return;
        }
        if (views.length === 0) {
          printInfo(runtime.io, runtime.style, `workspace '${target.workspace}' of ${target.label} has no versions`);
          return;
        }
        stdout.write(render(views));
      }),
    );

  versions
    .command('prune')
    .description('delete old versions: keep the last N, and/or those younger than an age (with both, a version either keeps stays); the current version always stays')
    .addOption(new Option('--keep-last <n>', 'keep the newest N versions').argParser(positiveInteger))
    .addOption(new Option('--max-age <age>', 'keep the versions younger than this (30d, 2w, 12h)').argParser(age))
    .action(
      action(runtime, async (options: PruneOptions) => {
        if (options.keepLast === undefined && options.maxAge === undefined) {
          throw new UsageError('`tempeh versions prune` needs --keep-last N, --max-age AGE, or both', {
            hint: 'e.g. `tempeh versions prune --keep-last 20` or `tempeh versions prune --max-age 30d`',
          });
        }
        const { backend, target } = await runtime.open();
        const api = await requireVersions(backend, 'pruning versions');
        if (!isPrunable(api)) throw noPruning(backend.type);
        const removed = await api.prune(target.workspace, { keepLast: options.keepLast, maxAgeMs: options.maxAge });
        if (runtime.globals.json) {
          runtime.io.stdout.write(`${JSON.stringify({ workspace: target.workspace, removed })}\n`);
          return;
        }
        printInfo(
          runtime.io,
          runtime.style,
          removed.length === 0
            ? `nothing to prune in workspace '${target.workspace}' of ${target.label}`
            : `pruned ${removed.length} version(s) of workspace '${target.workspace}' of ${target.label}: ${removed.join(', ')}`,
        );
      }),
    );
}

/**
 * The backend's history, or a CapabilityError saying which backends keep
 * one. Asks the store first when its capabilities depend on its settings
 * (an S3 bucket keeps versions only with bucket versioning on).
 */
export async function requireVersions(backend: StateBackend, what: string): Promise<VersionsApi> {
  await backend.refreshCapabilities?.();
  if (backend.capabilities.versions && backend.versions) return backend.versions;
  throw new CapabilityError(backend.type, `${what} (it keeps no history of earlier states)`, {
    hint:
      "versions are kept by the postgres backend in Tempeh's layout (compat 'tempeh') and by the s3 backend on a bucket with versioning on " +
      '(aws s3api put-bucket-versioning --bucket B --versioning-configuration Status=Enabled); the local backend and Terraform\'s pg layout keep only the current state',
  });
}

/**
 * A history-keeping backend without pruning. Such a store keeps retention
 * itself (S3: the bucket's lifecycle rules, which also cover the versions
 * Terraform writes and run without anyone calling Tempeh).
 */
function noPruning(type: string): CapabilityError {
  return new CapabilityError(type, 'pruning versions (this store keeps or expires its versions by its own rules)', {
    hint:
      'set the retention in the store itself: on S3, a bucket lifecycle rule with NoncurrentVersionExpiration (NoncurrentDays, NewerNoncurrentVersions), ' +
      'see `aws s3api put-bucket-lifecycle-configuration`',
  });
}

/** Version `versionId`, streamed when the backend can, else read whole. */
export async function readVersion(api: VersionsApi, workspace: string, versionId: string): Promise<AsyncIterable<Uint8Array> & { size: number | undefined }> {
  if (isStreaming(api)) {
    const handle = await api.readStream(workspace, versionId);
    return { size: handle.size, [Symbol.asyncIterator]: () => bytesOf(handle.stream)[Symbol.asyncIterator]() };
  }
  const stored: StoredState = await api.get(workspace, versionId);
  return { size: stored.data.byteLength, [Symbol.asyncIterator]: () => once(stored.data) };
}

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

async function* bytesOf(stream: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    // Re-encoding anything else could change the bytes, and `pull --version` promises them exactly.
    if (!(chunk instanceof Uint8Array)) {
      throw new IoError('the backend streamed a version as something other than bytes', { hint: 'this is a bug in the backend: its readStream must yield Buffers' });
    }
    yield chunk;
  }
}

function isStreaming(api: VersionsApi): api is VersionsApi & StreamingVersions {
  return 'readStream' in api && typeof api.readStream === 'function';
}

function isPrunable(api: VersionsApi): api is VersionsApi & PrunableVersions {
  return 'prune' in api && typeof api.prune === 'function';
}

/** Core's StateVersion plus what a backend records beside it (postgres: version, sha256, who, current). */
function viewOf(version: StateVersion): VersionView {
  return {
    version: 'version' in version && typeof version.version === 'number' ? String(version.version) : version.id,
    serial: version.serial ?? null,
    lineage: version.lineage ?? null,
    sha256: 'sha256' in version && typeof version.sha256 === 'string' ? version.sha256 : null,
    size: version.size,
    createdAt: version.createdAt,
    who: 'who' in version && typeof version.who === 'string' ? version.who : null,
    current: 'current' in version && typeof version.current === 'boolean' ? version.current : null,
  };
}

/** The table for humans; `*` marks the current version, as `workspace list` marks the selected workspace. */
function render(views: VersionView[]): string {
  const rows = views.map((v) => [
    v.current === true ? '*' : ' ',
    v.version,
    v.serial === null ? '-' : String(v.serial),
    v.lineage ?? '-',
    v.sha256 ?? '-',
    formatBytes(v.size),
    v.createdAt,
    v.who ?? '-',
  ]);
  return formatTable([' ', 'VERSION', 'SERIAL', 'LINEAGE', 'SHA256', 'SIZE', 'CREATED', 'WHO'], rows);
}

function positiveInteger(value: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new InvalidArgumentError('expected a whole number of versions, 1 or more');
  return Number(value);
}

function age(value: string): number {
  const ms = parseAge(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected an age such as 30d, 2w, 12h or 1d12h');
  return ms;
}
