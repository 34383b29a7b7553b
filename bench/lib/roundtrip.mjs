// Shared by the backend round-trip benchmarks (pg-roundtrip.mjs, s3-roundtrip.mjs): one measured
// process per row, failures recorded rather than thrown, generated inputs cached per size and seed,
// and the table with each tempeh row's ratio against its terraform peer measured in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeLargeStateFile } from '@tempeh/core/testing/large-state';
import { measureProcess, median } from './measure.mjs';

/**
 * A round-trip run. `peers` maps a tempeh row's tool to the terraform (or baseline) tool it is compared
 * with; `redact` removes secrets from anything printed.
 */
export function createRoundtrip({ name, workDir, dataDir, seed, method, timeoutSeconds, peers, redact = (text) => text, log }) {
  const rows = [];

  /** Runs one measured command; a failure is recorded (and printed), not thrown, so the other rows still come. */
  async function measure(size, tool, op, command, args, options = {}) {
    const stdoutPath = join(workDir, 'stdout');
    const result = await measureProcess({
      command,
      args,
      cwd: options.cwd ?? workDir,
      env: options.env ?? { ...process.env, NO_COLOR: '1' },
      stdoutPath,
      method,
      timeoutSeconds,
    });
    await rm(stdoutPath, { force: true });
    const ok = result.exitCode === 0 && !result.timedOut;
    if (!ok) log(`  ${tool} failed (exit ${result.exitCode}${result.timedOut ? ', timed out' : ''}${result.note ? `, ${result.note}` : ''}): ${redact(result.stderr).slice(-600)}`);
    else log(`  ${tool}: ${result.seconds.toFixed(2)} s, ${(result.rssKiB / 1024).toFixed(0)} MiB peak RSS`);
    const row = { size: size.label, tool, op, ok, bytes: options.bytes ?? size.bytes, ...result };
    rows.push(row);
    return row;
  }

  /** A row for a command not run because the one before it failed. */
  function skipped(size, tool, op) {
    const row = { size: size.label, tool, op, ok: false, exitCode: null, note: 'not run: its put failed' };
    rows.push(row);
    return row;
  }

  /** The table on stdout; exit code 1 when a measured command failed. */
  function report(heading) {
    const lines = [heading, '', '| size | tool | op | wall s | MB/s | peak RSS MiB | × time (peer ÷ tempeh) | × RSS (peer ÷ tempeh) |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
    const groups = new Map();
    for (const row of rows) {
      const key = `${row.size}|${row.tool}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const summary = new Map();
    for (const [key, group] of groups) {
      const okRows = group.filter((r) => r.ok);
      const first = group[0];
      summary.set(key, {
        size: first.size,
        tool: first.tool,
        op: first.op,
        bytes: first.bytes,
        ok: okRows.length === group.length,
        seconds: okRows.length ? median(okRows.map((r) => r.seconds)) : undefined,
        rssMiB: okRows.length ? median(okRows.map((r) => r.rssKiB)) / 1024 : undefined,
        note: failureNote(group.find((r) => !r.ok)),
        same: first.same,
      });
    }
    for (const row of summary.values()) {
      const peerTool = peers[row.tool];
      const peer = peerTool ? summary.get(`${row.size}|${peerTool}`) : undefined;
      const ratio = (a, b) => (a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '');
      const wall = row.ok ? row.seconds.toFixed(2) : `failed (${row.note})`;
      const rate = row.ok && row.bytes ? (row.bytes / 1e6 / row.seconds).toFixed(0) : '';
      const rss = row.ok ? row.rssMiB.toFixed(0) : '';
      const tool = row.same === undefined ? row.tool : `${row.tool} (bytes ${row.same ? 'same' : 're-serialised'})`;
      lines.push(`| ${row.size} | ${tool} | ${row.op} | ${wall} | ${rate} | ${rss} | ${ratio(peer?.seconds, row.seconds)} | ${ratio(peer?.rssMiB, row.rssMiB)} |`);
    }
    console.log(lines.join('\n'));
    if ([...summary.values()].some((r) => !r.ok)) process.exitCode = 1;
  }

  /** Why a row failed, in a few words: GNU time's note, else the first line of the command's stderr. */
  function failureNote(row) {
    if (row === undefined) return '';
    if (row.note?.startsWith('not run')) return row.note;
    const first = redact(row.stderr ?? '').replace(/\u001b\[[0-9;]*m/g, '').trim().split('\n').filter(Boolean).at(0) ?? '';
    return [row.timedOut ? 'timed out' : `exit ${row.exitCode}`, first.slice(0, 160)].filter(Boolean).join(': ');
  }

  /** The generated state for a size, made once per size and seed into the data dir and reused. */
  async function inputFor(size) {
    const path = join(dataDir, `state-${size.bytes}-seed${seed}.tfstate`);
    const meta = `${path}.json`;
    if (existsSync(path) && existsSync(meta)) {
      const cached = JSON.parse(await readFile(meta, 'utf8'));
      if ((await stat(path)).size === cached.size) return { path, ...cached };
    }
    log(`${size.label}: generating ${path}`);
    const written = await writeLargeStateFile(path, size.bytes, { seed });
    await writeFile(meta, JSON.stringify({ size: written.size, sha256: written.sha256 }));
    return { path, size: written.size, sha256: written.sha256 };
  }

  return { name, rows, measure, skipped, report, inputFor };
}

export function terraformEnv(extra = {}) {
  return { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', ...extra };
}

export function terraformVersion() {
  const out = spawnSync('terraform', ['version'], { env: terraformEnv(), encoding: 'utf8' }).stdout;
  return out.split('\n')[0] ?? 'terraform';
}

export function hasTerraform() {
  return spawnSync('terraform', ['version'], { stdio: 'ignore', env: terraformEnv() }).status === 0;
}
