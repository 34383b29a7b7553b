import { ConflictError, InvalidStateError } from '../errors.js';
import { TerraformStateSchema, statesEqual } from '../state/index.js';
import type { TerraformState } from '../state/types.js';
import { dottedPath } from '../kernel/config-issues.js';

/**
 * Terraform's rules for replacing a stored state (statemgr.CheckValidImport),
 * checked by `save` unless forced:
 * - an empty stored state (no resources, no outputs) may be replaced by anything;
 * - a different lineage is an unrelated state: ConflictError('lineage');
 * - a lower serial is older than what is stored: ConflictError('serial');
 * - the same serial with other content is a fork: ConflictError('content').
 * Returns 'unchanged' when `next` is what is stored, so nothing needs writing.
 */
export function checkReplaceRules(workspace: string, stored: TerraformState, next: TerraformState): 'unchanged' | 'replace' {
  if (stored.lineage === next.lineage && stored.serial === next.serial && statesEqual(stored, next, { ignoreMetadata: true })) return 'unchanged';
  if (isEmptyState(stored)) return 'replace';
  if (stored.lineage !== next.lineage) {
    throw new ConflictError(
      'lineage',
      `cannot save a state with lineage ${next.lineage} over the unrelated state '${workspace}' with lineage ${stored.lineage}`,
    );
  }
  if (next.serial < stored.serial) {
    throw new ConflictError(
      'serial',
      `cannot save a state with serial ${next.serial} over the newer state '${workspace}' with serial ${stored.serial}`,
    );
  }
  if (next.serial === stored.serial) {
    throw new ConflictError(
      'content',
      `cannot save a different state with the same serial ${next.serial} over state '${workspace}'; a changed state needs a higher serial`,
    );
  }
  return 'replace';
}

/** Terraform's State.Empty(): nothing Terraform would lose by overwriting it. */
function isEmptyState(state: TerraformState): boolean {
  return state.resources.length === 0 && Object.keys(state.outputs).length === 0;
}

/**
 * InvalidStateError unless `state` matches TerraformStateSchema. Guards the
 * write path against a caller or a beforeSave tap handing over garbage.
 */
export function assertValidState(state: unknown, what: string): void {
  const result = TerraformStateSchema.safeParse(state);
  if (result.success) return;
  const issues = result.error.issues;
  const first = issues[0];
  const list = issues
    .slice(0, 10)
    .map((issue) => `${dottedPath(issue.path) || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new InvalidStateError(`${what} is not a valid Terraform v4 state: ${list}${issues.length > 10 ? `; and ${issues.length - 10} more` : ''}`, {
    location: first ? dottedPath(first.path) : undefined,
  });
}
