import { readFile } from 'node:fs/promises';
import { Kernel, isTempehError, parseState, type LockInfo, type LockRequest } from '@tempeh/core';
import { terraformFixtureState } from '@tempeh/core/testing';
import { afterEach, expect, it } from 'vitest';
import {
  TerraformPgBackend,
  createPostgresBackend,
  createTerraformPgBackend,
  migrateWorkspace,
  postgresBackendPlugin,
  type PostgresBackendConfigInput,
} from '../src/index.js';
import { describeWithPostgres } from './support/pg-server.js';
import { checkResultsInOrder } from '@tempeh/core/testing';
import { LOCK_HOLDER, eventually, killHard, readLines, spawnNode } from './support/processes.js';
import { TerraformDir, hasTerraform, pgTerraformDir, waitForOutput } from './support/terraform.js';

const REQUEST: LockRequest = { Operation: 'OperationTypeApply', Info: 'compat test', Who: 'tempeh@ci', Version: '1.11.4', Created: '', Path: '' };
/** A state written by terraform 1.11.4 with the pg backend. */
const PG_FIXTURE = new URL('../../../fixtures/terraform/pg/staging.tfstate', import.meta.url);

async function rejection(action: Promise<unknown>): Promise<Error & { code?: string; lock?: LockInfo; stale?: boolean }> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isTempehError(outcome)) throw new Error(`expected a Tempeh error, got ${String(outcome)}`);
  return outcome;
}

