// A plugin adding a validation rule. Run from the repository root, after set-up:
//   node examples/validate-custom-rule/index.mjs
//
// The rule (rules.mjs) runs in the engine's worker threads with the built-in
// rules; validatePlugin then refuses saves that break it, and the `findings`
// hook lets another plugin see every result.
import { readFile } from 'node:fs/promises';
import { Kernel, StateManager, parseState } from '@tempeh/core';
import { ValidatePlugin, formatTable, validatePlugin, validateState } from '@tempeh/plugin-validate';

const ownerTag = {
  meta: { id: 'ACME001', name: 'owner-tag', severity: 'error', category: 'custom', description: 'Every tagged resource names its owner.' },
  task: { module: new URL('./rules.mjs', import.meta.url).href, export: 'requireOwnerTag', options: { tag: 'owner' } },
};

// 1. On demand: validate a state with the built-in rules plus this one, through the worker pool.
const fixture = await readFile(new URL('../quickstart/terraform.tfstate', import.meta.url));
const state = parseState(fixture);
const network = state.resources.find((r) => r.name === 'network');
network.instances[0].attributes.tags = { team: 'platform' }; // tagged, no owner
const bytes = Buffer.from(JSON.stringify(state, null, 2));
const report = await validateState((async function* () { yield bytes; })(), { customRules: [ownerTag], inProcessBelowBytes: 0, threads: 2 });
process.stdout.write(formatTable([{ name: 'edited quickstart state', report }]));

// 2. As a plugin: the same rule refuses the save; an observer sees the findings.
const kernel = new Kernel();
await kernel.use(validatePlugin({ customRules: [ownerTag] }));
ValidatePlugin.getHooks(kernel).findings.tap('audit-log', (findings, context) => {
  console.log(`audit: ${context.operation} of '${context.workspace}': ${findings.length} finding(s), refused: ${context.refused}`);
});
const backend = await kernel.backends.create('memory', {}, { cwd: process.cwd() });
const states = new StateManager({ kernel, backend });
try {
  await states.save('default', state);
} catch (error) {
  console.log(`refused: ${error.code} → ${error.cause.code}: ${[...new Set(error.cause.findings.map((f) => f.rule))].join(', ')}`);
}
console.log(`stored: ${(await backend.getState('default')) === undefined ? 'nothing' : 'a state'}`);
