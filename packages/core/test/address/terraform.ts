// Shared by the address tests: where the fixtures are, and how to ask the
// real terraform binary what it lists.
import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseState, type TerraformState } from '../../src/state/index.js';

const run = promisify(execFile);

export const FIXTURES = fileURLToPath(new URL('../../../../fixtures/', import.meta.url));
export const TERRAFORM_FIXTURES = join(FIXTURES, 'terraform');
export const ODD_KEY_FIXTURES = join(FIXTURES, 'odd-keys');

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch (error) {
      // Not in this PATH entry (ENOENT) or not executable (EACCES): try the next one.
      if (!(error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'EACCES' || error.code === 'ENOTDIR'))) {
        throw error;
      }
    }
  }
  return undefined;
}

export const terraformPath = findOnPath('terraform');
export const hasTerraform = terraformPath !== undefined;

/** One state fixture and the list `terraform state list` printed for it. */
export interface ListedFixture {
  /** Path relative to fixtures/, for test names. */
  name: string;
  statePath: string;
  listPath: string;
}

/**
 * Every state in fixtures/terraform (terraform.tfstate with its
 * state-list.txt, the others with fixtures/odd-keys/expected/<path>.txt) and
 * every fixtures/odd-keys/<case>/terraform.tfstate with its state-list.txt.
 */
export function listedFixtures(): ListedFixture[] {
  const fixtures: ListedFixture[] = [];
  for (const statePath of walk(TERRAFORM_FIXTURES)) {
    if (!/\.tfstate(\.backup)?$/.test(statePath)) continue;
    const rel = relative(TERRAFORM_FIXTURES, statePath);
    const listPath =
      rel === 'terraform.tfstate' ? join(TERRAFORM_FIXTURES, 'state-list.txt') : join(ODD_KEY_FIXTURES, 'expected', `${rel}.txt`);
    fixtures.push({ name: relative(FIXTURES, statePath), statePath, listPath });
  }
  for (const statePath of walk(ODD_KEY_FIXTURES)) {
    if (!statePath.endsWith('/terraform.tfstate')) continue;
    fixtures.push({ name: relative(FIXTURES, statePath), statePath, listPath: join(statePath, '..', 'state-list.txt') });
  }
  return fixtures.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

export async function readState(path: string): Promise<TerraformState> {
  return parseState(await readFile(path));
}

/** The lines of a committed list file (no trailing empty line). */
export async function readList(path: string): Promise<string[]> {
  return splitLines(await readFile(path, 'utf8'));
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Runs `terraform state list -state=<statePath> [filters…]` in an empty
 * directory, so no configuration around it changes what terraform reads.
 */
export async function terraformStateList(statePath: string, filters: readonly string[] = []): Promise<string[]> {
  if (terraformPath === undefined) throw new Error('terraform is not on PATH');
  const cwd = await mkdtemp(join(tmpdir(), 'tempeh-address-'));
  try {
    const { stdout } = await run(terraformPath, ['state', 'list', `-state=${statePath}`, ...filters], {
      cwd,
      env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return splitLines(stdout);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/** Writes `state` to a fresh temp file and returns its path and a cleanup. */
export async function writeTempState(state: unknown): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tempeh-address-state-'));
  const path = join(dir, 'terraform.tfstate');
  await writeFile(path, `${JSON.stringify(state, null, 2)}\n`);
  return { path, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
