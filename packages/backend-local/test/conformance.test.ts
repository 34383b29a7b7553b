import { describeBackendConformance } from '@tempeh/core/testing';
import { createLocalBackend, type LocalBackend } from '../src/index.js';
import { makeTempDir, removeDir } from './helpers.js';

const dirs = new WeakMap<object, string>();

describeBackendConformance({
  name: 'local',
  async create() {
    const dir = await makeTempDir('tempeh-conformance-');
    const backend: LocalBackend = createLocalBackend({}, { cwd: dir });
    dirs.set(backend, dir);
    return backend;
  },
  async destroy(backend) {
    await backend.close();
    const dir = dirs.get(backend);
    if (dir) await removeDir(dir);
  },
});
