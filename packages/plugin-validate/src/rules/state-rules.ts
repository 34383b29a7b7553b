import { LINEAGE_PATTERN, TERRAFORM_VERSION_PATTERN, JsonNumber, isJsonObject, parseAddress, parseJson, type JsonValue, type RawField } from '@tempeh/core';
import { findingOf, type Finding } from '../findings.js';
import { builtinRule } from './catalog.js';
import { Hash64Table } from './hash-table.js';
import { scanForSecrets, type ResourceRecord } from './resource-rules.js';

const KNOWN_TOP_LEVEL = new Set(['version', 'terraform_version', 'serial', 'lineage', 'outputs', 'resources', 'check_results']);

/** Top-level fields, parsed; what the cross-resource rules need from them. */
export interface TopLevel {
  outputs: Record<string, JsonValue> | undefined;
  checkResults: JsonValue | undefined;
}

/**
 * The rules on the top-level fields: schema (TV002-TV005), lineage and
 * serial (TV014, TV015), duplicate keys (TV019), output types (TV031) and
 * secrets in outputs not marked sensitive.
 */
export function checkTopLevel(fields: readonly RawField[], keyOrder: readonly string[], findings: Finding[]): TopLevel {
  const top: TopLevel = { outputs: undefined, checkResults: undefined };
  const seen = new Set<string>();
  for (const key of keyOrder) {
    if (seen.has(key)) findings.push(findingOf(builtinRule('TV019'), null, key, `the top-level key ${JSON.stringify(key)} appears twice`));
    seen.add(key);
    if (!KNOWN_TOP_LEVEL.has(key)) findings.push(findingOf(builtinRule('TV003'), null, key, `${JSON.stringify(key)} is not a field of state format v4; Terraform ignores it`));
  }
  const values = new Map<string, JsonValue>();
  for (const field of fields) {
    try {
      values.set(
        field.key,
        parseJson(field.bytes, { onDuplicateKey: (path, key) => findings.push(findingOf(builtinRule('TV019'), null, `${field.key}${path.replace(/^\$/, '')}.${key}`, `the key ${JSON.stringify(key)} appears twice in one object`)) }),
      );
    } catch (error) {
      findings.push(findingOf(builtinRule('TV001'), null, field.key, `the value of ${field.key} is not well-formed JSON: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  const version = values.get('version');
  if (!values.has('version')) findings.push(findingOf(builtinRule('TV004'), null, 'version', 'the state has no "version"; format v4 needs "version": 4'));
  else if (typeof version !== 'number') findings.push(findingOf(builtinRule('TV002'), null, 'version', 'version must be a number'));
  else if (version !== 4) findings.push(findingOf(builtinRule('TV004'), null, 'version', `state format version ${version} is not 4`));

  const tfVersion = values.get('terraform_version');
  if (tfVersion !== undefined && (typeof tfVersion !== 'string' || !TERRAFORM_VERSION_PATTERN.test(tfVersion))) {
    findings.push(findingOf(builtinRule('TV005'), null, 'terraform_version', `terraform_version ${JSON.stringify(tfVersion)} is not a version such as 1.11.4`));
  }

  const serial = values.get('serial');
  if (!values.has('serial')) findings.push(findingOf(builtinRule('TV015'), null, 'serial', 'the state has no "serial"'));
  else if (!isNonNegativeInteger(serial)) findings.push(findingOf(builtinRule('TV015'), null, 'serial', `serial ${JSON.stringify(serial instanceof JsonNumber ? serial.raw : serial)} is not an integer ≥ 0`));

  const lineage = values.get('lineage');
  if (!values.has('lineage')) findings.push(findingOf(builtinRule('TV014'), null, 'lineage', 'the state has no "lineage"'));
  else if (typeof lineage !== 'string') findings.push(findingOf(builtinRule('TV002'), null, 'lineage', 'lineage must be a string'));
  else if (!LINEAGE_PATTERN.test(lineage)) findings.push(findingOf(builtinRule('TV014'), null, 'lineage', `lineage ${JSON.stringify(lineage)} is not a UUID`));

  const outputs = values.get('outputs');
  if (outputs !== undefined) {
    if (!isJsonObject(outputs)) findings.push(findingOf(builtinRule('TV002'), null, 'outputs', 'outputs must be an object'));
    else {
      top.outputs = outputs;
      for (const [name, output] of Object.entries(outputs)) checkOutput(name, output, findings);
    }
  }
  if (!keyOrder.includes('resources')) findings.push(findingOf(builtinRule('TV002'), null, 'resources', 'the state has no "resources" array'));
  const checks = values.get('check_results');
  if (checks !== undefined && checks !== null && !Array.isArray(checks)) findings.push(findingOf(builtinRule('TV002'), null, 'check_results', 'check_results must be an array or null'));
  else top.checkResults = checks;
  return top;
}

function isNonNegativeInteger(value: JsonValue | undefined): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0;
  return value instanceof JsonNumber && /^\d+$/.test(value.raw);
}

function checkOutput(name: string, output: JsonValue, findings: Finding[]): void {
  const address = `output.${name}`;
  if (!isJsonObject(output) || !('value' in output)) {
    findings.push(findingOf(builtinRule('TV002'), address, null, `output ${name} must be an object with "value" and "type"`));
    return;
  }
  const value = output['value'] ?? null;
  if ('type' in output) {
    const problem = typeProblem(output['type'] ?? null, value, '');
    if (problem) findings.push(findingOf(builtinRule('TV031'), address, `value${problem.path}`, `the value does not match the output's type: ${problem.message}`));
  }
  if (output['sensitive'] !== true) scanForSecrets(value, ['value'], undefined, address, findings);
}

/** Why `value` is not of cty type `type` (as the state's JSON spells types), or undefined when it is. */
export function typeProblem(type: JsonValue, value: JsonValue, path: string): { path: string; message: string } | undefined {
  if (value === null || type === 'dynamic') return undefined;
  const fail = (message: string) => ({ path, message });
  if (typeof type === 'string') {
    if (type === 'string') return typeof value === 'string' ? undefined : fail('expected a string');
    if (type === 'number') return typeof value === 'number' || value instanceof JsonNumber ? undefined : fail('expected a number');
    if (type === 'bool') return typeof value === 'boolean' ? undefined : fail('expected a bool');
    return fail(`unknown type ${JSON.stringify(type)}`);
  }
  if (!Array.isArray(type) || typeof type[0] !== 'string') return fail('the type is not a cty type');
  const [kind, inner] = type;
  if (kind === 'list' || kind === 'set') {
    if (!Array.isArray(value)) return fail(`expected a ${kind}`);
    for (const [i, element] of value.entries()) {
      const problem = typeProblem(inner ?? null, element, `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (kind === 'map') {
    if (!isJsonObject(value)) return fail('expected a map');
    for (const [key, element] of Object.entries(value)) {
      const problem = typeProblem(inner ?? null, element, `${path}[${JSON.stringify(key)}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (kind === 'object') {
    if (!isJsonObject(value) || !isJsonObject(inner)) return fail('expected an object');
    for (const [key, attributeType] of Object.entries(inner)) {
      if (!(key in value)) return fail(`attribute ${JSON.stringify(key)} is missing`);
      const problem = typeProblem(attributeType, value[key] ?? null, `${path}.${key}`);
      if (problem) return problem;
    }
    for (const key of Object.keys(value)) if (!(key in inner)) return fail(`attribute ${JSON.stringify(key)} is not in the type`);
    return undefined;
  }
  if (kind === 'tuple') {
    if (!Array.isArray(value) || !Array.isArray(inner)) return fail('expected a tuple');
    if (value.length !== inner.length) return fail(`expected ${inner.length} elements, found ${value.length}`);
    for (const [i, element] of value.entries()) {
      const problem = typeProblem(inner[i] ?? null, element, `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  return fail(`unknown type kind ${JSON.stringify(kind)}`);
}

/**
 * The rules across resources: duplicate addresses (TV010), dependencies
 * (TV020-TV022) and check_results references (TV030). Records are folded
 * in as they arrive and kept small: addresses as 64-bit hashes in typed
 * arrays (Hash64Table), and
 * dependencies per config resource (a module called 10 000 times has one
 * config resource per resource block), so memory grows with the number of
 * distinct config resources, not with the size of the state.
 */
export class CrossResourceIndex {
  /** Each resource address (hashed) → its index, for TV010. */
  readonly #addresses = new Hash64Table(true);
  /** Current instance addresses (hashed), for check_results. */
  readonly #instances = new Hash64Table(false);
  /** Per config resource: the first resource address seen (for messages) and the config resources it depends on. */
  readonly #configs = new Map<string, { address: string; dependencies: Set<string> }>();
  readonly #findings: Finding[];
  #resources = 0;

  constructor(findings: Finding[]) {
    this.#findings = findings;
  }

  get resources(): number {
    return this.#resources;
  }

  add(record: ResourceRecord): void {
    this.#resources++;
    if (record.address === undefined || record.configAddress === undefined) return;
    if (!this.#addresses.add(record.address, record.index)) {
      const first = this.#addresses.get(record.address) ?? 0;
      this.#findings.push(findingOf(builtinRule('TV010'), record.address, `resources[${record.index}]`, `resources[${first}] has the same address`));
    }
    for (const instance of record.instances) if (!instance.includes(' deposed ')) this.#instances.add(`${record.address}${instance}`);
    let config = this.#configs.get(record.configAddress);
    if (!config) {
      config = { address: record.address, dependencies: new Set() };
      this.#configs.set(record.configAddress, config);
    }
    for (const dependency of record.dependencies) config.dependencies.add(dependency);
  }

  finish(top: TopLevel): void {
    const findings = this.#findings;
    const edges = new Map<string, Set<string>>();
    const validAddress = new Map<string, boolean>();
    for (const [configAddress, config] of this.#configs) {
      const targets = new Set<string>();
      edges.set(configAddress, targets);
      for (const dependency of config.dependencies) {
        let valid = validAddress.get(dependency);
        if (valid === undefined) {
          valid = isAddress(dependency);
          validAddress.set(dependency, valid);
        }
        if (!valid) findings.push(findingOf(builtinRule('TV022'), config.address, 'dependencies', `${JSON.stringify(dependency)} is not a resource address`));
        else if (!this.#configs.has(dependency)) findings.push(findingOf(builtinRule('TV020'), config.address, 'dependencies', `depends on ${dependency}, which is not in the state`));
        else targets.add(dependency);
      }
    }
    for (const { cycle, groupSize } of findCycles(edges)) {
      const first = cycle[0]!;
      const more = groupSize > cycle.length ? ` (${groupSize} resources depend on each other through overlapping cycles)` : '';
      const shown = cycle.length > MAX_CYCLE_SHOWN ? [...cycle.slice(0, MAX_CYCLE_SHOWN - 1), `… ${cycle.length - MAX_CYCLE_SHOWN} more …`, cycle[cycle.length - 1]!] : cycle;
      findings.push(findingOf(builtinRule('TV021'), this.#configs.get(first)?.address ?? first, 'dependencies', `dependency cycle: ${[...shown, first].join(' → ')}${more}`));
    }
    if (Array.isArray(top.checkResults)) {
      checkCheckResults(top.checkResults, (address) => this.#configs.has(address), (address) => this.#instances.has(address), top.outputs, findings);
    }
  }
}

function isAddress(text: string): boolean {
  try {
    parseAddress(text);
    return true;
  } catch {
    // The caller reports it (TV022); nothing else to learn from the error.
    return false;
  }
}

/** The cross-resource rules over a list of records (tests, small states). */
export function checkAcrossResources(records: readonly ResourceRecord[], top: TopLevel, findings: Finding[]): void {
  const index = new CrossResourceIndex(findings);
  for (const record of records) index.add(record);
  index.finish(top);
}

function checkCheckResults(
  results: readonly JsonValue[],
  hasConfig: (address: string) => boolean,
  hasInstance: (address: string) => boolean,
  outputs: Record<string, JsonValue> | undefined,
  findings: Finding[],
): void {
  for (const [i, result] of results.entries()) {
    if (!isJsonObject(result)) continue;
    const kind = result['object_kind'];
    const configAddr = typeof result['config_addr'] === 'string' ? result['config_addr'] : undefined;
    const at = `check_results[${i}]`;
    if (configAddr === undefined) continue;
    if (kind === 'resource') {
      if (!hasConfig(configAddr)) findings.push(findingOf(builtinRule('TV030'), null, `${at}.config_addr`, `refers to resource ${configAddr}, which is not in the state`));
      const objects = Array.isArray(result['objects']) ? result['objects'] : [];
      for (const [j, object] of objects.entries()) {
        const addr = isJsonObject(object) && typeof object['object_addr'] === 'string' ? object['object_addr'] : undefined;
        if (addr !== undefined && !hasInstance(addr)) {
          findings.push(findingOf(builtinRule('TV030'), null, `${at}.objects[${j}].object_addr`, `refers to ${addr}, which is not in the state`));
        }
      }
    } else if (kind === 'output' && /^output\.[^.]+$/.test(configAddr)) {
      const name = configAddr.slice('output.'.length);
      if (!outputs || !(name in outputs)) findings.push(findingOf(builtinRule('TV030'), null, `${at}.config_addr`, `refers to ${configAddr}, which is not in the state`));
    }
  }
}

/** The longest cycle a TV021 message spells out in full; a longer one shows its ends. */
const MAX_CYCLE_SHOWN = 12;

/** A group of resources that depend on each other, and one shortest cycle through its first member. */
export interface DependencyCycle {
  /** The cycle, starting at the group's first member (in sort order); the last entry depends on the first. */
  readonly cycle: readonly string[];
  /** How many resources the group holds: more than `cycle.length` when several cycles overlap. */
  readonly groupSize: number;
}

/**
 * The dependency cycles, one per strongly connected component (Tarjan's algorithm, iterative, so that a
 * chain of any length cannot overflow the stack), each shown as a shortest cycle through the component's
 * first member. The work and the output are linear in the graph: overlapping cycles are reported once.
 */
export function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): DependencyCycle[] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const none: ReadonlySet<string> = new Set();
  for (const root of [...edges.keys()].sort()) {
    if (index.has(root)) continue;
    const path: string[] = [];
    const pending: Iterator<string>[] = [];
    const open = (node: string): void => {
      index.set(node, index.size);
      lowLink.set(node, index.get(node)!);
      stack.push(node);
      onStack.add(node);
      path.push(node);
      pending.push((edges.get(node) ?? none).values());
    };
    open(root);
    while (path.length > 0) {
      const node = path[path.length - 1]!;
      const step = pending[pending.length - 1]!.next();
      if (!step.done) {
        const next = step.value;
        if (!index.has(next)) open(next);
        else if (onStack.has(next)) lowLink.set(node, Math.min(lowLink.get(node)!, index.get(next)!));
        continue;
      }
      path.pop();
      pending.pop();
      const parent = path[path.length - 1];
      if (parent !== undefined) lowLink.set(parent, Math.min(lowLink.get(parent)!, lowLink.get(node)!));
      if (lowLink.get(node) !== index.get(node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || edges.get(node)?.has(node)) components.push(component);
    }
  }
  return components.map((component) => ({ cycle: shortestCycle(component, edges), groupSize: component.length })).sort((a, b) => (a.cycle[0]! < b.cycle[0]! ? -1 : 1));
}

/** A shortest cycle through the first member of a strongly connected component, by breadth-first search inside it. */
function shortestCycle(component: readonly string[], edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const members = new Set(component);
  const start = component.reduce((least, member) => (member < least ? member : least));
  const cameFrom = new Map<string, string>();
  let frontier = [start];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const node of frontier) {
      for (const target of edges.get(node) ?? []) {
        if (!members.has(target)) continue;
        if (target === start) {
          const cycle = [node];
          for (let at = node; at !== start; ) {
            at = cameFrom.get(at)!;
            cycle.push(at);
          }
          return cycle.reverse();
        }
        if (!cameFrom.has(target)) {
          cameFrom.set(target, node);
          next.push(target);
        }
      }
    }
    frontier = next;
  }
  return [start]; // unreachable for a strongly connected component; kept total for the type checker
}
