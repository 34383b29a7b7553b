/**
 * Every error Tempeh throws is a `TempehError` with a stable `code`.
 * Callers (and tests) match on `code`, never on the message. The table in
 * docs/errors.md lists every code here, and a test keeps the two in sync.
 */

/** What the caller should do next, printed by the CLI under the message. */
export interface ErrorOptions {
  cause?: unknown;
  hint?: string;
}

export const ERROR_CODES = {
  TEMPEH_E_NOT_FOUND: 'A state, workspace, resource or file does not exist.',
  TEMPEH_E_LOCKED: 'The workspace is locked by someone else; carries the holder\'s LockInfo.',
  TEMPEH_E_LOCK_MISMATCH: 'An unlock or a write named a lock ID that is not the one held.',
  TEMPEH_E_NOT_LOCKED: 'An operation needed a held lock and there is none.',
  TEMPEH_E_CONFIG: 'A configuration is invalid; lists every bad field.',
  TEMPEH_E_CONNECTION: 'A backend could not be reached.',
  TEMPEH_E_CONFLICT: 'A write lost against the stored state: lineage mismatch, stale serial, same serial with other content, or a lost compare-and-swap.',
  TEMPEH_E_INVALID_STATE: 'Bytes that are not a valid Terraform v4 state.',
  TEMPEH_E_STATE_VERSION: 'A state format version Tempeh does not read (1-3: migrate it; 5+: newer than Tempeh).',
  TEMPEH_E_INVALID_WORKSPACE: 'A workspace name that is empty, too long, escapes the store or has forbidden characters.',
  TEMPEH_E_INVALID_ADDRESS: 'A resource address that does not parse.',
  TEMPEH_E_UNKNOWN_BACKEND: 'No backend type of that name is registered.',
  TEMPEH_E_CAPABILITY: 'The backend does not offer the capability the operation needs.',
  TEMPEH_E_IO: 'A file-system or stream operation failed.',
  TEMPEH_E_USAGE: 'The command line is wrong (CLI exit code 2).',
  TEMPEH_E_PLUGIN_DEPENDENCY: 'A plugin was applied without what it declares it needs.',
  TEMPEH_E_HOOK_UNSETTLED: 'A plugin tap returned a promise that never settled.',
  PLUGIN_ERROR: 'A plugin tap threw; carries the plugin name, the hook name and the cause.',
  TEMPEH_E_WORKER_TASK: 'A worker task could not be loaded, or threw; carries the task module, export, phase and resource index.',
  TEMPEH_E_WORKER_CRASHED: 'A worker thread died while running a batch (process.exit, an uncaught error outside a task, out of memory).',
  TEMPEH_E_CANCELLED: 'An operation was cancelled through its AbortSignal, or the pool running it was closed.',
  TEMPEH_E_TOO_LARGE: 'A state too large for an operation that holds it whole as one string (V8 strings hold at most 512 Mi characters).',
  TEMPEH_E_AUTH: 'The store refused the credentials, or they do not allow the operation.',
  TEMPEH_E_ENCRYPTION_KEY: 'The stored state is encrypted and the key is missing or is not the one it was written with.',
  TEMPEH_E_INTEGRITY: 'Stored bytes do not match the checksum recorded when they were written.',
  TEMPEH_E_VALIDATION: 'A state was refused by validation; carries the findings.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TempehError extends Error {
  readonly code: ErrorCode;
  /** One sentence on what to do next. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: toError(options.cause) });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }

  /** A plain object for `--json` output and for crossing thread boundaries. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint };
  }
}

/** `cause` is always an Error, whatever was thrown. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `non-error value thrown: ${safeString(value)}`);
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // JSON.stringify throws on cycles and BigInt; String() never does.
    return String(value);
  }
}

export function isTempehError(value: unknown): value is TempehError {
  return value instanceof TempehError;
}

export class NotFoundError extends TempehError {
  constructor(message: string, options?: ErrorOptions) {
    super('TEMPEH_E_NOT_FOUND', message, options);
  }
}

/** Terraform's LockInfo, as stored in `.terraform.tfstate.lock.info` and `.tflock`. */
export interface LockInfo {
  ID: string;
  Operation: string;
  Info: string;
  Who: string;
  Version: string;
  Created: string;
  Path: string;
}

export class LockedError extends TempehError {
  /** The holder, when the store records one (Terraform's pg backend does not). */
  readonly lock: LockInfo | undefined;
  readonly workspace: string;
  /** True when the backend has proof the holder is gone (dead pid, expired lease). */
  readonly stale: boolean;

  constructor(workspace: string, lock: LockInfo | undefined, options: ErrorOptions & { stale?: boolean; message?: string } = {}) {
    const stale = options.stale ?? false;
    const holder = lock ? describeLock(lock) : 'an unknown holder';
    const message = options.message ?? `state '${workspace}' is locked by ${holder}${stale ? ' (stale: the holder is gone)' : ''}`;
    const hint =
      options.hint ??
      (lock
        ? `wait for the holder to finish, or run \`tempeh force-unlock ${lock.ID}\` if you are sure it is gone`
        : 'wait for the holder to finish; no lock ID is recorded, so only the holder can release it');
    super('TEMPEH_E_LOCKED', message, { cause: options.cause, hint });
    this.lock = lock;
    this.workspace = workspace;
    this.stale = stale;
  }
}

export function describeLock(lock: LockInfo): string {
  const parts = [lock.Operation || undefined, lock.Created ? `since ${lock.Created}` : undefined, `id ${lock.ID}`].filter(Boolean);
  return `${lock.Who || 'unknown'} (${parts.join(', ')})`;
}

export class LockMismatchError extends TempehError {
  readonly lock: LockInfo | undefined;
  constructor(workspace: string, givenId: string, lock: LockInfo | undefined, options?: ErrorOptions) {
    super(
      'TEMPEH_E_LOCK_MISMATCH',
      `lock ID ${givenId} does not match the lock held on '${workspace}'${lock ? ` (${describeLock(lock)})` : ''}`,
      { hint: 'pass the ID that `tempeh lock` printed, or see `tempeh status`', ...options },
    );
    this.lock = lock;
  }
}

export class NotLockedError extends TempehError {
  constructor(workspace: string, options?: ErrorOptions) {
    super('TEMPEH_E_NOT_LOCKED', `state '${workspace}' is not locked`, {
      hint: 'the lock may have been force-unlocked; take it again with `tempeh lock`',
      ...options,
    });
  }
}

export interface ConfigIssue {
  /** Dotted path of the bad field, e.g. `environments.prod.config.port`. */
  path: string;
  message: string;
}

export class ConfigurationError extends TempehError {
  readonly issues: readonly ConfigIssue[];
  constructor(subject: string, issues: readonly ConfigIssue[], options?: ErrorOptions) {
    const list = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n');
    super('TEMPEH_E_CONFIG', `invalid ${subject}:\n${list}`, { hint: 'fix the fields listed above', ...options });
    this.issues = issues;
  }
}

export class ConnectionError extends TempehError {
  constructor(message: string, options?: ErrorOptions) {
    super('TEMPEH_E_CONNECTION', message, { hint: 'check that the backend is running and reachable', ...options });
  }
}

export type ConflictReason = 'lineage' | 'serial' | 'content' | 'revision';

export class ConflictError extends TempehError {
  readonly reason: ConflictReason;
  constructor(reason: ConflictReason, message: string, options?: ErrorOptions) {
    super('TEMPEH_E_CONFLICT', message, {
      hint:
        reason === 'revision'
          ? 'someone wrote the state meanwhile; pull it again and retry'
          : 'pull the current state and reapply your change, or pass --force if you are sure',
      ...options,
    });
    this.reason = reason;
  }
}

export class InvalidStateError extends TempehError {
  /** JSON path or byte offset of the problem, when known. */
  readonly location: string | undefined;
  constructor(message: string, options: ErrorOptions & { location?: string } = {}) {
    super('TEMPEH_E_INVALID_STATE', message, { hint: 'the input is not a Terraform v4 state; nothing was written', ...options });
    this.location = options.location;
  }
}

export class StateVersionError extends TempehError {
  readonly version: number;
  constructor(version: number, options?: ErrorOptions) {
    const old = version >= 1 && version <= 3;
    super(
      'TEMPEH_E_STATE_VERSION',
      old
        ? `state format version ${version} is older than v4, which Tempeh reads`
        : `state format version ${version} is not supported (Tempeh reads version 4)`,
      {
        hint: old
          ? 'upgrade it to v4 with the migration plugin (@tempeh/plugin-migrate), or with `terraform state pull` from Terraform ≥ 0.12'
          : 'this state was written by a newer tool; upgrade Tempeh',
        ...options,
      },
    );
    this.version = version;
  }
}

export class InvalidWorkspaceError extends TempehError {
  readonly workspace: string;
  constructor(workspace: string, reason: string, options?: ErrorOptions) {
    super('TEMPEH_E_INVALID_WORKSPACE', `invalid workspace name ${JSON.stringify(workspace)}: ${reason}`, {
      hint: 'use letters, digits and - _ . ~ (at most 90 characters)',
      ...options,
    });
    this.workspace = workspace;
  }
}

export class InvalidAddressError extends TempehError {
  readonly address: string;
  constructor(address: string, reason: string, options?: ErrorOptions) {
    super('TEMPEH_E_INVALID_ADDRESS', `invalid resource address ${JSON.stringify(address)}: ${reason}`, {
      hint: 'use Terraform\'s syntax, e.g. module.app["blue"].aws_instance.web[0]',
      ...options,
    });
    this.address = address;
  }
}

export class UnknownBackendError extends TempehError {
  constructor(type: string, known: readonly string[], options?: ErrorOptions) {
    super('TEMPEH_E_UNKNOWN_BACKEND', `no backend type '${type}' is registered`, {
      hint: known.length ? `known types: ${known.join(', ')}; a plugin may register more` : 'register a backend plugin first',
      ...options,
    });
  }
}

export class CapabilityError extends TempehError {
  constructor(backendType: string, capability: string, options?: ErrorOptions) {
    super('TEMPEH_E_CAPABILITY', `the '${backendType}' backend does not support ${capability}`, {
      hint: 'use a backend that advertises this capability',
      ...options,
    });
  }
}

/** A state too large for an operation that reads it whole into one string; the streaming operations have no such limit. */
export class StateTooLargeError extends TempehError {
  readonly bytes: number;
  constructor(bytes: number, what: string, options: ErrorOptions = {}) {
    super('TEMPEH_E_TOO_LARGE', `the state is ${bytes} bytes, too large for ${what}: it would have to be one string, and V8 strings hold at most 512 Mi characters`, {
      hint: 'use a streaming command (list, stats, find, diff, graph, pull, migrate), or split the state',
      ...options,
    });
    this.bytes = bytes;
  }
}

/** The store refused the credentials (unknown key, bad signature, expired token) or denied the operation. */
export class AuthenticationError extends TempehError {
  constructor(message: string, options?: ErrorOptions) {
    super('TEMPEH_E_AUTH', message, { hint: 'check the credentials and what they are allowed to do', ...options });
  }
}

/** A state encrypted with a key (SSE-C, client-side encryption) read without it, or with another one. */
export class EncryptionKeyError extends TempehError {
  constructor(message: string, options?: ErrorOptions) {
    super('TEMPEH_E_ENCRYPTION_KEY', message, { hint: 'give the key the state was written with', ...options });
  }
}

/** What was read is not what was written: the checksum stored beside the bytes does not match them. */
export class IntegrityError extends TempehError {
  readonly expected: string;
  readonly actual: string;
  constructor(message: string, detail: { expected: string; actual: string }, options?: ErrorOptions) {
    super('TEMPEH_E_INTEGRITY', message, {
      hint: 'the stored copy is damaged or was changed behind the store: restore an earlier version (`tempeh versions`, `tempeh pull --version`)',
      ...options,
    });
    this.expected = detail.expected;
    this.actual = detail.actual;
  }
}

/** One finding of a validation rule (plugin-validate's `Finding`): plain data, never holding a secret. */
export interface ValidationFinding {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  address: string | null;
  path: string | null;
  message: string;
}

/** A state refused because validation found problems at or above the configured severity. */
export class ValidationError extends TempehError {
  readonly findings: readonly ValidationFinding[];
  constructor(subject: string, findings: readonly ValidationFinding[], options: ErrorOptions = {}) {
    const shown = findings.slice(0, 5).map((f) => `  - ${f.rule} ${f.address ?? '(state)'}${f.path ? ` ${f.path}` : ''}: ${f.message}`);
    const more = findings.length > shown.length ? `\n  … and ${findings.length - shown.length} more` : '';
    super('TEMPEH_E_VALIDATION', `${subject} was refused by validation (${findings.length} finding(s)):\n${shown.join('\n')}${more}`, {
      hint: 'fix the findings (`tempeh validate` lists them all, with --format json or sarif); save with force only if you mean to store the state as it is',
      ...options,
    });
    this.findings = findings;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), findings: this.findings };
  }
}

