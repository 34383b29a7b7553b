// The whole-process targets of issues #3 and #6 that bench/compare.mjs must show, each computed from rows measured
// in the same run, with the issue's threshold and where it comes from.

const GiB = 1024 ** 3;
const SMALL = 64 * 1024;

const ratio = (a, b) => (a === undefined || b === undefined ? undefined : a / b);

/**
 * `at`: the size the target is about. `large` targets use the largest size measured that is ≥ 1 GiB and,
 * failing that, the largest size measured, marked as indicative; `small` targets use the smallest
 * size ≤ 64 KiB. `value(rows)` reads `rows.get(id)?.seconds` / `.rssMiB` (undefined when a row did not run).
 */
export const TARGETS = [
  {
    id: 'list-vs-terraform',
    text: "`list`, Terraform's layout: × faster than `terraform state list`",
    at: 'large',
    unit: '×',
    value: (rows) => ratio(rows.get('terraform')?.seconds, rows.get('list')?.seconds),
    threshold: { op: '>=', value: 30, source: 'issue #3: `list` of a 1 GB state 30× faster than `terraform state list`' },
  },
  {
    id: 'list-rss',
    text: "`list`, Terraform's layout: peak RSS",
    at: 'large',
    unit: 'MiB',
    value: (rows) => rows.get('list')?.rssMiB,
    threshold: { op: '<=', value: 256, source: "issue #3: the 256 MB memory bound at 1 GB" },
  },
  {
    id: 'compact-vs-terraform',
    text: '`list`, compacted copy: × faster than `terraform state list` on the same copy',
    at: 'large',
    unit: '×',
    value: (rows) => ratio(rows.get('terraform-compact')?.seconds, rows.get('list-compact')?.seconds),
    threshold: { op: '>=', value: 8, source: 'issue #3: the same state compacted (`jq -c`): ≥ 8× faster than `terraform state list` on the same file' },
  },
  {
    id: 'compact-rss',
    text: '`list`, compacted copy: peak RSS',
    at: 'large',
    unit: 'MiB',
    value: (rows) => rows.get('list-compact')?.rssMiB,
    threshold: { op: '<=', value: 256, source: "issue #3: the 256 MB memory bound at 1 GB" },
  },
  {
    id: 'stats-over-list',
    text: '`stats` time ÷ `list` time',
    at: 'large',
    unit: '×',
    value: (rows) => ratio(rows.get('stats')?.seconds, rows.get('list')?.seconds),
    threshold: { op: '<=', value: 1.5, source: 'issue #3: `stats` and `find` ≤ 1.5× the time of `list`' },
  },
  {
    id: 'find-over-list',
    text: '`find` time ÷ `list` time',
    at: 'large',
    unit: '×',
    value: (rows) => ratio(rows.get('find')?.seconds, rows.get('list')?.seconds),
    threshold: { op: '<=', value: 1.5, source: 'issue #3: `stats` and `find` ≤ 1.5× the time of `list`' },
  },
  {
    id: 'diff-over-list',
    text: '`diff` of two states time ÷ `list` time of one',
    at: 'large',
    unit: '×',
    value: (rows) => ratio(rows.get('diff')?.seconds, rows.get('list')?.seconds),
    threshold: { op: '<=', value: 3, source: 'issue #3: diff of two 1 GB states ≤ 3× the time of `list`, RSS ≤ 512 MB' },
  },
  {
    id: 'diff-rss',
    text: '`diff` of two states: peak RSS',
    at: 'large',
    unit: 'MiB',
    value: (rows) => rows.get('diff')?.rssMiB,
    threshold: { op: '<=', value: 512, source: 'issue #3: diff of two 1 GB states ≤ 3× the time of `list`, RSS ≤ 512 MB' },
  },
  {
    id: 'validate-vs-terraform',
    text: '`validate` (every rule), Terraform\'s layout: × faster than `terraform state list`',
    at: 'large',
    unit: '×',
    value: (rows) => ratio(rows.get('terraform')?.seconds, rows.get('validate')?.seconds),
    threshold: { op: '>=', value: 5, source: 'issue #6: full validation of a 1 GB state ≥ 5× faster than `terraform state list` on the same file, in the same run' },
  },
  {
    id: 'validate-rss',
    text: '`validate` (every rule): peak RSS',
    at: 'large',
    unit: 'MiB',
    value: (rows) => rows.get('validate')?.rssMiB,
    threshold: { op: '<=', value: 256, source: 'issue #6: peak RSS ≤ 256 MB at 1 GB' },
  },
  {
    id: 'small-list-wall',
    text: '30 KB state: `tempeh list` wall time ÷ `terraform state list` wall time',
    at: 'small',
    unit: '×',
    value: (rows) => ratio(rows.get('list')?.seconds, rows.get('terraform')?.seconds),
    threshold: { op: '<=', value: 3, source: 'issue #3: 30 KB state: `tempeh list` wall time ≤ 3× `terraform state list`' },
  },
];

/**
 * Each target against the sizes measured: `{ target, size, indicative, value, status }` where status is
 * `met`, `not met`, `no threshold set`, or `not measured` (the rows it needs did not run).
 * `measured` is `[{ size, rows }]` in any order.
 */
export function evaluateTargets(measured) {
  const bySize = [...measured].sort((a, b) => a.size.bytes - b.size.bytes);
  return TARGETS.map((target) => {
    let chosen;
    let indicative = false;
    if (target.at === 'small') chosen = bySize.find((m) => m.size.bytes <= SMALL);
    else {
      chosen = [...bySize].reverse().find((m) => m.size.bytes >= GiB);
      if (chosen === undefined && bySize.length > 0 && bySize.at(-1).size.bytes > SMALL) {
        chosen = bySize.at(-1);
        indicative = true;
      }
    }
    const value = chosen === undefined ? undefined : target.value(chosen.rows);
    let status;
    if (value === undefined || Number.isNaN(value)) status = 'not measured';
    else if (target.threshold === undefined) status = 'no threshold set';
    else {
      const { op, value: limit } = target.threshold;
      status = (op === '>=' ? value >= limit : value <= limit) ? 'met' : 'not met';
    }
    return { target, size: chosen?.size, indicative, value, status };
  });
}

/** `≥ 30×`, `≤ 256 MiB`, or `–`. */
export function describeThreshold(target) {
  if (target.threshold === undefined) return '–';
  return `${target.threshold.op === '>=' ? '≥' : '≤'} ${target.threshold.value}${target.unit === '×' ? '×' : ` ${target.unit}`}`;
}
