// Generated states read by the real terraform binary (issue #3): it lists
// what Tempeh lists, and re-serialises the file byte for byte, tainted
// objects, nested modules and sensitive index steps included.
// `terraform show -json` is not checked: it needs the aws provider's schema,
// which cannot be downloaded offline ("Failed to load plugin schemas").
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAddresses } from '../src/index.js';
import { writeLargeStateFile, type LargeStateOptions } from '../src/testing/index.js';
import { hasTerraform, terraformPath, terraformStateList } from './address/terraform.js';

const run = promisify(execFile);
const TARGET_BYTES = 3 * 1000 * 1000;

const CASES: { name: string; options: LargeStateOptions['mutate'] }[] = [
  { name: 'a generated state', options: undefined },
  { name: 'its modified copy', options: { everyNth: 6, seed: 2 } },
];

describe('generated states read by terraform', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tempeh-large-state-tf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, mutate: LargeStateOptions['mutate']): Promise<string> {
    const workdir = await mkdtemp(join(dir, `${name.replaceAll(' ', '-')}-`));
    const path = join(workdir, 'terraform.tfstate');
    await writeLargeStateFile(path, TARGET_BYTES, { seed: 7, mutate });
    return path;
  }

  it.skipIf(!hasTerraform).each(CASES)('terraform state list prints what listAddresses prints for $name (skipped: terraform not installed)', async ({ name, options }) => {
    const path = await write(`list ${name}`, options);
    const terraform = await terraformStateList(path);
    const tempeh = await listAddresses(createReadStream(path));
    expect(terraform.length).toBeGreaterThan(500);
    expect(terraform.some((line) => line.includes('.module.monitoring.aws_cloudwatch_metric_alarm.cpu[11]'))).toBe(true);
    expect(tempeh).toEqual(terraform);
  });

  it.skipIf(!hasTerraform).each(CASES)('terraform state pull writes $name back byte for byte (skipped: terraform not installed)', async ({ name, options }) => {
    if (terraformPath === undefined) return expect.fail('terraform is not on PATH');
    const path = await write(`pull ${name}`, options);
    // `state pull` decodes the state and encodes it again with Terraform's
    // own writer, which sorts resources and instances and orders keys.
    const { stdout } = await run(terraformPath, ['state', 'pull'], {
      cwd: join(path, '..'),
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'buffer',
    });
    // It prints the state followed by one more newline.
    expect(stdout.at(-1)).toBe(0x0a);
    expect(stdout.subarray(0, -1).equals(await readFile(path))).toBe(true);
  });
});
