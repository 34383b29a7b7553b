// Diffs of real state pairs written by Terraform 1.11.4, whose differences
// are known from how they were made (fixtures/terraform/README.md).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listInstanceAddresses } from '../../../src/address/index.js';
import { diffResource, diffStates, formatDiffJson, formatDiffText, mergeResourceDiffs, type AttributeChange, type StateDiff } from '../../../src/engine/diff/index.js';
import { parseJson } from '../../../src/json/index.js';
import { parseState, type TerraformState } from '../../../src/state/index.js';

const TERRAFORM = fileURLToPath(new URL('../../../../../fixtures/terraform/', import.meta.url));

function fixture(path: string): TerraformState {
  return parseState(readFileSync(TERRAFORM + path));
}

function changesOf(diff: StateDiff, address: string): AttributeChange[] {
  const entry = diff.changed.find((instance) => instance.address === address);
  if (entry === undefined) throw new Error(`${address} is not among the changed instances`);
  return entry.changes;
}

function summary(changes: AttributeChange[]): string[] {
  return changes.map((change) => `${change.kind} ${change.text}`);
}

describe('diffStates on fixture pairs', () => {
  it('backup → terraform.tfstate: env_suffix v1 → v2 changes six instances and the sensitive output', () => {
    const diff = diffStates(fixture('terraform.tfstate.backup'), fixture('terraform.tfstate'));
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.changed.map((instance) => instance.address)).toEqual([
      'terraform_data.network',
      'terraform_data.node[0]',
      'terraform_data.node[1]',
      'terraform_data.node[2]',
      'terraform_data.rotating',
      'terraform_data.trigger',
    ]);
    expect(changesOf(diff, 'terraform_data.network')).toEqual([
      {
        field: 'attributes',
        path: [
          { type: 'get_attr', value: 'input' },
          { type: 'get_attr', value: 'value' },
          { type: 'get_attr', value: 'tags' },
          { type: 'get_attr', value: 'Name' },
        ],
        text: 'input.value.tags.Name',
        kind: 'changed',
        before: 'main-v1',
        after: 'main-v2',
      },
      expect.objectContaining({ text: 'output.value.tags.Name', before: 'main-v1', after: 'main-v2' }),
    ]);
    expect(summary(changesOf(diff, 'terraform_data.trigger'))).toEqual(['changed id', 'changed triggers_replace.value[0]']);
    expect(changesOf(diff, 'terraform_data.trigger')[1]).toMatchObject({
      path: [
        { type: 'get_attr', value: 'triggers_replace' },
        { type: 'get_attr', value: 'value' },
        { type: 'index', value: 0 },
      ],
      before: 'v1',
      after: 'v2',
    });
    expect(summary(changesOf(diff, 'terraform_data.rotating'))).toEqual([
      'changed id',
      'changed input.value',
      'changed output.value',
      'changed triggers_replace.value.suffix',
    ]);
    // db_password is `sensitive = true`: reported, never shown.
    expect(diff.outputs).toEqual([{ name: 'db_password', kind: 'changed', sensitive: true, before: '(sensitive)', after: '(sensitive)' }]);
    expect(formatDiffJson(diff)).not.toContain('s3cr3t');
    expect(formatDiffText(diff)).not.toContain('s3cr3t');
  });

  it('terraform.tfstate → edge/tainted.tfstate: one instance becomes tainted', () => {
    const diff = diffStates(fixture('terraform.tfstate'), fixture('edge/tainted.tfstate'));
    expect(diff).toEqual({
      added: [],
      removed: [],
      changed: [
        {
          address: 'module.app_blue.terraform_data.member[1]',
          changes: [{ field: 'status', path: [], text: 'status', kind: 'added', after: 'tainted' }],
        },
      ],
      outputs: [],
    });
  });

  it('edge/deposed → edge/check-failed: the deposed object goes, the tainted member is replaced', () => {
    const diff = diffStates(fixture('edge/deposed.tfstate'), fixture('edge/check-failed.tfstate'));
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual(['terraform_data.rotating (deposed object 7a01fb30)']);
    expect(diff.changed.map((instance) => instance.address)).toEqual([
      'terraform_data.network',
      'terraform_data.node[0]',
      'terraform_data.node[1]',
      'terraform_data.node[2]',
      'terraform_data.trigger',
      'module.app_blue.terraform_data.member[1]',
    ]);
    expect(changesOf(diff, 'module.app_blue.terraform_data.member[1]')).toEqual([
      expect.objectContaining({ field: 'attributes', text: 'id', kind: 'changed', before: 'e5461e16-cf71-73cb-0ac6-9fd453f2fcfc', after: '2f2c3a4b-e029-45bf-9701-33570c09773b' }),
      { field: 'status', path: [], text: 'status', kind: 'removed', before: 'tainted' },
    ]);
    // The reverse direction adds the deposed object back.
    expect(diffStates(fixture('edge/check-failed.tfstate'), fixture('edge/deposed.tfstate')).added).toEqual([
      'terraform_data.rotating (deposed object 7a01fb30)',
    ]);
  });

  it('staging backup → staging: env_suffix stg → stg2', () => {
    const diff = diffStates(fixture('terraform.tfstate.d/staging/terraform.tfstate.backup'), fixture('terraform.tfstate.d/staging/terraform.tfstate'));
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(summary(changesOf(diff, 'terraform_data.node[1]'))).toEqual(['changed input.value.labels.env', 'changed output.value.labels.env']);
    expect(changesOf(diff, 'terraform_data.node[1]')[0]).toMatchObject({ before: 'stg', after: 'stg2' });
    expect(diff.changed).toHaveLength(6);
    expect(diff.outputs.map((output) => output.name)).toEqual(['db_password']);
  });

  it('a state against itself, and against its own re-parse, is an empty diff', () => {
    for (const path of ['terraform.tfstate', 'edge/deposed.tfstate', 'generated/aws-6-services.tfstate', 'pg/empty-workspace.tfstate']) {
      const diff = diffStates(fixture(path), fixture(path));
      expect(diff, path).toEqual({ added: [], removed: [], changed: [], outputs: [] });
      expect(formatDiffJson(diff)).toBe('{"added":[],"removed":[],"changed":[],"outputs":[]}');
      expect(formatDiffText(diff)).toBe('No differences.\n');
    }
  });

  it('an empty state against a full one adds every instance, in `terraform state list` order', () => {
    const full = fixture('terraform.tfstate');
    const empty = fixture('pg/empty-workspace.tfstate');
    const listed = readFileSync(`${TERRAFORM}state-list.txt`, 'utf8').trimEnd().split('\n');
    expect(diffStates(empty, full).added).toEqual(listed);
    expect(diffStates(full, empty).removed).toEqual(listed);
    expect(listInstanceAddresses(full)).toEqual(listed);
  });

  it('diffResource per resource, merged in any order, equals diffStates', () => {
    const before = fixture('edge/deposed.tfstate');
    const after = fixture('edge/check-failed.tfstate');
    const parts = before.resources.map((resource, index) => diffResource(resource, after.resources[index]));
    const whole = diffStates(before, after);
    expect(mergeResourceDiffs(parts.reverse())).toEqual({ added: whole.added, removed: whole.removed, changed: whole.changed });
    expect(diffResource(undefined, undefined)).toEqual({ added: [], removed: [], changed: [] });
  });

  it('the --json form has the shape the CLI promises and round-trips through a JSON parser', () => {
    const diff = diffStates(fixture('terraform.tfstate'), fixture('edge/tainted.tfstate'));
    const text = formatDiffJson(diff);
    expect(text).toBe(
      '{"added":[],"removed":[],"changed":[{"address":"module.app_blue.terraform_data.member[1]","changes":[{"field":"status","path":[],"text":"status","kind":"added","after":"tainted"}]}],"outputs":[]}',
    );
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('the text form marks each instance and change', () => {
    const diff = diffStates(fixture('edge/deposed.tfstate'), fixture('edge/check-failed.tfstate'));
    const text = formatDiffText(diff);
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        '- terraform_data.rotating (deposed object 7a01fb30)',
        '~ module.app_blue.terraform_data.member[1]',
        '    status: "tainted" → (absent)',
        '    input.value.tags.Name: "main-v2" → "main-v3"',
        'Outputs:',
        '~ db_password: (sensitive) → (sensitive)',
      ]),
    );
    expect(text.endsWith('\n')).toBe(true);
    const colored = formatDiffText(diff, { color: true });
    expect(colored).toContain('\x1b[31m- terraform_data.rotating (deposed object 7a01fb30)\x1b[0m');
    expect(colored).toContain('\x1b[33m~ terraform_data.network\x1b[0m');
  });
});
