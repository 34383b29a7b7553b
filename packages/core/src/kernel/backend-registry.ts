import { z } from 'zod';
import { ConfigurationError, UnknownBackendError, isTempehError } from '../errors.js';
import type { BackendContext, BackendDefinition, StateBackend } from '../backend/types.js';
import { zodIssuesToConfigIssues } from './config-issues.js';
import { STAGE_REGISTRY, type KernelHooks } from './hooks.js';

/** The name the registry taps `resolveBackend` with. */
export const BACKEND_REGISTRY_TAP = 'tempeh:backend-registry';

export interface BackendRegistryOptions {
  /** Called with the registry's own tap function, so the kernel can exempt it from PluginError wrapping. */
  readonly markInternalTap?: (fn: object) => void;
}

/** A backend type and config derived from a `--backend` URL. */
export interface BackendFromUrl {
  type: string;
  /** The config as `configFromUrl` built it, not yet validated (`create` validates). */
  config: unknown;
}

/**
 * The backend types a kernel knows. Plugins register definitions; the CLI
 * and StateManager users create backends through `create`, which validates
 * the config and then asks `hooks.resolveBackend`, where the registry
 * answers last so that a plugin can supply a backend of its own first.
 */
export class BackendRegistry {
  readonly #definitions = new Map<string, BackendDefinition>();
  readonly #hooks: Pick<KernelHooks, 'resolveBackend'>;

  constructor(hooks: Pick<KernelHooks, 'resolveBackend'>, options: BackendRegistryOptions = {}) {
    this.#hooks = hooks;
    const resolve = async (type: string, config: unknown, context: BackendContext): Promise<StateBackend | undefined> => {
      const definition = this.#definitions.get(type);
      // `config` was validated by `create`; parsing again could apply a transform twice.
      return definition ? definition.create(config, context) : undefined;
    };
    options.markInternalTap?.(resolve);
    hooks.resolveBackend.tapPromise({ name: BACKEND_REGISTRY_TAP, stage: STAGE_REGISTRY }, resolve);
  }

  /** Adds a backend type. ConfigurationError if the type is empty or already registered. */
  register<Schema extends z.ZodType>(definition: BackendDefinition<Schema>): void {
    const { type } = definition;
    if (typeof type !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(type)) {
      throw new ConfigurationError(`backend definition`, [
        { path: 'type', message: 'must be a lower-case name: letters, digits, - and _, starting with a letter' },
      ]);
    }
    if (this.#definitions.has(type)) {
      throw new ConfigurationError(`backend definition '${type}'`, [{ path: 'type', message: `a backend of type '${type}' is already registered` }], {
        hint: 'register each backend type once; check for a plugin applied twice under different names',
      });
    }
    this.#definitions.set(type, definition);
  }

  has(type: string): boolean {
    return this.#definitions.has(type);
  }

  /** The definition of `type`, or `undefined`. */
  get(type: string): BackendDefinition | undefined {
    return this.#definitions.get(type);
  }

  /** Registered types, sorted. */
  types(): string[] {
    return [...this.#definitions.keys()].sort();
  }

  /**
   * The config that `{}` stands for. When the schema has required fields,
   * `{}` does not parse; then the defaults of the fields that have one.
   */
  defaultConfig(type: string): Record<string, unknown> {
    const { configSchema } = this.#require(type);
    const parsed = configSchema.safeParse({});
    if (parsed.success) return isRecord(parsed.data) ? parsed.data : {};
    const defaults: Record<string, unknown> = {};
    if (configSchema instanceof z.ZodObject) {
      for (const [key, field] of Object.entries(configSchema.shape)) {
        if (!(field instanceof z.ZodType)) continue;
        const fieldDefault = field.safeParse(undefined);
        if (fieldDefault.success && fieldDefault.data !== undefined) defaults[key] = fieldDefault.data;
      }
    }
    return defaults;
  }

  /**
   * The parsed config (defaults filled in), or ConfigurationError listing
   * every bad field by its dotted path. Values of secret-looking fields are
   * never quoted.
   */
  validateConfig(type: string, config: unknown): unknown {
    const { configSchema } = this.#require(type);
    const parsed = configSchema.safeParse(config ?? {});
    if (parsed.success) return parsed.data;
    throw new ConfigurationError(`config of the '${type}' backend`, zodIssuesToConfigIssues(parsed.error.issues));
  }

  /**
   * Validates `config` (for registered types) and resolves a backend
   * through `hooks.resolveBackend`. UnknownBackendError when neither a
   * plugin nor a registered definition supplies one.
   */
  async create(type: string, config: unknown, context: BackendContext): Promise<StateBackend> {
    const parsed = this.#definitions.has(type) ? this.validateConfig(type, config) : config;
    const backend = await this.#hooks.resolveBackend.promise(type, parsed, context);
    if (!backend) throw new UnknownBackendError(type, this.types());
    return backend;
  }

  /**
   * The type and config a `--backend` URL stands for. The scheme picks the
   * type (a definition's `urlSchemes`, else the scheme equal to its type);
   * the definition's `configFromUrl` builds the config.
   */
  fromUrl(url: string, env: NodeJS.ProcessEnv = process.env): BackendFromUrl {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    // The URL is never quoted back: it may carry a password.
    if (!parsed) {
      throw new ConfigurationError('backend URL', [{ path: 'url', message: 'not a URL; expected e.g. memory: or postgres://host/db' }]);
    }
    const scheme = parsed.protocol.toLowerCase();
    const definition = this.#definitionForScheme(scheme);
    if (!definition) throw new UnknownBackendError(scheme.slice(0, -1), this.types());
    if (!definition.configFromUrl) {
      throw new ConfigurationError('backend URL', [
        { path: 'url', message: `the '${definition.type}' backend has no URL form; configure it in the config file` },
      ]);
    }
    try {
      return { type: definition.type, config: definition.configFromUrl(parsed, env) };
    } catch (error) {
      if (isTempehError(error)) throw error;
      throw new ConfigurationError('backend URL', [{ path: 'url', message: `the '${definition.type}' backend could not read it` }], {
        cause: error,
      });
    }
  }

  #definitionForScheme(scheme: string): BackendDefinition | undefined {
    for (const definition of this.#definitions.values()) {
      if (definition.urlSchemes?.some((s) => normaliseScheme(s) === scheme)) return definition;
    }
    return this.#definitions.get(scheme.slice(0, -1));
  }

  #require(type: string): BackendDefinition {
    const definition = this.#definitions.get(type);
    if (!definition) throw new UnknownBackendError(type, this.types());
    return definition;
  }
}

/** `postgres`, `postgres:` and `POSTGRES:` all mean `postgres:`, as URL.protocol spells it. */
function normaliseScheme(scheme: string): string {
  const lower = scheme.toLowerCase();
  return lower.endsWith(':') ? lower : `${lower}:`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
