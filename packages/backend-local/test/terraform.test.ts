import { execFile, spawn } from 'node:child_process';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parseState, type LockRequest } from '@tempeh/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalBackend, fcntlLocksOn, formatLockFile, readLockFile } from '../src/index.js';
import { FIXTURES, hasTerraform, makeTempDir, removeDir, terraformEnv } from './helpers.js';
import { killHard } from './process-helpers.js';

const run = promisify(execFile);
const onLinux = process.platform === 'linux';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('tempeh-tf-');
});
afterEach(async () => {
  await removeDir(dir);
});

async function terraform(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run('terraform', [...args, '-no-color'], { cwd: dir, env: terraformEnv(extraEnv), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** `state pull` and `state list` take no -no-color flag. */
async function terraformRaw(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Buffer> {
  const { stdout } = await run('terraform', args, { cwd: dir, env: terraformEnv(extraEnv), maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' });
  return stdout;
}

const request: LockRequest = { Operation: 'OperationTypeApply', Info: '', Who: 'tempeh@test', Version: 'test', Created: '', Path: '' };

describe('terraform reads what Tempeh wrote', () => {
  it.skipIf(!hasTerraform)('state pull gives back the bytes written (plus the newline it prints), state list and workspace list match (needs terraform)', async () => {
    const backend = createLocalBackend({}, { cwd: dir });
    // States without check results: terraform re-serialises several check results in a random order, so only these pull back byte for byte.
    const builtin = await readFile(join(FIXTURES, 'generated/builtin-3-services.tfstate'));
    const aws = await readFile(join(FIXTURES, 'generated/aws-6-services.tfstate'));
    const applied = await readFile(join(FIXTURES, 'terraform.tfstate'));
    await backend.putState('default', builtin);
    await backend.writeStream('staging', (async function* () {
      for (let offset = 0; offset < aws.byteLength; offset += 4096) yield aws.subarray(offset, offset + 4096);
    })());
    await backend.putState('applied', applied);
    await backend.createWorkspace('empty');

    // `state pull` re-serialises the state it read and prints it with one more newline of its own.
    const pulled = (bytes: Buffer): Buffer => Buffer.concat([bytes, Buffer.from('\n')]);
    expect((await terraformRaw(['state', 'pull'])).equals(pulled(builtin))).toBe(true);
    expect((await terraformRaw(['state', 'pull'], { TF_WORKSPACE: 'staging' })).equals(pulled(aws))).toBe(true);
    const list = await terraformRaw(['state', 'list'], { TF_WORKSPACE: 'applied' });
    expect(list.toString('utf8')).toBe(await readFile(join(FIXTURES, 'state-list.txt'), 'utf8'));
    const listed = (await terraform(['workspace', 'list'])).split('\n').map((line) => line.trim()).filter(Boolean);
    expect(listed).toEqual(['* default', 'applied', 'empty', 'staging']);
  });
});

describe('a running terraform', () => {
  async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if (await condition()) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it.skipIf(!hasTerraform || !onLinux)(
    'while `terraform apply` waits at its prompt, lock() and writes are refused; once it is SIGKILLed its lock info is stale (needs terraform and /proc/locks)',
    async () => {
      await writeFile(join(dir, 'main.tf'), 'resource "terraform_data" "a" {\n  input = "one"\n}\n');
      await terraform(['apply', '-auto-approve']);
      const backend = createLocalBackend({}, { cwd: dir });
      const files = backend.files('default');
      const written = await backend.getState('default');
      expect(written && parseState(written.data).resources).toHaveLength(1);

      await writeFile(join(dir, 'main.tf'), 'resource "terraform_data" "a" {\n  input = "two"\n}\n');
      const apply = spawn('terraform', ['apply', '-no-color'], { cwd: dir, env: terraformEnv(), stdio: ['pipe', 'ignore', 'ignore'] });
      try {
        await waitFor(async () => {
          const hasInfo = await access(files.lockInfo).then(
            () => true,
            () => false,
          );
          return hasInfo && (await fcntlLocksOn(files.state)).holders.includes(apply.pid ?? -1);
        }, 'terraform to lock the state');
        const theirs = (await readLockFile(files.lockInfo))?.info;
        expect(theirs?.Operation).toBe('OperationTypeApply');

        const status = await backend.getLock('default');
        expect(status).toMatchObject({ stale: false, info: theirs });
        expect(status?.detail).toContain(String(apply.pid));
        await expect(backend.lock('default', request)).rejects.toMatchObject({ code: 'TEMPEH_E_LOCKED', stale: false, lock: theirs });
        await expect(backend.putState('default', Buffer.from('{}'))).rejects.toMatchObject({ code: 'TEMPEH_E_LOCKED' });
        // break_stale does not break a live terraform's lock.
        await expect(createLocalBackend({ break_stale: true }, { cwd: dir }).lock('default', request)).rejects.toMatchObject({ code: 'TEMPEH_E_LOCKED' });
        expect((await backend.getState('default'))?.data.equals(written?.data ?? Buffer.alloc(0))).toBe(true);

        // Its lock info gone (removed by hand), the fcntl lock alone still keeps Tempeh out, and the refused lock() leaves no file.
        await rm(files.lockInfo);
        expect(await backend.getLock('default')).toMatchObject({ info: undefined, stale: false });
        await expect(backend.lock('default', request)).rejects.toMatchObject({ code: 'TEMPEH_E_LOCKED', stale: false });
        await expect(access(files.lockInfo)).rejects.toMatchObject({ code: 'ENOENT' });
        await writeFile(files.lockInfo, formatLockFile(theirs ?? { ID: 'x', Operation: '', Info: '', Who: '', Version: '', Created: '', Path: '' }));
      } finally {
        await killHard(apply);
      }

      const left = await backend.getLock('default');
      expect(left?.stale).toBe(true);
      expect(left?.detail).toContain('terraform itself ignores it');
      await expect(backend.lock('default', request)).rejects.toMatchObject({ code: 'TEMPEH_E_LOCKED', stale: true });
      expect(await backend.breakStaleLock('default')).toMatchObject({ stale: true });
      const mine = await backend.lock('default', request);
      await backend.unlock('default', mine.ID);

      // Terraform goes on working with the state Tempeh leaves, and Tempeh with what terraform writes.
      await terraform(['apply', '-auto-approve']);
      const after = await backend.getState('default');
      expect(after && parseState(after.data).serial).toBeGreaterThan(written ? parseState(written.data).serial : 0);
    },
  );

  it.skipIf(!hasTerraform)('a terraform apply run under a Tempeh lock leaves the lock held, as `tempeh exec -- terraform apply` needs (needs terraform)', async () => {
    await writeFile(join(dir, 'main.tf'), 'resource "terraform_data" "a" {\n  input = "one"\n}\n');
    const backend = createLocalBackend({}, { cwd: dir });
    const held = await backend.lock('default', request);
    // terraform ignores Tempeh's lock file: it overwrites it with its own lock info, and deletes it when done.
    await terraform(['apply', '-auto-approve']);
    await expect(access(backend.files('default').lockInfo)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await backend.getLock('default')).toMatchObject({ info: held, stale: false });
    await expect(backend.lock('default', request)).rejects.toMatchObject({ code: 'TEMPEH_E_LOCKED', lock: held });
    const applied = await backend.getState('default');
    expect(applied && parseState(applied.data).resources).toHaveLength(1);
    await backend.unlock('default', held.ID);
    expect(await backend.getLock('default')).toBeUndefined();
  });
});
