import { InvalidWorkspaceError, assertValidWorkspaceName } from '@tempeh/core';

/** True when Tempeh accepts `name` as a workspace (the directory listing's filter). */
export function isValidWorkspaceName(name: string): boolean {
  try {
    assertValidWorkspaceName(name);
    return true;
  } catch (error) {
    // The one expected failure: a directory whose name is not a workspace Tempeh addresses.
    if (error instanceof InvalidWorkspaceError) return false;
    throw error;
  }
}