export class IoError extends TempehError {
  readonly path: string | undefined;
  constructor(message: string, options: ErrorOptions & { path?: string } = {}) {
    super('TEMPEH_E_IO', message, { hint: 'check the path, its permissions and free disk space', ...options });
    this.path = options.path;
  }
}

export class UsageError extends TempehError {
  constructor(message: string, options?: ErrorOptions) {
    super('TEMPEH_E_USAGE', message, { hint: 'see `tempeh --help`', ...options });
  }
}

export class PluginDependencyError extends TempehError {
  readonly plugin: string;
  constructor(plugin: string, missing: string, options?: ErrorOptions) {
    super('TEMPEH_E_PLUGIN_DEPENDENCY', `plugin '${plugin}' needs ${missing}`, {
      hint: 'apply the missing plugin or register the missing piece first',
      ...options,
    });
    this.plugin = plugin;
  }
}

export class HookUnsettledError extends TempehError {
  readonly plugin: string;
  readonly hook: string;
  constructor(plugin: string, hook: string, options?: ErrorOptions) {
    super('TEMPEH_E_HOOK_UNSETTLED', `plugin '${plugin}' never settled its promise in hook '${hook}'`, {
      hint: `fix plugin '${plugin}': every async tap must resolve or reject`,
      ...options,
    });
    this.plugin = plugin;
    this.hook = hook;
  }
}

