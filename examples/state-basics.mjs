// The example from packages/core/README.md: node examples/state-basics.mjs
import { readFile } from 'node:fs/promises';
import { Kernel, StateManager, parseState, listInstanceAddresses, findInstance } from '@tempeh/core';

const kernel = new Kernel();                       // the memory backend is registered by default
const backend = await kernel.backends.create('memory', {}, { cwd: process.cwd() });
const states = new StateManager({ kernel, backend });

const state = parseState(await readFile('fixtures/terraform/terraform.tfstate'));
await states.save('default', state);                // takes the lock, checks lineage and serial

const { state: loaded } = await states.load('default');
console.log(listInstanceAddresses(loaded).slice(0, 3));
console.log(findInstance(loaded, 'terraform_data.node[1]')?.instance?.attributes?.id);

await states.withLock('default', { operation: 'OperationTypeApply' }, async (lock) => {
  loaded.serial += 1;
  await states.save('default', loaded, { lockId: lock.ID });
});
