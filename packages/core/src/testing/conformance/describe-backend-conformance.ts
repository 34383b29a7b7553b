import { describe } from 'vitest';
import { registerCapabilityTests } from './capability-tests.js';
import { registerCrudTests } from './crud-tests.js';
import { resolveOptions, type ConformanceOptions } from './harness.js';
import { registerLargeStateTests } from './large-state-tests.js';
import { registerLineageTests } from './lineage-tests.js';
import { registerLockTests } from './lock-tests.js';
import { registerRevisionTests } from './revision-tests.js';
import { registerWorkspaceNameTests } from './workspace-name-tests.js';

/**
 * Registers the backend conformance suite as a vitest `describe` block.
 * Call it at the top level of a test file; every test gets a fresh backend
 * from `options.create()`.
 *
 * ```ts
 * import { describeBackendConformance } from '@tempeh/core/testing';
 * describeBackendConformance({ name: 'my-store', create: async () => new MyBackend(tmpDir()) });
 * ```
 *
 * It checks the StateBackend contract directly (bytes, workspaces, locks,
 * compare-and-swap, workspace names, a large streamed state with bounded
 * memory) and through StateManager for Terraform's lineage/serial rules.
 */
export function describeBackendConformance(options: ConformanceOptions): void {
  const resolved = resolveOptions(options);
  describe(`backend conformance: ${options.name}`, () => {
    registerCapabilityTests(resolved);
    registerCrudTests(resolved);
    registerLockTests(resolved);
    registerRevisionTests(resolved);
    registerWorkspaceNameTests(resolved);
    registerLineageTests(resolved);
    registerLargeStateTests(resolved);
  });
}
