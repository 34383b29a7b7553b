// Public surface of @tempeh/backend-local: re-exports only.
export { LocalBackend, type LocalLockOptions } from './local-backend.js';
export { localBackendDefinition, localBackendPlugin, createLocalBackend } from './definition.js';
export {
  localBackendConfigSchema,
  localConfigFromUrl,
  parseLocalBackendConfig,
  DEFAULT_STATE_FILENAME,
  DEFAULT_WORKSPACE_DIR,
  type LocalBackendConfig,
  type LocalBackendConfigInput,
} from './config.js';
export { Layout, type StateFiles } from './layout.js';
export { formatLockFile, parseLockFile, readLockFile, type LockFileContent, type TempehLockMark } from './lock-file.js';
export { parseProcLocks, splitDevice, fcntlLocksOn, type ProcLockEntry, type FcntlLockView } from './posix-locks.js';
export { STALE_TEMP_AGE_MS, isTempName } from './atomic-file.js';
