import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { DEFAULT_WORKSPACE, InvalidWorkspaceError, assertValidWorkspaceName } from '@tempeh/core';
import { DEFAULT_STATE_FILENAME, type LocalBackendConfig } from './config.js';
import { ioError, isErrno } from './errors.js';

/** Every file that belongs to one workspace's state, as absolute paths. */
export interface StateFiles {
  readonly workspace: string;
  /** The directory holding the state file; temp files and the lock info live here too. */
  readonly dir: string;
  readonly state: string;
  /** `<state>.backup`: the state as it was before the last write. */
  readonly backup: string;
  /** `<dir>/.<state file name>.lock.info`, Terraform's lock info file. */
  readonly lockInfo: string;
  /**
   * `<dir>/.<state file name>.tempeh-lock`: Tempeh's own copy of a held lock. A terraform run
   * under the lock (`tempeh exec -- terraform ...`) overwrites and then deletes the lock info file;
   * this copy, which terraform never touches, keeps the lock held until its holder releases it.
   */
  readonly lockShadow: string;
  /** `Path` in the lock info, written as Terraform writes it (relative to the working directory when configured so). */
  readonly lockPath: string;
  /** Where timestamped copies go, when `backup_dir` is set. */
  readonly backupDir: string | undefined;
}

/**
 * Terraform's local layout (`Local.StatePaths` in Terraform's source): the
 * default workspace's state is `path`; workspace `ws` is
 * `<workspace_dir>/ws/terraform.tfstate` whatever `path` is called; the
 * backup is the state path plus `.backup`; the lock info is
 * `.<name>.lock.info` beside the state.
 */
export class Layout {
  readonly statePath: string;
  readonly workspaceDir: string;
  readonly backupDir: string | undefined;
  readonly #rawPath: string;
  readonly #rawWorkspaceDir: string;

  constructor(config: LocalBackendConfig, cwd: string) {
    this.#rawPath = config.path;
    this.#rawWorkspaceDir = config.workspace_dir;
    this.statePath = resolve(cwd, config.path);
    this.workspaceDir = resolve(cwd, config.workspace_dir);
    this.backupDir = config.backup_dir === undefined ? undefined : resolve(cwd, config.backup_dir);
  }

  /**
   * The files of `workspace`. Validates the name first, so a hostile name is
   * refused before any path is built from it.
   */
  files(workspace: string): StateFiles {
    assertValidWorkspaceName(workspace);
    if (workspace === DEFAULT_WORKSPACE) {
      return this.#filesFor(workspace, this.statePath, this.#rawPath, this.backupDir);
    }
    const state = join(this.workspaceDir, workspace, DEFAULT_STATE_FILENAME);
    // Terraform writes filepath.Join(workspace_dir, name, "terraform.tfstate"): cleaned, relative when workspace_dir is.
    const lockPath = join(this.#rawWorkspaceDir, workspace, DEFAULT_STATE_FILENAME);
    const backupDir = this.backupDir === undefined ? undefined : join(this.backupDir, 'terraform.tfstate.d', workspace);
    return this.#filesFor(workspace, state, lockPath, backupDir);
  }

  /**
   * Refuses a workspace whose directory or state file resolves, through
   * symbolic links, to somewhere outside workspace_dir. Missing paths pass:
   * nothing can escape through a path that does not exist.
   */
  async assertContained(files: StateFiles): Promise<void> {
    if (files.workspace === DEFAULT_WORKSPACE) return;
    let root: string;
    try {
      root = await realpath(this.workspaceDir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return; // no workspace_dir yet: no workspace directory can exist in it
      throw ioError('resolve the workspace directory', this.workspaceDir, error);
    }
    for (const candidate of [files.dir, files.state]) {
      const real = await realpathIfPresent(candidate);
      if (real === null || (real !== undefined && !real.startsWith(root + sep))) {
        const where = real === null ? 'is a symbolic link to nowhere' : `resolves to ${real}`;
        throw new InvalidWorkspaceError(files.workspace, `${candidate} ${where}, outside the workspace directory ${root}`, {
          hint: 'remove the symbolic link that points out of workspace_dir; Tempeh does not follow it',
        });
      }
    }
  }

  #filesFor(workspace: string, state: string, lockPath: string, backupDir: string | undefined): StateFiles {
    const dir = dirname(state);
    return {
      workspace,
      dir,
      state,
      backup: `${state}.backup`,
      lockInfo: join(dir, `.${basename(state)}.lock.info`),
      lockShadow: join(dir, `.${basename(state)}.tempeh-lock`),
      lockPath: isAbsolute(lockPath) ? lockPath : normalize(lockPath),
      backupDir,
    };
  }
}

/** The resolved path; `undefined` when nothing is there, `null` for a dangling symbolic link. */
async function realpathIfPresent(path: string): Promise<string | undefined | null> {
  try {
    await lstat(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined; // absent: nothing to follow
    throw ioError('inspect', path, error);
  }
  try {
    return await realpath(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null; // present but dangling: its target is unknown, so treat it as outside
    throw ioError('resolve', path, error);
  }
}
