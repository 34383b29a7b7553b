import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Kernel, STAGE_DEFAULT, zodIssuesToConfigIssues } from '../../src/kernel/index.js';
import { ConfigurationError, UnknownBackendError } from '../../src/errors.js';
import { MemoryBackend } from '../../src/backend/memory-backend.js';
import type { BackendDefinition } from '../../src/backend/types.js';
import { rejectionOf, thrownBy } from './rejection.js';

const context = { cwd: process.cwd() };

/** A backend type with nested, required, defaulted and secret fields, like a real database backend. */
const pgSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().positive().default(5432),
  schema_name: z.string().default('terraform_remote_state'),
  // A careless custom message that quotes the value: the registry must not pass it on.
  password: z.string().min(12, { error: (issue) => `the password ${String(issue.input)} is too short` }),
  pool: z.strictObject({ max: z.number().int().min(1).default(4), idle_ms: z.number().default(10_000) }).default({ max: 4, idle_ms: 10_000 }),
});

function pgDefinition(created: unknown[] = []): BackendDefinition<typeof pgSchema> {
  return {
    type: 'pg',
    description: 'test double of a PostgreSQL backend',
    configSchema: pgSchema,
    urlSchemes: ['postgres', 'postgresql:'],
    create: (config) => {
      created.push(config);
      return new MemoryBackend();
    },
    configFromUrl: (url, env) => ({
      host: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      password: decodeURIComponent(url.password) || env['PGPASSWORD'] || '',
    }),
  };
}

