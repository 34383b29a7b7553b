import { formatJson } from '../../json/format-json.js';
import type { JsonObject, JsonValue } from '../../json/json-value.js';
import type { AttributeChange, DiffHeader, OutputChange, StateDiff, StateHeader } from './types.js';

/**
 * The `--json` form of a diff, one line without a trailing newline:
 * `{"added":[address…],"removed":[address…],"changed":[{"address":…,"changes":[…]}],"outputs":[…]}`,
 * preceded by `"header":{"before":{"lineage","serial","terraform_version"},"after":{…}}`
 * when the diff has a header (fields a state lacks left out).
 * Each change is `{"field","path","text","kind","before","after"}` (`before`
 * or `after` left out where that side has none); each output change is
 * `{"name","kind","sensitive","before","after"}`. Numbers keep their exact text.
 */
export function formatDiffJson(diff: StateDiff): string {
  const value: JsonObject = {
    ...(diff.header === undefined ? {} : { header: headerJson(diff.header) }),
    added: [...diff.added],
    removed: [...diff.removed],
    changed: diff.changed.map((instance) => ({ address: instance.address, changes: instance.changes.map(changeJson) })),
    outputs: diff.outputs.map(outputJson),
  };
  return formatJson(value, { indent: '' });
}

function headerJson(header: DiffHeader): JsonObject {
  const side = (state: StateHeader): JsonObject => {
    const out: JsonObject = {};
    if (state.lineage !== undefined) out['lineage'] = state.lineage;
    if (state.serial !== undefined) out['serial'] = state.serial;
    if (state.terraformVersion !== undefined) out['terraform_version'] = state.terraformVersion;
    return out;
  };
  return { before: side(header.before), after: side(header.after) };
}

function changeJson(change: AttributeChange): JsonObject {
  const out: JsonObject = {
    field: change.field,
    path: change.path.map((step) => ({ type: step.type, value: step.value })),
    text: change.text,
    kind: change.kind,
  };
  if (change.before !== undefined) out['before'] = change.before;
  if (change.after !== undefined) out['after'] = change.after;
  return out;
}

function outputJson(change: OutputChange): JsonObject {
  const out: JsonObject = { name: change.name, kind: change.kind, sensitive: change.sensitive };
  if (change.before !== undefined) out['before'] = change.before;
  if (change.after !== undefined) out['after'] = change.after;
  return out;
}

export interface FormatDiffTextOptions {
  /** ANSI colours: green for added, red for removed, yellow for changed. Default false. */
  color?: boolean;
}

const COLORS = { '+': '\x1b[32m', '-': '\x1b[31m', '~': '\x1b[33m' } as const;
const RESET = '\x1b[0m';

/**
 * A diff for people, one line per instance and change, after the header
 * lines of the identity fields that differ (only when the diff has a header):
 *
 * ```text
 * serial: 7 → 9
 *
 * + module.app.terraform_data.new["x"]
 * - terraform_data.old
 * ~ terraform_data.network
 *     input.value.tags.Name: "main-v1" → "main-v2"
 *     status: (absent) → "tainted"
 *
 * Outputs:
 * ~ db_password: (sensitive) → (sensitive)
 * ```
 *
 * Values are compact JSON; `(absent)` marks the side without one, and
 * `(sensitive)` a masked value. An empty diff is `No differences.`.
 * Ends with a newline.
 */
export function formatDiffText(diff: StateDiff, options: FormatDiffTextOptions = {}): string {
  const paint = (sign: '+' | '-' | '~', text: string): string => (options.color === true ? `${COLORS[sign]}${text}${RESET}` : text);
  const lines: string[] = [];
  for (const address of diff.added) lines.push(paint('+', `+ ${address}`));
  for (const address of diff.removed) lines.push(paint('-', `- ${address}`));
  for (const instance of diff.changed) {
    lines.push(paint('~', `~ ${instance.address}`));
    for (const change of instance.changes) lines.push(`    ${change.text}: ${showValue(change, 'before')} → ${showValue(change, 'after')}`);
  }
  if (diff.outputs.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push('Outputs:');
    for (const output of diff.outputs) {
      const sign = output.kind === 'added' ? '+' : output.kind === 'removed' ? '-' : '~';
      lines.push(paint(sign, `${sign} ${output.name}: ${showJson(output.before)} → ${showJson(output.after)}`));
    }
  }
  const header = diff.header === undefined ? [] : headerLines(diff.header);
  if (lines.length === 0) return header.length === 0 ? 'No differences.\n' : `${header.join('\n')}\n\nNo differences in resources or outputs.\n`;
  return `${[...header, ...(header.length > 0 ? [''] : []), ...lines].join('\n')}\n`;
}

/** `lineage: a → b`, `serial: 7 → 9`, `terraform_version: …` for the fields that differ; another lineage is said to be another state. */
function headerLines(header: DiffHeader): string[] {
  const lines: string[] = [];
  const field = (name: string, before: string | undefined, after: string | undefined, note = ''): void => {
    if (before !== after) lines.push(`${name}: ${before ?? '(absent)'} → ${after ?? '(absent)'}${note}`);
  };
  const { before, after } = header;
  field('lineage', before.lineage, after.lineage, ' (another lineage: these are not versions of one state)');
  field('serial', before.serial?.toString(), after.serial?.toString());
  field('terraform_version', before.terraformVersion, after.terraformVersion);
  return lines;
}

function showValue(change: AttributeChange, side: 'before' | 'after'): string {
  // `private` is opaque: both sides exist but are never shown.
  if (change.field === 'private') return (side === 'before' ? change.kind !== 'added' : change.kind !== 'removed') ? '(opaque)' : '(absent)';
  return showJson(change[side]);
}

function showJson(value: JsonValue | undefined): string {
  if (value === undefined) return '(absent)';
  if (value === '(sensitive)') return value;
  return formatJson(value, { indent: '' });
}
