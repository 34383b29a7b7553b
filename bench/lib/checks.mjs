// A time is only worth comparing if the output is right. These checks run on the last run's output of
// each tool and return problems as text; compare.mjs refuses to report (exit 1) when there is any.
import { readFile } from 'node:fs/promises';

/**
 * `rows`: Map id → row (`status`, `stdoutPath`, `stdoutSha256`, `stdoutLines`, `shas` of every run).
 * `inputs`: what prepareInputs returned. Returns `{ problems: string[], facts: string[] }`; facts are
 * the cross-checked numbers worth printing (resources, list lines, find matches, diff changes).
 */
export async function checkOutputs(inputs, rows) {
  const problems = [];
  const facts = [];
  const ok = (id) => rows.get(id)?.status === 'ok';

  for (const [id, row] of rows) {
    if (row.status === 'ok' && new Set(row.shas).size > 1) problems.push(`${id}: the runs printed different output (${row.shas.length} runs, ${new Set(row.shas).size} distinct)`);
  }

  // `tempeh list` must print exactly what `terraform state list` prints, on both layouts.
  for (const [list, terraform] of [['list', 'terraform'], ['list-compact', 'terraform-compact']]) {
    if (!ok(list) || !ok(terraform)) continue;
    const a = rows.get(list);
    const b = rows.get(terraform);
    if (a.stdoutSha256 === b.stdoutSha256) facts.push(`${list} = ${terraform}: ${a.stdoutLines} lines, sha256 ${a.stdoutSha256.slice(0, 16)}…`);
    else problems.push(`${list} and ${terraform} differ: ${a.stdoutLines} vs ${b.stdoutLines} lines; ${await firstDifference(a.stdoutPath, b.stdoutPath)}`);
  }
  if (!ok('terraform') && ok('list') && ok('list-compact')) {
    // Without terraform, the two layouts must at least agree with each other.
    if (rows.get('list').stdoutSha256 !== rows.get('list-compact').stdoutSha256) problems.push('list and list-compact differ on the same state in two layouts');
    else facts.push(`list = list-compact (terraform not run): ${rows.get('list').stdoutLines} lines`);
  }

  // The resource count, four ways.
  const counts = new Map();
  for (const id of ['jq', 'json-parse', 'stream-json']) if (ok(id)) counts.set(id, Number((await readFile(rows.get(id).stdoutPath, 'utf8')).trim()));
  if (ok('stats')) counts.set('stats', JSON.parse(await readFile(rows.get('stats').stdoutPath, 'utf8')).resources);
  if (new Set(counts.values()).size > 1) problems.push(`resource counts disagree: ${[...counts].map(([id, n]) => `${id} ${n}`).join(', ')}`);
  else if (counts.size > 0) facts.push(`resources: ${[...counts.values()][0]} (agreed by ${[...counts.keys()].join(', ')})`);

  if (ok('find')) {
    const lines = (await readFile(rows.get('find').stdoutPath, 'utf8')).split('\n').filter((line) => line !== '');
    const bad = lines.find((line) => typeof JSON.parse(line).address !== 'string');
    if (bad !== undefined) problems.push(`find printed a line without an address: ${bad.slice(0, 200)}`);
    else facts.push(`find matched ${lines.length} instances`);
  }

  if (ok('diff')) {
    // The modified copy changes one attribute in each of `changed` instances and nothing else.
    const diff = JSON.parse(await readFile(rows.get('diff').stdoutPath, 'utf8'));
    const expected = inputs.modified.changed;
    const changed = diff.changed?.length;
    if (changed !== expected || diff.added?.length !== 0 || diff.removed?.length !== 0 || diff.outputs?.length !== 0) {
      problems.push(
        `diff reports ${changed} changed, ${diff.added?.length} added, ${diff.removed?.length} removed, ${diff.outputs?.length} outputs; ` +
          `the modified copy changed "${inputs.modified.key}" in exactly ${expected} instances and nothing else`,
      );
    } else facts.push(`diff found the ${expected} changed instances`);
  }
  return { problems, facts };
}

async function firstDifference(pathA, pathB) {
  const a = (await readFile(pathA, 'utf8')).split('\n');
  const b = (await readFile(pathB, 'utf8')).split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `first difference at line ${i + 1}: ${JSON.stringify(a[i])} vs ${JSON.stringify(b[i])} (outputs kept: ${pathA}, ${pathB})`;
  }
  return 'same lines, different bytes (line endings?)';
}