describe('BackendRegistry', () => {
  it('knows the memory backend by default', () => {
    const { backends } = new Kernel();
    expect(backends.types()).toEqual(['memory']);
    expect(backends.has('memory')).toBe(true);
    expect(backends.get('memory')?.type).toBe('memory');
    expect(backends.get('nope')).toBeUndefined();
  });

  it('refuses a type registered twice', () => {
    const { backends } = new Kernel();
    backends.register(pgDefinition());
    const error = thrownBy(() => backends.register(pgDefinition()), ConfigurationError);
    expect(error.code).toBe('TEMPEH_E_CONFIG');
    expect(backends.types()).toEqual(['memory', 'pg']);
  });

  it('validateConfig lists every bad field by dotted path', () => {
    const { backends } = new Kernel();
    backends.register(pgDefinition());
    const error = thrownBy(
      () => backends.validateConfig('pg', { host: '', port: -1, password: 42, pool: { max: 0, extra: true }, unknown_field: 1 }),
      ConfigurationError,
    );
    expect(error.code).toBe('TEMPEH_E_CONFIG');
    expect(error.issues.map((i) => i.path).sort()).toEqual(['host', 'password', 'pool.extra', 'pool.max', 'port', 'unknown_field']);
    for (const issue of error.issues) expect(error.message).toContain(`  - ${issue.path}: `);
  });

  it('never echoes what was given for a secret-looking field', () => {
    const { backends } = new Kernel();
    backends.register(pgDefinition());
    const secret = 'hunter2';
    const error = thrownBy(() => backends.validateConfig('pg', { host: 'db', password: secret }), ConfigurationError);
    expect(error.issues.map((i) => i.path)).toEqual(['password']);
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.issues)).not.toContain(secret);
    expect(JSON.stringify(error.toJSON())).not.toContain(secret);
  });

  it('validateConfig returns the parsed config with defaults filled in', () => {
    const { backends } = new Kernel();
    backends.register(pgDefinition());
    expect(backends.validateConfig('pg', { host: 'db', password: 'long-enough-secret' })).toEqual({
      host: 'db',
      port: 5432,
      schema_name: 'terraform_remote_state',
      password: 'long-enough-secret',
      pool: { max: 4, idle_ms: 10_000 },
    });
    expect(backends.validateConfig('memory', undefined)).toEqual({});
    expect(thrownBy(() => backends.validateConfig('memory', { surprise: 1 }), ConfigurationError).issues).toEqual([
      { path: 'surprise', message: 'unknown field; remove it or check its spelling' },
    ]);
  });

  it('defaultConfig is the parse of {} or, with required fields, the defaults that exist', () => {
    const { backends } = new Kernel();
    backends.register(pgDefinition());
    expect(backends.defaultConfig('memory')).toEqual({});
    expect(backends.defaultConfig('pg')).toEqual({ port: 5432, schema_name: 'terraform_remote_state', pool: { max: 4, idle_ms: 10_000 } });
    expect(thrownBy(() => backends.defaultConfig('nope'), UnknownBackendError).code).toBe('TEMPEH_E_UNKNOWN_BACKEND');
  });

  it('create validates, then resolves through hooks.resolveBackend with the parsed config', async () => {
    const kernel = new Kernel();
    const created: unknown[] = [];
    kernel.backends.register(pgDefinition(created));
    const seen: string[] = [];
    kernel.hooks.resolveBackend.tap({ name: 'observer', stage: STAGE_DEFAULT }, (type) => {
      seen.push(type);
      return undefined;
    });
    const backend = await kernel.backends.create('pg', { host: 'db', password: 'long-enough-secret' }, context);
    expect(backend).toBeInstanceOf(MemoryBackend);
    expect(seen).toEqual(['pg']);
    expect(created).toEqual([expect.objectContaining({ host: 'db', port: 5432 })]);

    const invalid = await rejectionOf(kernel.backends.create('pg', { host: 'db' }, context), ConfigurationError);
    expect(invalid.issues.map((i) => i.path)).toEqual(['password']);
    expect(created).toHaveLength(1);
  });

  it('a plugin answering resolveBackend first supplies the backend, also for a type nobody registered', async () => {
    const kernel = new Kernel();
    const own = new MemoryBackend();
    kernel.hooks.resolveBackend.tap('custom-backends', (type) => (type === 'memory' || type === 'custom' ? own : undefined));
    expect(await kernel.backends.create('memory', {}, context)).toBe(own);
    expect(await kernel.backends.create('custom', { anything: true }, context)).toBe(own);
  });

  it('an unknown type is TEMPEH_E_UNKNOWN_BACKEND', async () => {
    const { backends } = new Kernel();
    expect((await rejectionOf(backends.create('s4', {}, context))).code).toBe('TEMPEH_E_UNKNOWN_BACKEND');
    expect(thrownBy(() => backends.validateConfig('s4', {}), UnknownBackendError).code).toBe('TEMPEH_E_UNKNOWN_BACKEND');
  });

  it('fromUrl picks the type by URL scheme and builds its config', async () => {
    const { backends } = new Kernel();
    backends.register(pgDefinition());
    expect(backends.fromUrl('memory:')).toEqual({ type: 'memory', config: {} });
    expect(backends.fromUrl('memory://anything')).toEqual({ type: 'memory', config: {} });
    expect(backends.fromUrl('postgres://u:p%40ss@db:6543/x', {})).toEqual({ type: 'pg', config: { host: 'db', port: 6543, password: 'p@ss' } });
    expect(backends.fromUrl('POSTGRESQL://db/x', { PGPASSWORD: 'from-env' }).config).toEqual({ host: 'db', port: undefined, password: 'from-env' });
  });

  it('fromUrl: unknown scheme, no URL form, not a URL', () => {
    const { backends } = new Kernel();
    backends.register({ type: 'nourl', description: 'no URL form', configSchema: z.object({}), create: () => new MemoryBackend() });
    expect(thrownBy(() => backends.fromUrl('ftp://x'), UnknownBackendError).code).toBe('TEMPEH_E_UNKNOWN_BACKEND');
    expect(thrownBy(() => backends.fromUrl('nourl://x'), ConfigurationError).issues.map((i) => i.path)).toEqual(['url']);
    const notUrl = thrownBy(() => backends.fromUrl('not a url with secret-pw'), ConfigurationError);
    expect(notUrl.message).not.toContain('secret-pw');
  });
});

describe('zodIssuesToConfigIssues', () => {
  it('prefixes paths and splits unknown keys into one issue each', () => {
    const result = z.strictObject({ a: z.object({ b: z.array(z.number()) }) }).safeParse({ a: { b: [1, 'x'] }, c: 1, d: 2 });
    expect(result.success).toBe(false);
    const issues = result.success ? [] : zodIssuesToConfigIssues(result.error.issues, 'environments.prod.config');
    expect(issues.map((i) => i.path).sort()).toEqual(['environments.prod.config.a.b.1', 'environments.prod.config.c', 'environments.prod.config.d']);
  });
});
