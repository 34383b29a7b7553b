import { hostname, userInfo } from 'node:os';

/** `user@host` of this process, recorded as the author of versions and locks when the caller names none. */
export function defaultWho(databaseUser: string): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch (error) {
    // No passwd entry for this uid (some containers): name the database user instead, which is what the server saw.
    if (!(error instanceof Error)) throw error;
    user = databaseUser;
  }
  return `${user}@${hostname()}`;
}
