// Wall time and peak RSS of one whole process. Wall time is taken here (hrtime around the spawn, so it
// includes the process's own start-up, which is the point at 30 KB); peak RSS comes from GNU time's %M
// (the kernel's ru_maxrss, in KiB) when /usr/bin/time is GNU time, else from polling /proc/<pid>/status
// VmHWM, the kernel's own high-water mark, so a poll missed between two samples loses nothing but the
// last few milliseconds. Worker threads are threads of the one process, so both count them.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';

const GNU_TIME = '/usr/bin/time';
const STDERR_KEEP = 4096;

/** `'gnu-time'` when /usr/bin/time understands `-f`, else `'proc-vmhwm'` (Linux /proc polling). */
export function rssMethod() {
  if (!existsSync(GNU_TIME)) return 'proc-vmhwm';
  const probe = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+\s*$/.test(probe.stderr) ? 'gnu-time' : 'proc-vmhwm';
}

/**
 * Runs `command args` once with stdout into `stdoutPath` and returns
 * `{ seconds, rssKiB, exitCode, signal, timedOut, note, stderr, stdoutSha256, stdoutLines }` (`note`: what GNU
 * time said about an abnormal end, such as "Command terminated by signal 9" when the OOM killer struck).
 * Never throws for a failing command: the caller decides what a non-zero exit means for that tool.
 */
export async function measureProcess({ command, args, cwd, env, stdoutPath, method, timeoutSeconds }) {
  const timeFile = `${stdoutPath}.time`;
  const [file, argv] = method === 'gnu-time' ? [GNU_TIME, ['-o', timeFile, '-f', '%M', command, ...args]] : [command, args];
  // A file left by an interrupted earlier run would be read as this run's numbers.
  await rm(timeFile, { force: true });
  const stdoutFd = openSync(stdoutPath, 'w');
  let stderr = '';
  let polledKiB = 0;
  const started = process.hrtime.bigint();
  // Its own process group, so a timeout kills the measured command too and not only GNU time around it.
  const child = spawn(file, argv, { cwd, env, stdio: ['ignore', stdoutFd, 'pipe'], detached: true });
  closeSync(stdoutFd);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    stderr = (stderr + text).slice(-STDERR_KEEP);
  });
  const poller = method === 'proc-vmhwm' ? setInterval(() => (polledKiB = Math.max(polledKiB, vmHwmKiB(child.pid))), 5) : undefined;
  // The detached group does not get the terminal's Ctrl-C; pass it on, or a 1 GB terraform run outlives us.
  const interrupt = () => {
    process.kill(-child.pid, 'SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid, 'SIGKILL');
  }, timeoutSeconds * 1000);
  const [exitCode, signal] = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearTimeout(timer);
  process.off('SIGINT', interrupt);
  if (poller !== undefined) clearInterval(poller);

  let rssKiB = polledKiB;
  let note = '';
  if (method === 'gnu-time' && existsSync(timeFile)) {
    // GNU time writes "Command exited with non-zero status N" or "Command terminated by signal N" before the
    // format line; the number we asked for is always the last line. (No file: GNU time itself was killed.)
    const lines = (await readFile(timeFile, 'utf8')).trim().split('\n');
    rssKiB = Number(lines.at(-1));
    note = lines.slice(0, -1).join('; ');
    await rm(timeFile, { force: true });
  }
  const { sha256, lines } = await digestLines(stdoutPath);
  return { seconds, rssKiB, exitCode, signal, timedOut, note, stderr: stderr.trim(), stdoutSha256: sha256, stdoutLines: lines };
}

function vmHwmKiB(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]);
  } catch (error) {
    // The process exited between two polls: its high-water mark was read on an earlier poll.
    if (error.code === 'ENOENT' || error.code === 'ESRCH') return 0;
    throw error;
  }
}

/** sha256 and newline count of a file, streamed: a `list` of a 3 GB state prints tens of MB. */
async function digestLines(path) {
  const hash = createHash('sha256');
  let lines = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk);
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return { sha256: hash.digest('hex'), lines };
}

/** The median of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
