import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { errnoOf, isErrno } from './errors.js';

/**
 * Whether a process that took a lock is still there. Lock files record the
 * holder's pid, hostname and (on Linux) its start time, so a pid reused by
 * an unrelated process after the holder died does not keep the lock alive.
 */

export function currentHost(): string {
  return hostname();
}

/**
 * The process's start time in clock ticks since boot (field 22 of
 * /proc/<pid>/stat), as a string; `undefined` off Linux or when the process
 * is gone.
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ESRCH', 'EACCES')) return undefined; // gone, or hidden from us: no start time to compare
    throw error;
  }
  return startTimeOf(text);
}

/**
 * True while a process with this pid exists on this host (and, when
 * `startTime` is given, is the same process that had it then).
 */
export async function isProcessAlive(pid: number, startTime?: string): Promise<boolean> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // ESRCH: no such process. EPERM: it exists but belongs to another user, which is alive.
    if (errnoOf(error) === 'ESRCH') return false;
    if (errnoOf(error) !== 'EPERM') throw error;
  }
  if (startTime === undefined || process.platform !== 'linux') return true;
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ESRCH')) return false; // exited between the signal check and now
    if (isErrno(error, 'EACCES')) return true; // /proc mounted with hidepid: it exists, we cannot compare
    throw error;
  }
  return startTimeOf(text) === startTime;
}

function startTimeOf(statText: string): string | undefined {
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  return statText.slice(statText.lastIndexOf(')') + 2).split(' ')[19];
}
