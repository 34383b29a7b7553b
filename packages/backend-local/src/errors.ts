import { IoError } from '@tempeh/core';

/**
 * The local backend's errors are core's: every file-system failure becomes
 * an IoError (TEMPEH_E_IO) naming the path, with the errno's cause kept and a
 * hint chosen by errno, so "permission denied" says what to change.
 */

/** The errno code of a Node file-system error, if it is one. */
export function errnoOf(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

export function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = errnoOf(error);
  return code !== undefined && codes.includes(code);
}

/**
 * Wraps a failed file-system call. `action` reads after "could not", e.g.
 * `ioError('rename the new state over', path, err)`.
 */
export function ioError(action: string, path: string, cause: unknown): IoError {
  const code = errnoOf(cause);
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new IoError(`could not ${action} ${path}: ${reason}`, { path, cause, hint: hintFor(code, path) });
}

function hintFor(code: string | undefined, path: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return (
        `the user running Tempeh (uid ${process.getuid?.() ?? 'unknown'}) needs read and write access to ${path} and its directory: ` +
        'fix the owner or mode (chown, chmod u+rw), run as the owning user, or point `path`/`workspace_dir` at a writable directory'
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk or quota is full: free space and retry; the previous state is untouched';
    case 'EROFS':
      return 'the file system is mounted read-only: remount it read-write or configure a path on a writable one';
    case 'ENOTDIR':
    case 'EISDIR':
      return 'a part of the path is a file where a directory is expected (or the reverse): check `path` and `workspace_dir`';
    case 'ELOOP':
      return 'the path has a symbolic link loop: fix the link';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files: raise the limit (ulimit -n) or lower the concurrency';
    default:
      return 'check the path, its permissions and free disk space';
  }
}
