import { Kernel, StateManager, isTempehError, parseState, type LockInfo, type LockRequest } from '@tempeh/core';
import { TerraformDir, checkResultsInOrder, hasTerraform, killHard, terraformFixtureState, waitForOutput } from '@tempeh/core/testing';
import { afterEach, expect, it } from 'vitest';
import { S3Backend, createS3Backend, s3BackendPlugin } from '../src/index.js';
import { S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, describeWithS3, type TestS3 } from '../src/testing/index.js';

const REQUEST: LockRequest = { Operation: 'OperationTypeApply', Info: 'interop', Who: 'tempeh@ci', Version: '0.1.0', Created: '', Path: '' };

async function rejection(action: Promise<unknown>): Promise<Error & { code?: string; lock?: LockInfo }> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isTempehError(outcome)) throw new Error(`expected a Tempeh error, got ${String(outcome)}`);
  return outcome;
}

/** Terraform's s3 backend on radosgw: custom endpoint, path style, no AWS-only checks, use_lockfile. */
function s3BackendBlock(s3: TestS3, bucket: string, key: string): string {
  return [
    'backend "s3" {',
    `    bucket                      = "${bucket}"`,
    `    key                         = "${key}"`,
    `    region                      = "${S3_REGION}"`,
    `    endpoints                   = { s3 = "${s3.endpoint}" }`,
    '    use_path_style              = true',
    '    skip_credentials_validation = true',
    '    skip_region_validation      = true',
    '    skip_requesting_account_id  = true',
    '    skip_metadata_api_check     = true',
    // radosgw 16 does not know the flexible checksums Terraform sends by default.
    '    skip_s3_checksum            = true',
    '    use_lockfile                = true',
    '  }',
  ].join('\n');
}

