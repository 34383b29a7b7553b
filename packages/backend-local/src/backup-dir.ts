import { link, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { copyToTemp, keepFirstError, removeIfPresent, syncDirectory } from './atomic-file.js';
import { ioError, isErrno } from './errors.js';

/**
 * `backup_dir`: every write also keeps a copy of the state it wrote, named
 * `<state file>.YYYYMMDD-HHMMSS` (UTC), with `.1`, `.2`, ... added when more
 * than one write lands in the same second; only the newest `backup_count`
 * are kept. The copy is made before the state is replaced, so a write whose
 * copy fails changes nothing.
 */

/** Copies `source` into `dir` under a fresh timestamped name; returns its path, or `undefined` if `source` is empty or gone. */
export async function keepTimestampedCopy(source: string, dir: string, baseName: string, mode: number, now: Date): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw ioError('create the backup directory', dir, error);
  }
  const stamp = timestamp(now);
  const stem = join(dir, `${baseName}.${stamp}`);
  const temp = await copyToTemp(source, stem, mode);
  if (temp === undefined) return undefined;
  try {
    // Past the highest counter of this second, not the first free one: rotation may have freed a lower name, which would sort as older.
    const taken = (await listCopies(dir, baseName)).filter((c) => c.order[0] === stamp).map((c) => c.order[1]);
    // link(2) claims a name only if it is free, so concurrent writers get distinct counters.
    for (let counter = taken.length === 0 ? 0 : Math.max(...taken) + 1; ; counter++) {
      const name = counter === 0 ? stem : `${stem}.${counter}`;
      try {
        await link(temp, name);
        await syncDirectory(dir);
        return name;
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) throw ioError('create the backup copy', name, error);
        // EEXIST: another write claimed this second's name; try the next counter.
      }
    }
  } finally {
    await removeIfPresent(temp).catch(keepFirstError);
  }
}

/** Removes all but the newest `keep` copies of `baseName` in `dir`; returns the removed paths. */
export async function rotateCopies(dir: string, baseName: string, keep: number): Promise<string[]> {
  const copies = await listCopies(dir, baseName);
  const excess = copies.slice(0, Math.max(0, copies.length - keep));
  const removed: string[] = [];
  for (const copy of excess) {
    const path = join(dir, copy.name);
    if (await removeIfPresent(path)) removed.push(path);
  }
  if (removed.length > 0) await syncDirectory(dir);
  return removed;
}

interface Copy {
  name: string;
  order: [stamp: string, counter: number];
}

/** The copies of `baseName` in `dir`, oldest first. */
async function listCopies(dir: string, baseName: string): Promise<Copy[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return []; // nothing kept yet
    throw ioError('list the backup directory', dir, error);
  }
  return names
    .map((name) => ({ name, order: copyOrder(name, baseName) }))
    .filter((c): c is Copy => c.order !== undefined)
    .sort((a, b) => (a.order[0] === b.order[0] ? a.order[1] - b.order[1] : a.order[0] < b.order[0] ? -1 : 1));
}

/** `[stamp, counter]` for a copy's name, or undefined for any other file. */
export function copyOrder(name: string, baseName: string): [string, number] | undefined {
  if (!name.startsWith(`${baseName}.`)) return undefined;
  const match = /^(\d{8}-\d{6})(?:\.(\d+))?$/.exec(name.slice(baseName.length + 1));
  if (!match?.[1]) return undefined;
  return [match[1], match[2] === undefined ? 0 : Number(match[2])];
}

/** `YYYYMMDD-HHMMSS` in UTC. */
export function timestamp(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`
  );
}
