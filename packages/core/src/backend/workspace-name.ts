import { InvalidWorkspaceError } from '../errors.js';

export const DEFAULT_WORKSPACE = 'default';

/** Longest workspace name accepted, in characters (S3 keys and file names stay well within limits). */
export const MAX_WORKSPACE_LENGTH = 90;

/**
 * Names under this prefix are reserved for Tempeh's own data kept beside the
 * states (backup sets, migration history). Backends hide them from listings
 * and users cannot create them.
 */
export const RESERVED_WORKSPACE_PREFIX = '.tempeh';

// Terraform accepts a name when url.PathEscape leaves it unchanged; these are
// exactly the characters Go's PathEscape does not escape.
const ALLOWED = /^[A-Za-z0-9\-_.~$&+:=@]+$/;

/**
 * Throws InvalidWorkspaceError unless `name` is safe to use as a path
 * segment, a key fragment and a table value in every backend.
 */
export function assertValidWorkspaceName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidWorkspaceError(String(name), 'it is empty');
  if (name.length > MAX_WORKSPACE_LENGTH)
    throw new InvalidWorkspaceError(name, `it is longer than ${MAX_WORKSPACE_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new InvalidWorkspaceError(name, 'it contains control characters');
  if (name.includes('/') || name.includes('\\')) throw new InvalidWorkspaceError(name, 'it contains a path separator');
  if (name === '.' || name === '..') throw new InvalidWorkspaceError(name, 'it would escape the state directory');
  if (name.startsWith(RESERVED_WORKSPACE_PREFIX))
    throw new InvalidWorkspaceError(name, `names starting with '${RESERVED_WORKSPACE_PREFIX}' are reserved`);
  if (!ALLOWED.test(name)) throw new InvalidWorkspaceError(name, 'it contains characters Terraform does not allow in workspace names');
}

/** Sort as Terraform lists workspaces: `default` first, then by name. */
export function sortWorkspaces(names: Iterable<string>): string[] {
  const rest = [...new Set(names)].filter((n) => n !== DEFAULT_WORKSPACE).sort();
  return [DEFAULT_WORKSPACE, ...rest];
}
