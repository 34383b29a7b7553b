import { createHash } from 'node:crypto';
import { IoError, NotFoundError, StateManager, type LockInfo, type LockRequest, type Revision, type StateBackend } from '@tempeh/core';

export interface MigrateWorkspaceOptions {
  workspace: string;
  /** Replace a state the target already has. Default: refuse (TEMPEH_E_CONFLICT) rather than overwrite. */
  overwrite?: boolean;
  /** Recorded as the locks' `Who` (a StateManager side records its own). */
  who?: string;
}

/**
 * One side of the copy: a backend, or a StateManager, whose backend is then used and whose lock() and
 * unlock() take the lock, so that its kernel's lock hooks (audit, the CLI's Ctrl-C handling) see it.
 */
export type MigrateEndpoint = StateBackend | StateManager;

interface Side {
  readonly backend: StateBackend;
  lock(workspace: string, request: LockRequest): Promise<LockInfo>;
  unlock(workspace: string, lockId: string): Promise<void>;
}

function sideOf(endpoint: MigrateEndpoint): Side {
  if (endpoint instanceof StateManager) {
    return {
      backend: endpoint.backend,
      lock: (workspace, request) => endpoint.lock(workspace, { operation: request.Operation, info: request.Info }),
      unlock: (workspace, lockId) => endpoint.unlock(workspace, lockId),
    };
  }
  return { backend: endpoint, lock: (workspace, request) => endpoint.lock(workspace, request), unlock: (workspace, lockId) => endpoint.unlock(workspace, lockId) };
}

export interface MigrateWorkspaceResult {
  /** sha256 of the state, equal on both sides. */
  sha256: string;
  size: number;
  /** The target's revision of the copy. */
  revision: Revision | undefined;
}

/**
 * Copies one workspace's state from one backend to another (for example
 * from Terraform's pg layout to Tempeh's, or back), under both workspaces'
 * locks, streaming, and then reads the copy back and compares checksums.
 * Either side may be a StateManager, to take its lock through the kernel's hooks.
 * The source is left as it was. NotFoundError when the source has no
 * state; ConflictError when the target has one and `overwrite` is not set;
 * IoError when the checksums differ (the copy stays, under the target's
 * history when it keeps one, for inspection).
 */
export async function migrateWorkspace(fromEndpoint: MigrateEndpoint, toEndpoint: MigrateEndpoint, options: MigrateWorkspaceOptions): Promise<MigrateWorkspaceResult> {
  const { workspace } = options;
  const source = sideOf(fromEndpoint);
  const destination = sideOf(toEndpoint);
  const from = source.backend;
  const to = destination.backend;
  const request: LockRequest = {
    Operation: 'OperationTypeMigrate',
    Info: `copying '${workspace}' from a ${from.type} backend to a ${to.type} backend`,
    Who: options.who ?? '',
    Version: 'tempeh',
    Created: '',
    Path: '',
  };
  const sourceLock = await source.lock(workspace, request);
  try {
    const targetLock = await destination.lock(workspace, request);
    try {
      const handle = await from.readStream(workspace);
      if (!handle) throw new NotFoundError(`'${workspace}' has no state to migrate`, { hint: 'check the workspace name and the source backend' });
      const sourceHash = createHash('sha256');
      async function* hashed(): AsyncGenerator<Uint8Array> {
        for await (const chunk of handle?.stream ?? []) {
          if (!(chunk instanceof Uint8Array)) {
            throw new IoError(`the source stream of '${workspace}' yielded something that is not bytes`, { hint: 'the source backend is broken: its readStream must yield bytes' });
          }
          sourceHash.update(chunk);
          yield chunk;
        }
      }
      const written = await to.writeStream(workspace, hashed(), { lockId: targetLock.ID, ifRevision: options.overwrite ? undefined : null });
      const sha256 = sourceHash.digest('hex');

      const copy = await to.readStream(workspace);
      const copyHash = createHash('sha256');
      for await (const chunk of copy?.stream ?? []) {
        if (chunk instanceof Uint8Array) copyHash.update(chunk);
      }
      const copied = copyHash.digest('hex');
      if (copied !== sha256) {
        throw new IoError(`the copy of '${workspace}' differs from its source (sha256 ${copied}, expected ${sha256})`, {
          hint: 'the target changed the bytes (a text column in another encoding?); the source is untouched',
        });
      }
      return { sha256, size: written.size, revision: written.revision };
    } finally {
      await destination.unlock(workspace, targetLock.ID);
    }
  } finally {
    await source.unlock(workspace, sourceLock.ID);
  }
}