/** An error thrown inside a plugin's tap, wrapped by the kernel (rollup's throwPluginError). */
export class PluginError extends TempehError {
  readonly plugin: string;
  readonly hook: string;
  constructor(plugin: string, hook: string, cause: unknown) {
    const inner = toError(cause);
    super('PLUGIN_ERROR', `plugin '${plugin}' failed in hook '${hook}': ${inner.message}`, {
      cause: inner,
      hint: `the error comes from plugin '${plugin}'; see its cause`,
    });
    this.plugin = plugin;
    this.hook = hook;
  }
}

/** Where a worker task failed: importing it, its `init`, mapping a resource, or sending its result back. */
export type WorkerTaskPhase = 'load' | 'init' | 'map' | 'encode';

/** Identifies a worker task and where it failed. */
export interface WorkerTaskErrorDetails {
  phase: WorkerTaskPhase;
  module: string;
  exportName: string;
  /** The resource being processed (its position in `resources`); undefined for `load` and `init`. */
  resourceIndex: number | undefined;
}

/**
 * A worker task that could not be loaded or that threw. The original error
 * crossed the thread boundary as data; `cause` is rebuilt from it (name,
 * message, stack) and `causeCode` keeps its TempehError code, if any.
 */
export class WorkerTaskError extends TempehError {
  readonly phase: WorkerTaskPhase;
  readonly module: string;
  readonly exportName: string;
  readonly resourceIndex: number | undefined;
  readonly causeCode: string | undefined;

