// StateManager: Terraform's locking and save rules over any backend, through the kernel's hooks.
export * from './state-manager.js';
export { LockOperation, DEFAULT_LOCK_RETRY_MS, MAX_LOCK_RETRY_MS, defaultWho, tempehVersion } from './lock-request.js';
export { checkReplaceRules, assertValidState } from './save-rules.js';
export { attachSuppressed, suppressedErrors } from './suppressed-errors.js';
