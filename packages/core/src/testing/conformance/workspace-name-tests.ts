import { describe, expect, it } from 'vitest';
import type { StateBackend } from '../../backend/types.js';
import { chunked, expectRejection, lockRequest, readAll, useFreshBackend, type ResolvedOptions } from './harness.js';

/** Names every backend must refuse, whatever it stores them as (paths, keys, rows). */
export const HOSTILE_WORKSPACE_NAMES: ReadonlyArray<readonly [label: string, name: string]> = [
  ['empty', ''],
  ['parent traversal', '../../etc'],
  ['dot-dot', '..'],
  ['dot', '.'],
  ['slash', 'a/b'],
  ['backslash', 'a\\b'],
  ['NUL', 'a\u0000b'],
  ['tab', 'tab\there'],
  ['newline', 'new\nline'],
  ['300 characters', 'w'.repeat(300)],
  ['reserved prefix', '.tempeh-history'],
  ['non-ASCII (Terraform refuses it too)', 'ümlaut'],
  ['leading space', ' space'],
];

/** Names that look odd but are legal in Terraform and must work end to end. */
export const ODD_LEGAL_WORKSPACE_NAMES: readonly string[] = ['a-b_c.d~e', 'x$&+:=@y', 'UPPER.lower', 'w'.repeat(90)];

type Operation = (backend: StateBackend, name: string) => Promise<unknown>;

const OPERATIONS: ReadonlyArray<readonly [string, Operation]> = [
  ['getState', (b, n) => b.getState(n)],
  ['putState', (b, n) => b.putState(n, Buffer.from('x'))],
  ['deleteState', (b, n) => b.deleteState(n)],
  ['readStream', (b, n) => b.readStream(n)],
  ['writeStream', (b, n) => b.writeStream(n, chunked(Buffer.from('x')))],
  ['createWorkspace', (b, n) => b.createWorkspace(n)],
  ['deleteWorkspace', (b, n) => b.deleteWorkspace(n)],
  ['lock', (b, n) => b.lock(n, lockRequest('hostile@ci'))],
  ['unlock', (b, n) => b.unlock(n, 'some-id')],
  ['forceUnlock', (b, n) => b.forceUnlock(n, 'some-id')],
  ['getLock', (b, n) => b.getLock(n)],
];

export function registerWorkspaceNameTests(options: ResolvedOptions): void {
  describe('workspace names', () => {
    const backend = useFreshBackend(options);

    for (const [label, name] of HOSTILE_WORKSPACE_NAMES) {
      it(`refuses ${label} (${JSON.stringify(name.length > 20 ? `${name.slice(0, 20)}…` : name)}) with TEMPEH_E_INVALID_WORKSPACE in every operation`, async () => {
        for (const [operation, run] of OPERATIONS) {
          const outcome = await run(backend(), name).then(
            () => 'resolved',
            (error: unknown) => (error instanceof Error ? String(Reflect.get(error, 'code')) : String(error)),
          );
          expect(outcome, `${operation}(${JSON.stringify(name)})`).toBe('TEMPEH_E_INVALID_WORKSPACE');
        }
        // Nothing leaked into the store on the way.
        expect(await backend().listWorkspaces()).toEqual(['default']);
      });
    }

    for (const name of ODD_LEGAL_WORKSPACE_NAMES) {
      it(`accepts the legal name ${JSON.stringify(name.length > 20 ? `${name.slice(0, 20)}…` : name)} end to end`, async () => {
        const data = Buffer.from(`{"workspace": ${JSON.stringify(name)}}\n`);
        await backend().createWorkspace(name);
        expect(await backend().listWorkspaces()).toEqual(['default', name]);
        const held = await backend().lock(name, lockRequest('odd@ci'));
        await backend().putState(name, data, { lockId: held.ID });
        expect((await backend().getState(name))?.data.equals(data)).toBe(true);
        await backend().writeStream(name, chunked(data), { lockId: held.ID });
        const handle = await backend().readStream(name);
        expect(handle && (await readAll(handle.stream)).equals(data)).toBe(true);
        expect((await backend().getLock(name))?.info?.ID).toBe(held.ID);
        await backend().unlock(name, held.ID);
        await backend().deleteWorkspace(name);
        expect(await backend().listWorkspaces()).toEqual(['default']);
        expect(await backend().getState(name)).toBeUndefined();
      });
    }
  });
}
