import type { BackendContext, BackendDefinition, TempehPlugin } from '@tempeh/core';
import { localBackendConfigSchema, localConfigFromUrl, parseLocalBackendConfig, type LocalBackendConfigInput } from './config.js';
import { LocalBackend } from './local-backend.js';

/** The `local` backend type: Terraform's local layout on this machine's file system. */
export const localBackendDefinition: BackendDefinition<typeof localBackendConfigSchema> = {
  type: 'local',
  description: "State files on the local file system in Terraform's own layout (terraform.tfstate, terraform.tfstate.d/<ws>/).",
  configSchema: localBackendConfigSchema,
  urlSchemes: ['file:'],
  create: (config, context) => new LocalBackend(config, context),
  configFromUrl: (url) => localConfigFromUrl(url),
};

/** Registers the `local` backend type: `await kernel.use(localBackendPlugin)`. */
export const localBackendPlugin: TempehPlugin = {
  name: 'backend-local',
  apply(kernel) {
    kernel.backends.register(localBackendDefinition);
  },
};

/**
 * A LocalBackend without a kernel. Validates `config` (ConfigurationError
 * lists every bad field); relative paths resolve against `context.cwd`
 * (default: the process's working directory).
 */
export function createLocalBackend(config: LocalBackendConfigInput = {}, context: Partial<BackendContext> = {}): LocalBackend {
  return new LocalBackend(parseLocalBackendConfig(config), { cwd: context.cwd ?? process.cwd() });
}