describeWithS3("interop with Terraform's s3 backend", (s3) => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setup(key = 'net/terraform.tfstate'): Promise<{ backend: S3Backend; tf: TerraformDir; bucket: string }> {
    const bucket = await s3.freshBucket({ prefix: 'interop' });
    const backend = createS3Backend(s3.config(bucket, { key }));
    cleanup.push(() => backend.close());
    await backend.init();
    const tf = await TerraformDir.create(s3BackendBlock(s3, bucket, key), {
      prefix: 'tempeh-tf-s3-',
      env: { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_REGION: S3_REGION, AWS_EC2_METADATA_DISABLED: 'true' },
    });
    cleanup.push(() => tf.remove());
    return { backend, tf, bucket };
  }

  it.skipIf(!hasTerraform)('what terraform applies, Tempeh reads; what Tempeh saves, terraform pulls byte for byte and lists (skipped without terraform)', async () => {
    const { backend, tf } = await setup();
    const applied = await tf.run(['apply', '-auto-approve', '-input=false', '-no-color']);
    expect(applied.code, applied.stderr).toBe(0);
    const theirs = await backend.getState('default');
    const state = parseState(theirs?.data ?? Buffer.alloc(0));
    expect(state.resources.map((r) => `${r.type}.${r.name}`)).toEqual(['terraform_data.x']);
    const pulled = await tf.run(['state', 'pull']);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ lineage: state.lineage, serial: state.serial });

    // Tempeh goes on from terraform's state, through StateManager (lock, serial + 1, compare-and-swap).
    const kernel = new Kernel();
    await kernel.use(s3BackendPlugin);
    const manager = new StateManager({ kernel, backend });
    const saved = await manager.save('default', { ...state, serial: state.serial + 1, outputs: { ...state.outputs, from_tempeh: { value: 'yes', type: 'string' } } });
    expect(saved.state.serial).toBe(state.serial + 1);
    const mine = await backend.getState('default');
    const pulledMine = await tf.run(['state', 'pull']);
    expect(pulledMine.code, pulledMine.stderr).toBe(0);
    // terraform prints the stored bytes plus a newline, with check_results in its map's order of the moment.
    expect(checkResultsInOrder(pulledMine.stdout)).toBe(checkResultsInOrder(mine?.data.toString() ?? ''));
    const listed = await tf.run(['state', 'list']);
    expect(listed.stdout.trim().split('\n')).toEqual(['terraform_data.x']);
    // Terraform reads what Tempeh added.
    const outputs = await tf.run(['output', '-json']);
    expect(JSON.parse(outputs.stdout)).toMatchObject({ from_tempeh: { value: 'yes', type: 'string' } });
  });

  it.skipIf(!hasTerraform)("workspaces: terraform's show in Tempeh's list, Tempeh's in terraform's (skipped without terraform)", async () => {
    const { backend, tf } = await setup();
    expect((await tf.run(['workspace', 'new', '-no-color', 'tfws'])).code).toBe(0);
    await backend.createWorkspace('from-tempeh');
    await backend.putState('with-state', terraformFixtureState());
    expect(await backend.listWorkspaces()).toEqual(['default', 'from-tempeh', 'tfws', 'with-state']);
    const listed = await tf.run(['workspace', 'list']);
    expect(listed.stdout.split('\n').map((line) => line.replace('*', '').trim()).filter(Boolean)).toEqual(['default', 'from-tempeh', 'tfws', 'with-state']);
    // An empty workspace Tempeh created is a workspace without a state for terraform too.
    const empty = await tf.run(['state', 'pull'], { workspace: 'from-tempeh' });
    expect(empty.code, empty.stderr).toBe(0);
    // terraform's rendering of "no state": serial 0, no lineage, nothing in it.
    expect(JSON.parse(empty.stdout)).toMatchObject({ serial: 0, lineage: '', resources: [] });
    // And terraform applies into it.
    const applied = await tf.run(['apply', '-auto-approve', '-input=false', '-no-color'], { workspace: 'from-tempeh' });
    expect(applied.code, applied.stderr).toBe(0);
    expect(parseState((await backend.getState('from-tempeh'))?.data ?? Buffer.alloc(0)).resources).toHaveLength(1);
    const pulled = await tf.run(['state', 'pull'], { workspace: 'with-state' });
    expect(checkResultsInOrder(pulled.stdout)).toBe(checkResultsInOrder(terraformFixtureState().toString()));
  });

  it.skipIf(!hasTerraform)('while Tempeh holds the lock, terraform plan -lock-timeout=1s fails with a lock error (skipped without terraform)', async () => {
    const { backend, tf } = await setup();
    expect((await tf.run(['apply', '-auto-approve', '-input=false', '-no-color'])).code).toBe(0);
    const held = await backend.lock('default', REQUEST);
    const plan = await tf.run(['plan', '-lock-timeout=1s', '-input=false', '-no-color']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('Error acquiring the state lock');
    expect(plan.stderr).toContain(held.ID);
    await backend.unlock('default', held.ID);
    expect((await tf.run(['plan', '-lock-timeout=1s', '-input=false', '-no-color'])).code).toBe(0);
  });

  it.skipIf(!hasTerraform)("while terraform apply waits at its prompt, Tempeh's lock error carries terraform's LockInfo (skipped without terraform)", async () => {
    const { backend, tf, bucket } = await setup();
    expect((await tf.run(['apply', '-auto-approve', '-input=false', '-no-color'])).code).toBe(0);
    const before = await backend.getState('default');
    const apply = tf.spawn(['apply', '-no-color', '-var', 'input=changed']);
    cleanup.push(() => killHard(apply));
    await waitForOutput(apply, 'Enter a value:');

    const refused = await rejection(backend.lock('default', REQUEST));
    expect(refused.code).toBe('TEMPEH_E_LOCKED');
    expect(refused.lock).toMatchObject({ Operation: 'OperationTypeApply', Version: '1.11.4', Path: `${bucket}/net/terraform.tfstate` });
    expect(refused.message).toContain(refused.lock?.ID ?? 'an ID');
    expect((await rejection(backend.putState('default', before?.data ?? Buffer.alloc(0)))).code).toBe('TEMPEH_E_LOCKED');

    apply.stdin?.end('no\n');
    await new Promise((resolve) => apply.once('exit', resolve));
    const mine = await backend.lock('default', REQUEST);
    await backend.unlock('default', mine.ID);
    expect((await backend.getState('default'))?.data.equals(before?.data ?? Buffer.alloc(0))).toBe(true);
  });
});
