// A kernel plugin in code. Run from the repository root, after set-up:
//   node examples/custom-plugin/index.mjs
//
// The plugin refuses to save a state that has an output named `debug_*`
// (beforeSave can veto a write; nothing is stored then), and records every
// committed save (afterSave). It runs on the embedded memory backend.
import { readFile } from 'node:fs/promises';
import { Kernel, StateManager, parseState } from '@tempeh/core';

/** @type {import('@tempeh/core').TempehPlugin} */
const noDebugOutputs = {
  name: 'no-debug-outputs',
  apply(kernel) {
    kernel.hooks.beforeSave.tapPromise('no-debug-outputs', async (state) => {
      const bad = Object.keys(state.outputs).filter((name) => name.startsWith('debug_'));
      if (bad.length > 0) throw new Error(`outputs ${bad.join(', ')} must not be stored`);
      return state;
    });
    kernel.hooks.afterSave.tap('no-debug-outputs', (state, context) => {
      console.log(`saved '${context.workspace}' serial ${state.serial} (${context.size} bytes)`);
    });
  },
};

const kernel = new Kernel();
await kernel.use(noDebugOutputs);
const backend = await kernel.backends.create('memory', {}, { cwd: process.cwd() });
const states = new StateManager({ kernel, backend });

const fixture = new URL('../quickstart/terraform.tfstate', import.meta.url);
const state = parseState(await readFile(fixture));
await states.save('default', state);

state.serial += 1;
state.outputs.debug_dump = { value: 'oops', type: 'string' };
try {
  await states.save('default', state);
} catch (error) {
  // The tap's error arrives wrapped, with the plugin and hook named.
  console.log(`refused: ${error.code} from plugin '${error.plugin}' in hook '${error.hook}': ${error.cause.message}`);
}
const stored = await states.load('default');
console.log(`stored serial is still ${stored?.state.serial}`);
