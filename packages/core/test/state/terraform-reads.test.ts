import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatJson, formatJsonUnknown } from '../../src/json/format-json.js';
import { JsonNumber, isJsonObject, type JsonObject, type JsonValue } from '../../src/json/json-value.js';
import { parseJson } from '../../src/json/parse-json.js';
import { createState } from '../../src/state/create-state.js';
import { formatState } from '../../src/state/format-state.js';
import { parseState } from '../../src/state/parse-state.js';

const hasTerraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

const workDir = mkdtempSync(join(tmpdir(), 'tempeh-state-terraform-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The value at a path of keys and indexes, failing the test where it is missing. */
function at(value: JsonValue, ...path: (string | number)[]): JsonValue {
  let current = value;
  for (const step of path) {
    const next: JsonValue | undefined =
      typeof step === 'number' ? (Array.isArray(current) ? current[step] : undefined) : isJsonObject(current) ? current[step] : undefined;
    if (next === undefined) throw new Error(`nothing at ${String(step)} in ${JSON.stringify(current)}`);
    current = next;
  }
  return current;
}

/** Runs terraform offline in its own directory and returns stdout. */
function terraform(dir: string, ...args: string[]): string {
  const result = spawnSync('terraform', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
  });
  if (result.status !== 0) throw new Error(`terraform ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** A state with one terraform_data whose input holds what is hard to keep: exact numbers, escapes, key order. */
function awkwardState(): string {
  const value: JsonObject = {
    big: new JsonNumber('12345678901234567890'),
    decimal: new JsonNumber('0.1000000000000000055511151231257827'),
    one: new JsonNumber('1.0'),
    exponent: new JsonNumber('1E5'),
    html: '<a href="x">&amp;</a>',
    separators: 'a\u2028b\u2029c',
    controls: '\u0000\u0001\b\f\n\r\t\u001b\u001f\u007f',
    text: 'é ü 中文 😀 \u00a0',
    order: parseJson('{"10": 1, "2": 2}'),
  };
  const type = ['object', Object.fromEntries(Object.keys(value).map((k) => [k, k === 'order' ? ['object', { '10': 'number', '2': 'number' }] : typeof value[k] === 'string' ? 'string' : 'number']))];
  const state = createState({ lineage: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', serial: 5 });
  state.resources.push({
    mode: 'managed',
    type: 'terraform_data',
    name: 'awkward',
    provider: 'provider["terraform.io/builtin/terraform"]',
    instances: [
      {
        schema_version: 0,
        attributes: { id: 'awkward', input: { value, type }, output: null, triggers_replace: null },
        sensitive_attributes: [],
      },
    ],
  });
  return formatState(state);
}

describe('Terraform reads what Tempeh writes', () => {
  it.skipIf(!hasTerraform)('terraform state pull re-serialises our state byte for byte (needs terraform)', () => {
    const dir = mkdtempSync(join(workDir, 'pull-'));
    const ours = awkwardState();
    // Terraform is given the state compact, so the bytes it prints are its own layout.
    writeFileSync(join(dir, 'terraform.tfstate'), formatJsonUnknown(parseState(ours), { indent: '' }));
    const pulled = terraform(dir, 'state', 'pull');
    // `state pull` prints the state followed by one more line break.
    expect(pulled).toBe(`${ours}\n`);
  });

  it.skipIf(!hasTerraform)('terraform show -json sees the exact numbers and strings (needs terraform)', () => {
    const dir = mkdtempSync(join(workDir, 'show-'));
    writeFileSync(join(dir, 'terraform.tfstate'), awkwardState());
    const shown = parseJson(terraform(dir, 'show', '-json', 'terraform.tfstate'));
    const input = at(shown, 'values', 'root_module', 'resources', 0, 'values', 'input');
    const written = formatJson(input, { indent: '' });
    expect(written).toContain('"big":12345678901234567890,');
    expect(written).toContain('"decimal":0.1000000000000000055511151231257827,');
    expect(at(input, 'html')).toBe('<a href="x">&amp;</a>');
    expect(at(input, 'text')).toBe('é ü 中文 😀 \u00a0');
    expect(at(input, 'separators')).toBe('a\u2028b\u2029c');
  });
});