describeWithPostgres("postgres compat 'terraform'", (db) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function fresh(): Promise<{ backend: TerraformPgBackend; config: PostgresBackendConfigInput; schema: string }> {
    const schema = db.freshSchema('tf');
    const config: PostgresBackendConfigInput = db.config({ schema, compat: 'terraform' });
    const backend = createTerraformPgBackend(config);
    cleanup.push(() => backend.close());
    await backend.init();
    return { backend, config, schema };
  }

  async function terraformIn(schema: string): Promise<TerraformDir> {
    const url = new URL(db.url());
    // lib/pq's default sslmode is require; the test server may have no SSL.
    if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
    const tf = await pgTerraformDir(url.href, schema);
    cleanup.push(() => tf.remove());
    return tf;
  }

  it("init creates exactly Terraform's objects (schema, public.global_states_id_seq, states with its indexes), idempotently", async () => {
    const { backend, schema } = await fresh();
    await backend.init();
    const columns = await db.query(
      `SELECT column_name, data_type, column_default FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'states' ORDER BY ordinal_position`,
      [schema],
    );
    expect(columns.rows).toEqual([
      { column_name: 'id', data_type: 'bigint', column_default: "nextval('global_states_id_seq'::regclass)" },
      { column_name: 'name', data_type: 'text', column_default: null },
      { column_name: 'data', data_type: 'text', column_default: null },
    ]);
    const indexes = await db.query<{ indexname: string }>(`SELECT indexname FROM pg_catalog.pg_indexes WHERE schemaname = $1 AND tablename = 'states' ORDER BY indexname`, [
      schema,
    ]);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['states_by_name', 'states_name_key', 'states_pkey']);
    const sequence = await db.query(`SELECT data_type FROM information_schema.sequences WHERE sequence_schema = 'public' AND sequence_name = 'global_states_id_seq'`);
    expect(sequence.rows).toEqual([{ data_type: 'bigint' }]);
    expect(backend.capabilities).toEqual({ streaming: false, nativeLocks: true, compareAndSwap: true, versions: false });
    expect(Reflect.get(backend, 'versions')).toBeUndefined();
  });

  it('one row per workspace, the state as text; workspace new writes an empty state; bytes that are not UTF-8 are refused', async () => {
    const { backend, schema } = await fresh();
    const fixture = terraformFixtureState();
    const written = await backend.putState('default', fixture);
    expect((await backend.getState('default'))?.data.equals(fixture)).toBe(true);
    expect((await backend.getState('default'))?.revision).toBe(written.revision);
    await backend.createWorkspace('qa');
    expect(await backend.listWorkspaces()).toEqual(['default', 'qa']);
    const empty = parseState((await backend.getState('qa'))?.data ?? Buffer.alloc(0));
    expect(empty).toMatchObject({ serial: 1, resources: [] });
    const rows = await db.query(`SELECT name, length(data) > 0 AS has_data FROM "${schema}".states ORDER BY name`);
    expect(rows.rows).toEqual([
      { name: 'default', has_data: true },
      { name: 'qa', has_data: true },
    ]);
    expect((await rejection(backend.putState('default', Buffer.from([0x7b, 0xff, 0x7d])))).code).toBe('TEMPEH_E_INVALID_STATE');
    expect((await rejection(backend.putState('default', Buffer.from('{"a":"\u0000"}')))).code).toBe('TEMPEH_E_INVALID_STATE');
    const stale = await rejection(backend.putState('default', Buffer.from('{}'), { ifRevision: 'not-it' }));
    expect(stale.code).toBe('TEMPEH_E_CONFLICT');
    await backend.deleteWorkspace('qa');
    expect(await backend.listWorkspaces()).toEqual(['default']);
  });

  it('two Tempeh clients exclude each other with the same advisory locks, and name the holder; a lock ends with its session', async () => {
    const { backend, config } = await fresh();
    await backend.putState('default', Buffer.from('{"version": 4}\n'));
    const child = spawnNode(LOCK_HOLDER, [JSON.stringify(config), 'default']);
    cleanup.push(() => killHard(child));
    const held: unknown = JSON.parse(await readLines(child).first);
    const heldId = String(Reflect.get(Object(held), 'ID'));

    const refused = await rejection(backend.lock('default', REQUEST));
    expect(refused.code).toBe('TEMPEH_E_LOCKED');
    expect(refused.lock?.ID).toBe(heldId);
    expect((await backend.getLock('default'))?.info?.ID).toBe(heldId);
    expect((await rejection(backend.putState('default', Buffer.from('{}')))).code).toBe('TEMPEH_E_LOCKED');
    expect((await rejection(backend.lock('default', REQUEST, { detached: true }))).code).toBe('TEMPEH_E_CAPABILITY');

    // Killed, its session ends and so does the lock, as with terraform: nothing stale is left.
    await killHard(child);
    expect(await eventually(async () => (await backend.getLock('default')) === undefined)).toBe(true);
    const mine = await backend.lock('default', REQUEST);
    await backend.putState('default', Buffer.from('{"version": 4, "serial": 2}\n'), { lockId: mine.ID });
    await backend.unlock('default', mine.ID);
  });

  it('force-unlock of another live Tempeh client ends its lock session', async () => {
    const { backend, config } = await fresh();
    const child = spawnNode(LOCK_HOLDER, [JSON.stringify(config), 'prod']);
    cleanup.push(() => killHard(child));
    const held: unknown = JSON.parse(await readLines(child).first);
    const heldId = String(Reflect.get(Object(held), 'ID'));
    expect((await rejection(backend.forceUnlock('prod', 'other-id'))).code).toBe('TEMPEH_E_LOCK_MISMATCH');
    await backend.forceUnlock('prod', heldId);
    expect(await backend.getLock('prod')).toBeUndefined();
    const mine = await backend.lock('prod', REQUEST);
    await backend.unlock('prod', mine.ID);
  });

  it('a lock on a workspace without a row holds the creation key, then the new row once the holder writes it', async () => {
    const { backend, config } = await fresh();
    const other = createTerraformPgBackend(config);
    cleanup.push(() => other.close());
    const held = await backend.lock('fresh', REQUEST);
    expect((await other.getLock('fresh'))?.info?.ID).toBe(held.ID);
    // Creating any workspace waits for the creation key, as in Terraform.
    expect((await rejection(other.createWorkspace('elsewhere'))).code).toBe('TEMPEH_E_LOCKED');
    await backend.putState('fresh', Buffer.from('{"version": 4}\n'), { lockId: held.ID });
    // Now on the row's id: creations are free again, and the workspace stays locked.
    await other.createWorkspace('elsewhere');
    expect((await other.getLock('fresh'))?.info?.ID).toBe(held.ID);
    expect((await rejection(other.putState('fresh', Buffer.from('{}')))).code).toBe('TEMPEH_E_LOCKED');
    await backend.unlock('fresh', held.ID);
    expect(await other.getLock('fresh')).toBeUndefined();
  });

  it("migrates a workspace from Terraform's layout to Tempeh's and back, with checksums compared", async () => {
    const { backend: terraformSide } = await fresh();
    const tempehSide = createPostgresBackend(db.config({ schema: db.freshSchema('tempeh') }));
    cleanup.push(() => tempehSide.close());
    await tempehSide.init();
    const theirs = await readFile(PG_FIXTURE);
    await terraformSide.putState('staging', theirs);

    const there = await migrateWorkspace(terraformSide, tempehSide, { workspace: 'staging' });
    expect(there.size).toBe(theirs.byteLength);
    expect((await tempehSide.getState('staging'))?.data.equals(theirs)).toBe(true);
    expect((await tempehSide.versions.list('staging')).map((v) => v.sha256)).toEqual([there.sha256]);
    // Not over an existing state unless asked, and nothing is left locked either way.
    expect((await rejection(migrateWorkspace(terraformSide, tempehSide, { workspace: 'staging' }))).code).toBe('TEMPEH_E_CONFLICT');
    expect(await tempehSide.getLock('staging')).toBeUndefined();
    expect(await terraformSide.getLock('staging')).toBeUndefined();

    await terraformSide.deleteWorkspace('staging');
    const back = await migrateWorkspace(tempehSide, terraformSide, { workspace: 'staging' });
    expect(back.sha256).toBe(there.sha256);
    expect((await terraformSide.getState('staging'))?.data.equals(theirs)).toBe(true);
    expect((await rejection(migrateWorkspace(tempehSide, terraformSide, { workspace: 'nothing-here' }))).code).toBe('TEMPEH_E_NOT_FOUND');
  });

  it('the kernel picks the class by compat, and a URL can ask for it', async () => {
    const kernel = new Kernel();
    await kernel.use(postgresBackendPlugin);
    const { type, config } = kernel.backends.fromUrl('postgres://ci@db.internal/tf?compat=terraform', {});
    const backend = await kernel.backends.create(type, config, { cwd: '/' });
    expect(backend).toBeInstanceOf(TerraformPgBackend);
    if (backend instanceof TerraformPgBackend) expect(backend.sql.raw.schema).toBe('terraform_remote_state');
    await backend.close();
    expect(() => createPostgresBackend({ database: 'tf', compat: 'terraform' })).toThrow(expect.objectContaining({ code: 'TEMPEH_E_CAPABILITY' }));
  });

  it.skipIf(!hasTerraform)('what Tempeh writes, terraform reads (state pull, workspace list), and the reverse (skipped without terraform)', async () => {
    const { backend, schema } = await fresh();
    const tf = await terraformIn(schema);
    const theirs = await readFile(PG_FIXTURE);
    await backend.putState('default', terraformFixtureState());
    await backend.putState('staging', theirs);

    const pulled = await tf.run(['state', 'pull']);
    expect(pulled.code).toBe(0);
    expect(checkResultsInOrder(pulled.stdout)).toBe(checkResultsInOrder(terraformFixtureState().toString()));
    const pulledStaging = await tf.run(['state', 'pull'], { workspace: 'staging' });
    expect(checkResultsInOrder(pulledStaging.stdout)).toBe(checkResultsInOrder(theirs.toString()));
    const listed = await tf.run(['workspace', 'list']);
    expect(listed.stdout.split('\n').map((line) => line.replace('*', '').trim()).filter(Boolean)).toEqual(['default', 'staging']);

    // The reverse: a workspace terraform creates and applies to.
    expect((await tf.run(['workspace', 'new', '-no-color', 'tfws'])).code).toBe(0);
    const applied = await tf.run(['apply', '-auto-approve', '-input=false', '-no-color'], { workspace: 'tfws' });
    expect(applied.code, applied.stderr).toBe(0);
    expect(await backend.listWorkspaces()).toEqual(['default', 'staging', 'tfws']);
    const stored = await backend.getState('tfws');
    const state = parseState(stored?.data ?? Buffer.alloc(0));
    expect(state.resources.map((r) => `${r.type}.${r.name}`)).toEqual(['terraform_data.x']);
    const pulledTheirs = await tf.run(['state', 'pull'], { workspace: 'tfws' });
    expect(stored?.data.toString().trimEnd()).toBe(pulledTheirs.stdout.trimEnd());

    // Terraform goes on from what Tempeh wrote over its state.
    await backend.putState('tfws', stored?.data ?? Buffer.alloc(0), { ifRevision: stored?.revision ?? null });
    expect((await tf.run(['plan', '-input=false', '-detailed-exitcode', '-no-color'], { workspace: 'tfws' })).code).toBe(0);
  });

  it.skipIf(!hasTerraform)('while Tempeh holds the lock, terraform plan -lock-timeout=1s and state push fail with a lock error (skipped without terraform)', async () => {
    const { backend, schema } = await fresh();
    const tf = await terraformIn(schema);
    await backend.putState('default', terraformFixtureState());
    const held = await backend.lock('default', REQUEST);
    const plan = await tf.run(['plan', '-lock-timeout=1s', '-input=false', '-no-color']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('Error acquiring the state lock');
    const push = await tf.run(['state', 'push', '-lock-timeout=1s', '-']);
    expect(push.code).not.toBe(0);
    expect((await backend.getState('default'))?.data.equals(terraformFixtureState())).toBe(true);
    await backend.unlock('default', held.ID);
    expect((await tf.run(['plan', '-lock-timeout=1s', '-input=false', '-no-color'])).code).toBe(0);
  });

  it.skipIf(!hasTerraform)(
    'while terraform apply waits at its prompt, Tempeh gets TEMPEH_E_LOCKED saying terraform records no holder (skipped without terraform)',
    async () => {
      const { backend, schema } = await fresh();
      const tf = await terraformIn(schema);
      expect((await tf.run(['apply', '-auto-approve', '-input=false', '-no-color'])).code).toBe(0);
      const before = await backend.getState('default');

      const apply = tf.spawn(['apply', '-no-color', '-var', 'input=changed']);
      cleanup.push(() => killHard(apply));
      await waitForOutput(apply, 'Enter a value:');
      const status = await backend.getLock('default');
      expect(status?.info).toBeUndefined();
      expect(status?.detail).toContain('records no holder');
      const refused = await rejection(backend.lock('default', REQUEST));
      expect(refused.code).toBe('TEMPEH_E_LOCKED');
      expect(refused.lock).toBeUndefined();
      expect(refused.message).toContain('records no holder information');
      expect((await rejection(backend.putState('default', before?.data ?? Buffer.alloc(0)))).code).toBe('TEMPEH_E_LOCKED');

      apply.stdin?.end('no\n');
      await new Promise((resolve) => apply.once('exit', resolve));
      const mine = await backend.lock('default', REQUEST);
      await backend.unlock('default', mine.ID);
      expect((await backend.getState('default'))?.data.equals(before?.data ?? Buffer.alloc(0))).toBe(true);
    },
  );
});