  constructor(details: WorkerTaskErrorDetails, cause: Error, options: { causeCode?: string } = {}) {
    const task = `worker task '${details.exportName}' from ${details.module}`;
    const where = details.resourceIndex === undefined ? '' : ` on resources[${details.resourceIndex}]`;
    const messages: Record<WorkerTaskPhase, string> = {
      load: `${task} could not be loaded: ${cause.message}`,
      init: `${task} failed in init(): ${cause.message}`,
      map: `${task} failed${where}: ${cause.message}`,
      encode: `${task} returned a value${where} that cannot be sent back from the worker: ${cause.message}`,
    };
    const hints: Record<WorkerTaskPhase, string> = {
      load: `check that '${details.module}' is an absolute file URL or a package resolvable from @tempeh/core, and that it exports '${details.exportName}' as a function or an object with map()`,
      init: `fix the task's init() or the options passed to it; see cause`,
      map: `the fault is in the task or in that resource; see cause (its stack is the worker's)`,
      encode: 'return plain data from the task: JSON values, JsonNumber, Uint8Array',
    };
    super('TEMPEH_E_WORKER_TASK', messages[details.phase], { cause, hint: hints[details.phase] });
    this.phase = details.phase;
    this.module = details.module;
    this.exportName = details.exportName;
    this.resourceIndex = details.resourceIndex;
    this.causeCode = options.causeCode;
  }
}

/** A worker thread died mid-batch; the pool replaces the thread, and the batch is lost. */
export class WorkerCrashedError extends TempehError {
  constructor(cause: unknown) {
    super('TEMPEH_E_WORKER_CRASHED', `a worker thread died while running a batch: ${toError(cause).message}`, {
      cause,
      hint: 'a task called process.exit, threw outside its promise, or ran out of memory; run again, and check the tasks in use',
    });
  }
}

/** The caller aborted the operation, or closed the pool it was running in. */
export class CancelledError extends TempehError {
  constructor(what: string, options?: ErrorOptions) {
    super('TEMPEH_E_CANCELLED', `${what} was cancelled`, { hint: 'nothing to fix if you cancelled it; otherwise run it again', ...options });
  }
}
