import { failAt, parseTraversal, type TraversalStep } from './traversal.js';
import type { ModuleStep, ResourceInstanceAddress } from './types.js';

// Words Terraform refuses as the first step of a resource address
// (parseResourceInstanceUnderModule in internal/addrs/parse_target.go).
const RESERVED_ROOTS = new Set(['count', 'each', 'local', 'module', 'path', 'self', 'terraform', 'var', 'template', 'lazy', 'arg']);

/**
 * Parses a module instance address, such as the `module` field of a state
 * resource: `module.a["k"].module.b[0]`. The empty string is the root module
 * (`[]`), as Terraform's state reader treats an empty `module` field.
 *
 * Accepts what Terraform's ParseModuleInstanceStr accepts, so non-canonical
 * spellings (`module.a[ "k" ]`, `module.w[01]`) parse; format the result to
 * get Terraform's spelling. Throws InvalidAddressError.
 */
export function parseModuleAddress(text: string): ModuleStep[] {
  if (text === '') return [];
  const steps = parseTraversal(text);
  const { module, rest } = readModulePath(text, steps);
  const next = steps[rest];
  if (next !== undefined) {
    failAt(
      text,
      next.offset,
      rest === 0 ? 'a module address must begin with "module."' : 'the module address is followed by something that is not a module step',
    );
  }
  return module;
}

/**
 * Parses a resource instance address as Terraform does (ParseTargetStr,
 * then AbsResourceInstance): `module.a["k"].data.x.y[0]`, also with the
 * optional `resource.` prefix Terraform accepts before a managed resource.
 * Format the result with `formatAddress` to get Terraform's spelling.
 * Throws InvalidAddressError, naming the character where parsing stopped.
 */
export function parseAddress(text: string): ResourceInstanceAddress {
  const steps = parseTraversal(text);
  const { module, rest } = readModulePath(text, steps);
  let index = rest;
  const first = steps[index];
  if (first === undefined) {
    failAt(text, text.length, 'this is a module address; a resource instance address goes on with a resource type and name');
  }
  // readModulePath stops only at a name step.
  const firstName = first.kind === 'name' ? first.name : '';
  let mode: ResourceInstanceAddress['mode'] = 'managed';
  if (firstName === 'data') {
    mode = 'data';
    index++;
  } else if (firstName === 'resource') {
    index++;
  } else if (firstName === 'ephemeral') {
    failAt(text, first.offset, 'ephemeral resources are never stored in state, so they have no instance address here');
  } else if (RESERVED_ROOTS.has(firstName)) {
    failAt(text, first.offset, `"${firstName}" is a reserved word, not a resource type; prefix the address with "resource." if the type really is named so`);
  }

  const typeStep = steps[index];
  const nameStep = steps[index + 1];
  if (typeStep === undefined || nameStep === undefined) {
    failAt(text, typeStep?.offset ?? text.length, 'a resource address needs a resource type and a name');
  }
  if (typeStep.kind !== 'name') {
    failAt(text, typeStep.offset, mode === 'data' ? 'a data source type is required here' : 'a resource type is required here');
  }
  if (nameStep.kind !== 'name') failAt(text, nameStep.offset, 'a resource name is required here');

  const address: ResourceInstanceAddress = { module, mode, type: typeStep.name, name: nameStep.name };
  const keyStep = steps[index + 2];
  if (keyStep !== undefined) {
    if (keyStep.kind !== 'index') failAt(text, keyStep.offset, 'only an instance key in brackets may follow the resource name');
    address.key = keyStep.key;
  }
  const extra = steps[index + 3];
  if (extra !== undefined) failAt(text, extra.offset, 'nothing may follow the instance key');
  return address;
}

/**
 * Terraform's parseModuleInstancePrefix: consumes `module.NAME[KEY]` steps
 * while the next name is "module"; `rest` indexes the first step after them,
 * which is always a name step.
 */
function readModulePath(text: string, steps: readonly TraversalStep[]): { module: ModuleStep[]; rest: number } {
  const module: ModuleStep[] = [];
  let index = 0;
  for (;;) {
    const step = steps[index];
    if (step === undefined) break;
    if (step.kind !== 'name') failAt(text, step.offset, 'a module step must be followed by "." and a name, not another index');
    if (step.name !== 'module') break;
    const nameStep = steps[index + 1];
    if (nameStep === undefined || nameStep.kind !== 'name') {
      failAt(text, nameStep?.offset ?? text.length, '"module." must be followed by a module name');
    }
    index += 2;
    const moduleStep: ModuleStep = { name: nameStep.name };
    const keyStep = steps[index];
    if (keyStep?.kind === 'index') {
      moduleStep.key = keyStep.key;
      index++;
    }
    module.push(moduleStep);
  }
  return { module, rest: index };
}
