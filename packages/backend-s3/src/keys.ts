import { DEFAULT_WORKSPACE, RESERVED_WORKSPACE_PREFIX } from '@tempeh/core';
import { effectiveKey, type S3BackendConfig } from './config.js';

/** Suffix of Terraform's use_lockfile lock object: `<state key>.tflock`. */
export const LOCK_SUFFIX = '.tflock';

/**
 * Where each workspace lives in the bucket, exactly as Terraform's s3
 * backend puts it: `default` at `key`, workspace `ws` at
 * `<workspace_key_prefix>/ws/<key>` (with an empty prefix: `ws/<key>`).
 */
export class KeyLayout {
  /** The default workspace's key (`<key_prefix>/<key>`, or `key`). */
  readonly key: string;
  readonly workspacePrefix: string;
  readonly bucket: string;

  constructor(config: Pick<S3BackendConfig, 'bucket' | 'key' | 'key_prefix' | 'workspace_key_prefix'>) {
    this.key = effectiveKey(config as S3BackendConfig);
    this.workspacePrefix = config.workspace_key_prefix;
    this.bucket = config.bucket;
  }

  stateKey(workspace: string): string {
    if (workspace === DEFAULT_WORKSPACE) return this.key;
    return this.workspacePrefix === '' ? `${workspace}/${this.key}` : `${this.workspacePrefix}/${workspace}/${this.key}`;
  }

  lockKey(workspace: string): string {
    return `${this.stateKey(workspace)}${LOCK_SUFFIX}`;
  }

  /** LockInfo.Path as Terraform writes it: `<bucket>/<state key>`. */
  lockPath(workspace: string): string {
    return `${this.bucket}/${this.stateKey(workspace)}`;
  }

  /** The prefix to list for workspaces (`<workspace_key_prefix>/`, or '' with an empty prefix). */
  listPrefix(): string {
    return this.workspacePrefix === '' ? '' : `${this.workspacePrefix}/`;
  }

  /**
   * The workspace a listed key belongs to, or `undefined` when it is not a
   * workspace's state (another key, a lock file, a nested path, a reserved
   * name). Mirrors Terraform's `keyEnv`: the key must be exactly
   * `<prefix>/<ws>/<key>`.
   */
  workspaceOf(objectKey: string): string | undefined {
    const prefix = this.listPrefix();
    if (!objectKey.startsWith(prefix)) return undefined;
    const rest = objectKey.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) return undefined;
    const workspace = rest.slice(0, slash);
    if (rest.slice(slash + 1) !== this.key) return undefined;
    if (workspace === DEFAULT_WORKSPACE || workspace.startsWith(RESERVED_WORKSPACE_PREFIX)) return undefined;
    return workspace;
  }
}
