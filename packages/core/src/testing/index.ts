// Public surface of @tempeh/core/testing: re-exports only. Importing this
// entry imports vitest (an optional peer dependency of @tempeh/core).
export { describeBackendConformance } from './conformance/describe-backend-conformance.js';
export type { ConformanceOptions } from './conformance/harness.js';
export { HOSTILE_WORKSPACE_NAMES, ODD_LEGAL_WORKSPACE_NAMES } from './conformance/workspace-name-tests.js';
export { generateLargeState, writeLargeStateFile } from './large-state.js';
export type { LargeState, LargeStateChanges, LargeStateMutation, LargeStateOptions, LargeStateSecrets, PlantedSecret, PlantedSecretKind, WrittenLargeState } from './large-state.js';
export { measurePeakRss, settleHeap } from './memory-probe.js';
export type { PeakRssOptions, PeakRssReport } from './memory-probe.js';
export { terraformFixtureState, TERRAFORM_FIXTURE_SHA256 } from './fixture-state.js';
export { eventually, exitCode, killHard, readLines, spawnNode } from './processes.js';
export { TerraformDir, hasTerraform, terraformEnv, waitForOutput, type TerraformRun } from './terraform.js';
export { runCounterRounds } from './contention.js';
export { checkResultsInOrder } from './check-results.js';
