import { readFileSync } from 'node:fs';
import { Kernel } from '../../src/kernel/index.js';
import { MemoryBackend } from '../../src/backend/memory-backend.js';
import type { LockRequest, LockStatus, StateReadHandle, WriteOptions, WriteResult } from '../../src/backend/types.js';
import type { LockInfo } from '../../src/errors.js';
import { parseState, serializeState } from '../../src/state/index.js';
import type { TerraformState } from '../../src/state/types.js';
import { StateManager } from '../../src/state-manager/index.js';

const FIXTURES = new URL('../../../../fixtures/terraform/', import.meta.url);

/** Bytes of a Terraform-written fixture, e.g. `terraform.tfstate` (serial 30) or `terraform.tfstate.backup` (serial 21, same lineage). */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

export function fixtureState(name: string): TerraformState {
  return parseState(fixtureBytes(name));
}

/** A MemoryBackend that records the calls StateManager makes, into the same array the hooks record into. */
export class RecordingBackend extends MemoryBackend {
  constructor(readonly calls: string[]) {
    super();
  }
  override async lock(workspace: string, request: LockRequest): Promise<LockInfo> {
    this.calls.push('backend.lock');
    return super.lock(workspace, request);
  }
  override async unlock(workspace: string, lockId: string): Promise<void> {
    this.calls.push('backend.unlock');
    return super.unlock(workspace, lockId);
  }
  override async forceUnlock(workspace: string, lockId: string): Promise<void> {
    this.calls.push('backend.forceUnlock');
    return super.forceUnlock(workspace, lockId);
  }
  override async getLock(workspace: string): Promise<LockStatus | undefined> {
    this.calls.push('backend.getLock');
    return super.getLock(workspace);
  }
  override async readStream(workspace: string): Promise<StateReadHandle | undefined> {
    this.calls.push('backend.readStream');
    return super.readStream(workspace);
  }
  override async putState(workspace: string, data: Uint8Array, options?: WriteOptions): Promise<WriteResult> {
    this.calls.push('backend.putState');
    return super.putState(workspace, data, options);
  }
  override async writeStream(workspace: string, source: AsyncIterable<Uint8Array>, options?: WriteOptions): Promise<WriteResult> {
    this.calls.push('backend.writeStream');
    return super.writeStream(workspace, source, options);
  }
}

export interface Setup {
  kernel: Kernel;
  backend: RecordingBackend;
  manager: StateManager;
  calls: string[];
}

export function setup(): Setup {
  const calls: string[] = [];
  const kernel = new Kernel();
  const backend = new RecordingBackend(calls);
  const manager = new StateManager({ kernel, backend, who: 'tester@test-host' });
  return { kernel, backend, manager, calls };
}

/** Stores `bytes` directly in the backend (no hooks, no rules) and forgets the recorded calls. */
export async function seed(s: Setup, workspace: string, bytes: Uint8Array): Promise<void> {
  await s.backend.putState(workspace, bytes);
  s.calls.length = 0;
}

/** A deep copy, so tests can change a state without touching the fixture they parsed once. */
export function copyState(state: TerraformState): TerraformState {
  return parseState(serializeState(state));
}
