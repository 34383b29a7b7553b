import { isTempehError, listInstanceAddresses, toError, type LockStatus, type StateManager } from '@tempeh/core';
import type { Command } from 'commander';
import { ageSince, formatAge } from '../duration.js';
import { action } from '../program.js';
import { UNEXPECTED_CODE, printError } from '../report.js';
import type { CliRuntime } from '../runtime.js';
import { formatTable } from '../table.js';
import { environmentTargets, type Target } from '../target.js';

interface WorkspaceStatus {
  name: string;
  /** False for a workspace that exists but has no state yet. */
  hasState: boolean;
  serial: number | null;
  lineage: string | null;
  resources: number | null;
  instances: number | null;
  lock: LockView | null;
  error: ErrorSummary | null;
}

/** A held lock as `status` shows it. */
interface LockView {
  info: LockStatus['info'] | null;
  stale: boolean;
  detail: string | null;
  /** Seconds since the lock's `Created`, when it records one. */
  ageSeconds: number | null;
}

interface EnvironmentStatus {
  name: string | null;
  target: string;
  backend: string;
  isDefault: boolean;
  reachable: boolean;
  workspaces: WorkspaceStatus[];
  error: ErrorSummary | null;
}

interface ErrorSummary {
  code: string;
  message: string;
  hint: string | null;
}

export function registerStatus(program: Command, runtime: CliRuntime): void {
  program
    .command('status')
    .description('show every environment of the config (or the one target): reachable?, workspaces, serial, lineage, resources, locks')
    .action(
      action(runtime, async () => {
        const targets = await statusTargets(runtime);
        const defaultName = await defaultEnvironmentName(runtime);
        const results = await Promise.all(targets.map((t) => inspect(runtime, t, t.environment !== undefined && t.environment === defaultName)));
        const { stdout } = runtime.io;
        if (runtime.globals.json) stdout.write(`${JSON.stringify({ environments: results })}\n`);
        else stdout.write(render(results));
        const failed = results.filter((r) => !r.reachable || r.workspaces.some((w) => w.error));
        return failed.length > 0 ? 1 : 0;
      }),
    );
}

/** All environments of the config when no target is picked on the command line or in the environment; else the one target. */
async function statusTargets(runtime: CliRuntime): Promise<Target[]> {
  const selection = runtime.selection();
  if (selection.state === undefined && selection.backend === undefined && selection.env === undefined) {
    const config = await runtime.config();
    if (config) return environmentTargets(config, selection.workspace);
  }
  return [await runtime.target()];
}

/** The environment commands use when none is named, to mark it in the report. */
async function defaultEnvironmentName(runtime: CliRuntime): Promise<string | undefined> {
  const selection = runtime.selection();
  if (selection.state !== undefined || selection.backend !== undefined) return undefined;
  const config = await runtime.config();
  return config?.defaultEnvironment ?? (config?.environments.length === 1 ? config.environments[0]?.name : undefined);
}

async function inspect(runtime: CliRuntime, target: Target, isDefault: boolean): Promise<EnvironmentStatus> {
  const base = { name: target.environment ?? null, target: target.label, backend: target.backendType, isDefault };
  try {
    const { manager } = await runtime.open(target);
    const names = await manager.listWorkspaces();
    const workspaces: WorkspaceStatus[] = [];
    for (const name of names) workspaces.push(await inspectWorkspace(runtime, manager, target, name));
    return { ...base, reachable: true, workspaces, error: null };
  } catch (error) {
    // One environment down must not hide the others: report it and go on.
    printError(runtime.io, runtime.style, error, `${target.label} is unreachable`);
    return { ...base, reachable: false, workspaces: [], error: summarize(error) };
  }
}

async function inspectWorkspace(runtime: CliRuntime, manager: StateManager, target: Target, name: string): Promise<WorkspaceStatus> {
  const empty = { name, hasState: false, serial: null, lineage: null, resources: null, instances: null, lock: null, error: null };
  try {
    const lock = await manager.getLock(name);
    const lockView = lock ? lockViewOf(lock) : null;
    const loaded = await manager.load(name);
    if (!loaded) return { ...empty, lock: lockView };
    const { state } = loaded;
    return {
      ...empty,
      hasState: true,
      serial: state.serial,
      lineage: state.lineage,
      resources: state.resources.length,
      instances: listInstanceAddresses(state).length,
      lock: lockView,
    };
  } catch (error) {
    // A broken state in one workspace is reported in its row; the others still show.
    printError(runtime.io, runtime.style, error, `workspace '${name}' of ${target.label}`);
    return { ...empty, error: summarize(error) };
  }
}

function summarize(error: unknown): ErrorSummary {
  if (isTempehError(error)) return { code: error.code, message: error.message, hint: error.hint ?? null };
  return { code: UNEXPECTED_CODE, message: toError(error).message, hint: null };
}

/** The report for humans; plain text, since stdout may be a pipe even when stderr is a terminal. */
function render(results: EnvironmentStatus[]): string {
  const out: string[] = [];
  for (const env of results) {
    const title = env.name ? `environment ${env.name}` : env.target;
    const tags = [env.backend, env.isDefault ? 'default' : undefined].filter(Boolean).join(', ');
    const reach = env.reachable ? 'reachable' : `UNREACHABLE (${env.error?.code ?? UNEXPECTED_CODE})`;
    out.push(`${title} (${tags}): ${reach}\n`);
    if (!env.reachable) continue;
    const rows = env.workspaces.map((w) => [
      w.name,
      w.error ? `error ${w.error.code}` : w.hasState ? String(w.serial) : '-',
      w.lineage ?? '-',
      w.resources === null ? '-' : String(w.resources),
      w.instances === null ? '-' : String(w.instances),
      lockText(w.lock),
    ]);
    out.push(formatTable(['WORKSPACE', 'SERIAL', 'LINEAGE', 'RESOURCES', 'INSTANCES', 'LOCK'], rows, '  '));
  }
  return out.join('');
}

function lockViewOf(lock: LockStatus): LockView {
  const age = ageSince(lock.info?.Created);
  return { info: lock.info ?? null, stale: lock.stale, detail: lock.detail ?? null, ageSeconds: age === undefined ? null : Math.round(age / 1000) };
}

function lockText(lock: WorkspaceStatus['lock']): string {
  if (!lock) return 'unlocked';
  // The age tells an operator whether a lock is a run in progress or one left behind (S3 cannot tell stale locks itself).
  const age = lock.ageSeconds === null ? '' : ` for ${formatAge(lock.ageSeconds * 1000)}`;
  const who = lock.info ? `${lock.info.Who || 'unknown'}${age} (${lock.info.Operation || 'no operation'}, id ${lock.info.ID})` : 'holder unknown';
  // The detail says why a lock is stale (its session is gone, it expired) or why its holder is unknown (held by terraform).
  const detail = (lock.stale || !lock.info) && lock.detail ? `: ${lock.detail}` : '';
  return `locked by ${who}${lock.stale ? ` [stale${detail}]` : detail ? ` [${detail.slice(2)}]` : ''}`;
}
