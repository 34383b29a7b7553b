// Every resource of one type, across all workspaces of a backend.
// Run from the repository root, after set-up:
//   node examples/pipelines/resources-by-type.mjs [type]    (default: terraform_data)
//
// It copies fixtures/terraform (a `default` state and a `staging` workspace
// in terraform.tfstate.d/) to a temporary directory, opens it with the local
// backend, and streams each workspace's state through a filter and a map
// stage. The stages are worker tasks in ./tasks/resources.mjs.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromWorkspaces, pipeline } from '@tempeh/core';
import { createLocalBackend } from '@tempeh/backend-local';

const type = process.argv[2] ?? 'terraform_data';
const tasks = new URL('./tasks/resources.mjs', import.meta.url).href;

const dir = await mkdtemp(join(tmpdir(), 'tempeh-example-'));
try {
  await cp('fixtures/terraform/terraform.tfstate', join(dir, 'terraform.tfstate'));
  await cp('fixtures/terraform/terraform.tfstate.d', join(dir, 'terraform.tfstate.d'), { recursive: true });
  const backend = createLocalBackend({}, { cwd: dir });
  await backend.init();

  const found = pipeline(fromWorkspaces(backend))
    .filter({ module: tasks, export: 'ofType', options: { type } })
    .map({ module: tasks, export: 'instanceAddresses' });

  let count = 0;
  await found.forEach((item) => {
    const workspace = item.source.kind === 'workspace' ? item.source.workspace : item.source.path;
    for (const address of item.value) {
      console.log(`${workspace}\t${address}`);
      count++;
    }
  });
  console.log(`${count} instances of ${type}`);
  await backend.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
