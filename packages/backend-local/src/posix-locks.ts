import { readFile, stat } from 'node:fs/promises';
import { ioError, isErrno } from './errors.js';

/**
 * Seeing Terraform's lock without taking one. Terraform locks a local state
 * with a POSIX fcntl write lock on the state file, held for the whole
 * command. Node cannot take fcntl locks without a native addon, but Linux
 * lists every lock in /proc/locks by device and inode:
 *
 *     1: POSIX  ADVISORY  WRITE 6107 fe:00:2146811 0 EOF
 *     2: -> POSIX  ADVISORY  WRITE 6110 fe:00:2146811 0 EOF   (a waiter, not a holder)
 *
 * The device is `major:minor` in hex, the inode in decimal.
 */

export interface ProcLockEntry {
  /** POSIX (fcntl/lockf), OFDLCK (open file description lock), FLOCK, LEASE, ... */
  kind: string;
  access: string;
  /** Holder's pid as seen from this pid namespace; -1 for OFD locks, which belong to no process. */
  pid: number;
  major: number;
  minor: number;
  inode: bigint;
}

export function parseProcLocks(text: string): ProcLockEntry[] {
  const entries: ProcLockEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // Waiters are printed as "N: -> KIND ..."; they hold nothing.
    if (fields.length < 6 || fields[1] === '->') continue;
    const [, kind, , access, pidText, fileId] = fields;
    const match = /^([0-9a-f]+):([0-9a-f]+):(\d+)$/i.exec(fileId ?? '');
    if (!kind || !access || !pidText || !match?.[1] || !match[2] || !match[3]) continue;
    entries.push({
      kind,
      access,
      pid: Number(pidText),
      major: Number.parseInt(match[1], 16),
      minor: Number.parseInt(match[2], 16),
      inode: BigInt(match[3]),
    });
  }
  return entries;
}

/** Linux's dev_t encoding (glibc's gnu_dev_major/minor). */
export function splitDevice(dev: bigint): { major: number; minor: number } {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n);
  const minor = (dev & 0xffn) | ((dev >> 12n) & 0xffffff00n);
  return { major: Number(major), minor: Number(minor) };
}

/** What /proc/locks says about one file. */
export interface FcntlLockView {
  /** False where /proc/locks does not exist (not Linux): nothing can be said. */
  supported: boolean;
  /** Processes holding a POSIX or OFD lock on the file (pid -1 for OFD locks). */
  holders: number[];
}

/**
 * The fcntl locks held on `path`'s current inode. A missing file has none.
 * Only fcntl-family locks count (POSIX, OFDLCK): that is what Terraform
 * takes; flock(2) locks are a different, non-interacting kind.
 */
export async function fcntlLocksOn(path: string, procLocks = '/proc/locks'): Promise<FcntlLockView> {
  if (process.platform !== 'linux') return { supported: false, holders: [] };
  let text: string;
  try {
    text = await readFile(procLocks, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'EACCES')) return { supported: false, holders: [] }; // no procfs here (a sandbox, a container without /proc)
    throw ioError('read', procLocks, error);
  }
  let dev: bigint;
  let ino: bigint;
  try {
    ({ dev, ino } = await stat(path, { bigint: true }));
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return { supported: true, holders: [] }; // no file, no lock on it
    throw ioError('inspect', path, error);
  }
  const { major, minor } = splitDevice(dev);
  const holders = parseProcLocks(text)
    .filter((e) => (e.kind === 'POSIX' || e.kind === 'OFDLCK') && e.inode === ino && e.major === major && e.minor === minor)
    .map((e) => e.pid);
  return { supported: true, holders: [...new Set(holders)] };
}
