import { afterEach, beforeEach, expect } from 'vitest';
import type { ErrorCode, LockInfo } from '../../errors.js';
import type { LockRequest, StateBackend } from '../../backend/types.js';

/** How the suite gets, and gets rid of, the backend under test. */
export interface ConformanceOptions {
  /** Shown in the describe block: `backend conformance: <name>`. */
  name: string;
  /**
   * A fresh, empty backend. Called once per test; the suite calls `init()`
   * on it. Give each call its own directory, schema or key prefix.
   */
  create(): Promise<StateBackend>;
  /**
   * Tear down what `create()` made (remove the directory, drop the schema).
   * Responsible for closing the backend; without it the suite calls `close()`.
   */
  destroy?(backend: StateBackend): Promise<void>;
  /**
   * The backend keeps the stored bytes in this process (the memory backend),
   * so the large round trip's peak memory necessarily includes them.
   */
  retainsDataInMemory?: boolean;
  /** Size of the large-state round trip. Default 200 MiB; 0 skips it. */
  largeStateBytes?: number;
  /** How many lock attempts race for one workspace. Default 8. */
  contenders?: number;
}

export interface ResolvedOptions extends ConformanceOptions {
  largeStateBytes: number;
  contenders: number;
  retainsDataInMemory: boolean;
}

export const DEFAULT_LARGE_STATE_BYTES = 200 * 1024 * 1024;

export function resolveOptions(options: ConformanceOptions): ResolvedOptions {
  return {
    ...options,
    largeStateBytes: options.largeStateBytes ?? DEFAULT_LARGE_STATE_BYTES,
    contenders: options.contenders ?? 8,
    retainsDataInMemory: options.retainsDataInMemory ?? false,
  };
}

/**
 * Registers beforeEach/afterEach in the current describe block so that every
 * test gets its own initialised backend, and returns a getter for it.
 */
export function useFreshBackend(options: ResolvedOptions): () => StateBackend {
  let current: StateBackend | undefined;
  beforeEach(async () => {
    const backend = await options.create();
    await backend.init();
    current = backend;
  });
  afterEach(async () => {
    const backend = current;
    current = undefined;
    if (!backend) return;
    if (options.destroy) await options.destroy(backend);
    else await backend.close();
  });
  return () => {
    if (!current) throw new Error('the backend is only available inside a test');
    return current;
  };
}

/** What a rejected operation threw, as far as the suite looks at it. */
export interface Rejection {
  error: Error;
  code: ErrorCode;
  /** The holder's LockInfo carried by a LockedError or LockMismatchError, if any. */
  lock: LockInfo | undefined;
}

/**
 * Awaits `action`, expects it to reject with a Tempeh error whose code is
 * one of `codes`, and returns what it threw. Matches on `code`, not on the
 * class, so errors from another copy of @tempeh/core still count.
 */
export async function expectRejection(action: Promise<unknown>, ...codes: ErrorCode[]): Promise<Rejection> {
  const outcome = await action.then(
    (value: unknown) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) return expect.fail(`expected a rejection with ${codes.join(' or ')}, but it resolved`);
  const { error } = outcome;
  if (!(error instanceof Error)) return expect.fail(`expected an Error with ${codes.join(' or ')}, got ${String(error)}`);
  const code: unknown = Reflect.get(error, 'code');
  const match = codes.find((candidate) => candidate === code);
  if (match === undefined) return expect.fail(`expected ${codes.join(' or ')}, got ${String(code)}: ${error.message}`);
  const lock: unknown = Reflect.get(error, 'lock');
  return { error, code: match, lock: isLockInfo(lock) ? lock : undefined };
}

/** A lock request with every Terraform field set to something recognisable. */
export function lockRequest(who: string, extra: Partial<LockRequest> = {}): LockRequest {
  return {
    Operation: 'OperationTypeApply',
    Info: `conformance ${who}`,
    Who: who,
    Version: '1.11.4',
    Created: '2026-11-22T02:48:17.901672629Z',
    Path: 'terraform.tfstate',
    ...extra,
  };
}

function isLockInfo(value: unknown): value is LockInfo {
  if (typeof value !== 'object' || value === null) return false;
  return ['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path'].every((key) => typeof Reflect.get(value, key) === 'string');
}

/** Reads a whole stream into one Buffer (small states only). */
export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** `data` as an async iterable of `chunkSize`-byte pieces. */
export async function* chunked(data: Uint8Array, chunkSize = 7): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.byteLength; offset += chunkSize) yield data.subarray(offset, offset + chunkSize);
}
