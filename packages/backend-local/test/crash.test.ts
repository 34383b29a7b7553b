import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseState } from '@tempeh/core';
import { generateLargeState } from '@tempeh/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBackend, isTempName } from '../src/index.js';
import { makeTempDir, removeDir } from './helpers.js';
import { CRASH_WRITER, firstLine } from './process-helpers.js';

const KILLS = 200;
const LANES = 4;
const STATE_BYTES = 3 * 1024 * 1024;

let root: string;
let base: string;
beforeAll(async () => {
  root = await makeTempDir('tempeh-crash-');
  const chunks: Buffer[] = [];
  for await (const chunk of generateLargeState({ targetBytes: STATE_BYTES, seed: 7, serial: 1 }).stream) chunks.push(chunk);
  base = Buffer.concat(chunks).toString('utf8');
});
afterAll(async () => {
  await removeDir(root);
});

const versions = new Set<string>();
const parsed = new Set<string>();
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The base state with another serial: a valid state whose bytes differ every time. */
function version(serial: number): Buffer {
  const data = Buffer.from(base.replace(/^ {2}"serial": \d+,$/m, `  "serial": ${serial},`));
  versions.add(sha(data));
  return data;
}

/** parseState, once per distinct content: parsing 3 MiB takes a while, and the same bytes parse the same. */
function assertParses(data: Buffer): void {
  const key = sha(data);
  if (parsed.has(key)) return;
  expect(parseState(data).version).toBe(4);
  parsed.add(key);
}

/** A writer process that has loaded its bytes and waits for "go". */
interface Writer {
  child: ChildProcess;
  next: Buffer;
  ready: Promise<string>;
  exited: Promise<unknown[]>;
  stderr: () => string;
}

async function startWriter(dir: string, name: string, next: Buffer, how: 'put' | 'stream'): Promise<Writer> {
  const contentFile = join(root, `${name}.next`);
  await writeFile(contentFile, next);
  // Without NODE_EXTRA_CA_CERTS: the writers make no TLS connections, and loading a CA bundle slows every start.
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(process.execPath, [CRASH_WRITER, dir, contentFile, how], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += String(chunk);
  });
  return { child, next, ready: firstLine(child), exited: once(child, 'exit'), stderr: () => stderr };
}

describe('crash safety', () => {
  it(`after ${KILLS} SIGKILLs at random moments of a ${STATE_BYTES / 1024 / 1024} MiB write, the state is always the old or the new bytes`, async ({ annotate }) => {
    const counts = { old: 0, new: 0, debris: 0 };
    let serial = 1;
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        const dir = join(root, `lane-${lane}`);
        let current = version(serial++);
        await createLocalBackend({}, { cwd: dir }).putState('default', current);
        const rounds = Array.from({ length: Math.ceil((KILLS - lane) / LANES) }, (_, k) => lane + k * LANES);
        const start = (i: number): Promise<Writer> => startWriter(dir, `lane-${lane}-${i}`, version(serial++), i % 2 === 0 ? 'put' : 'stream');
        let pending = rounds[0] === undefined ? undefined : start(rounds[0]);
        for (let r = 0; r < rounds.length; r++) {
          if (!pending) break;
          const writer = await pending;
          expect(await writer.ready).toBe('ready');
          const following = rounds[r + 1];
          pending = following === undefined ? undefined : start(following);

          writer.child.stdin?.write('go\n');
          // 0-50 ms lands in the temp-file write; every fourth kill waits longer, to also land in the backup copy, the rename and after.
          const late = (rounds[r] ?? 0) % 4 === 3;
          await sleep(late ? 50 + Math.random() * 950 : Math.random() * 50);
          writer.child.kill('SIGKILL');
          const [code] = await writer.exited;
          if (code !== null && code !== 0) throw new Error(`a writer failed on its own (exit ${String(code)}): ${writer.stderr()}`);

          const stored = await readFile(join(dir, 'terraform.tfstate'));
          const kept = stored.equals(current) ? 'old' : stored.equals(writer.next) ? 'new' : undefined;
          if (kept === undefined) throw new Error(`after a SIGKILL, ${dir}/terraform.tfstate is neither the old nor the new state (${stored.byteLength} bytes)`);
          assertParses(stored);
          const names = await readdir(dir);
          // The backup is replaced atomically too: always one of the states written before.
          if (names.includes('terraform.tfstate.backup')) expect(versions.has(sha(await readFile(join(dir, 'terraform.tfstate.backup'))))).toBe(true);
          counts[kept] += 1;
          counts.debris = Math.max(counts.debris, names.filter(isTempName).length);
          if (kept === 'new') current = writer.next;
        }
        // A write by a live process succeeds over whatever the kills left (a dead writer's commit lock included).
        const after = version(serial++);
        const backend = createLocalBackend({}, { cwd: dir });
        await backend.putState('default', after);
        expect((await backend.getState('default'))?.data.equals(after)).toBe(true);
      }),
    );
    expect(counts.old + counts.new).toBe(KILLS);
    await annotate(`kept the old state ${counts.old} times and the new one ${counts.new} times; at most ${counts.debris} temp files were left in one directory`);
  }, 180_000);
});
