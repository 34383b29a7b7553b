import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalBackend } from '../src/index.js';
import { ioError } from '../src/errors.js';
import { makeTempDir, removeDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('file-system failures', () => {
  it('become TEMPEH_E_IO naming the path, keeping the cause, with a hint chosen by errno', () => {
    const denied = ioError('read the state', '/srv/terraform.tfstate', errno('EACCES'));
    expect(denied).toMatchObject({ code: 'TEMPEH_E_IO', path: '/srv/terraform.tfstate' });
    expect(denied.cause).toMatchObject({ code: 'EACCES' });
    expect(denied.hint).toContain('chmod');
    expect(ioError('write', '/x', errno('ENOSPC')).hint).toContain('free space');
    expect(ioError('write', '/x', errno('EROFS')).hint).toContain('read-only');
  });

  it('a real one: a state path under a regular file fails with TEMPEH_E_IO and the path', async () => {
    await writeFile(join(dir, 'not-a-dir'), 'x');
    const backend = createLocalBackend({ path: 'not-a-dir/terraform.tfstate' }, { cwd: dir });
    await expect(backend.putState('default', Buffer.from('x'))).rejects.toMatchObject({ code: 'TEMPEH_E_IO', path: join(dir, 'not-a-dir') });
    // Reading a state that cannot exist there is "no state", not an error.
    expect(await backend.getState('default')).toBeUndefined();
  });
});
