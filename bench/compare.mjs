// Whole-process comparison: wall time and peak RSS of `tempeh list`, `stats`, `find`, `diff` and `validate`
// (the last two when they exist), against processes run in the same invocation on the same files:
// `terraform state list` (when installed), `jq '.resources|length'`, a node JSON.parse baseline and a naive
// stream-json pipeline. Each process is started fresh, because start-up is part of what a user waits for;
// the rounds are interleaved (tool A, B, C, then again) so page-cache and clock drift hit every tool alike.
// The outputs are checked before anything is reported: `tempeh list` must print what terraform prints.
//
//   node bench/compare.mjs --sizes 30KB,100MB,1GB [--data-dir DIR] [--runs N] [--markdown FILE]
//                          [--only list,stats,…] [--json] [--seed N] [--timeout SECONDS]
//
// Run `npx tsc -b packages/cli` first (the CLI and @tempeh/core from dist/). Inputs are cached in DIR
// (default: $TMPDIR/tempeh-bench-compare) and reused while size, seed and generator are unchanged.
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkOutputs } from './lib/checks.mjs';
import { prepareInputs } from './lib/inputs.mjs';
import { measureProcess, median, rssMethod } from './lib/measure.mjs';
import { inputLines, machineInfo, rowsTable, targetsTable } from './lib/report.mjs';
import { parseSizes } from './lib/sizes.mjs';
import { evaluateTargets } from './lib/targets.mjs';
import { TOOL_IDS, TOOLS, availability } from './lib/tools.mjs';

const GiB = 1024 ** 3;

const { values: flags } = argsOrUsage({
  options: {
    sizes: { type: 'string', default: '30KB,100MB' },
    'data-dir': { type: 'string', default: join(tmpdir(), 'tempeh-bench-compare') },
    runs: { type: 'string' },
    markdown: { type: 'string' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '3600' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: false,
});
if (flags.help) {
  console.log(`usage: node bench/compare.mjs --sizes 30KB,100MB,1GB [--data-dir DIR] [--runs N] [--markdown FILE] [--only ${TOOL_IDS.join(',')}] [--json] [--seed N] [--timeout SECONDS]`);
  process.exit(0);
}

const sizes = sizesOrUsage(flags.sizes);
const only = flags.only === undefined ? undefined : flags.only.split(',').map((id) => id.trim());
const unknown = only?.filter((id) => !TOOL_IDS.includes(id)) ?? [];
if (unknown.length > 0) usage(`--only: unknown tool ${unknown.join(', ')}; known: ${TOOL_IDS.join(', ')}`);
const runsFlag = flags.runs === undefined ? undefined : positiveInteger(flags.runs, '--runs');
const seed = positiveInteger(flags.seed, '--seed');
const timeoutSeconds = positiveInteger(flags.timeout, '--timeout');
const log = (line) => process.stderr.write(`${line}\n`);

const found = availability();
const method = rssMethod();
const machine = machineInfo(found, method);
const cacheDir = flags['data-dir'];
const workDir = join(cacheDir, 'work');
await mkdir(workDir, { recursive: true });
const emptyTerraformrc = join(cacheDir, 'empty.tfrc');
await writeFile(emptyTerraformrc, '');
// Terraform reads ~/.terraformrc (and warns when it is missing) and may phone home for version checks;
// tempeh reads TEMPEH_* defaults. Neither belongs in a measurement.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPEH_')));
Object.assign(childEnv, { TF_CLI_CONFIG_FILE: emptyTerraformrc, CHECKPOINT_DISABLE: '1', NO_COLOR: '1' });

const measured = [];
const allProblems = [];
for (const size of sizes) {
  const inputs = await prepareInputs({ size, seed, cacheDir, log });
  if (inputs.reused) log(`${size.label}: reusing cached inputs in ${inputs.layout.path.replace(/\/[^/]+$/, '')}`);
  const runs = runsFlag ?? (size.bytes >= GiB ? 1 : 3);
  const rows = await measureSize(inputs, runs);
  const { problems, facts } = await checkOutputs(inputs, rows);
  allProblems.push(...problems.map((problem) => `${size.label}: ${problem}`));
  measured.push({ size, inputs, runs, rows, facts, problems });
}
const evaluated = evaluateTargets(measured);

if (flags.json) console.log(JSON.stringify(jsonReport(), null, 2));
else console.log(textReport());
if (allProblems.length > 0) {
  // A wrong output makes every number beside it meaningless: refuse loudly, and write no RESULTS file.
  log(`\nCHECK FAILED — outputs are wrong, the measurements above must not be used:\n${allProblems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
if (flags.markdown !== undefined) {
  await writeFile(flags.markdown, markdownReport());
  log(`wrote ${flags.markdown}`);
}

/** Every selected tool on one size, `runs` interleaved rounds; a Map id → row in table order. */
async function measureSize(inputs, runs) {
  const outDir = join(inputs.layout.path, '..', 'out');
  await mkdir(outDir, { recursive: true });
  const rows = new Map();
  for (const tool of TOOLS) {
    if (only !== undefined && !only.includes(tool.id)) continue;
    const need = found.get(tool.needs);
    rows.set(tool.id, {
      id: tool.id,
      label: tool.label,
      input: tool.input,
      kind: tool.kind,
      status: need.ok ? 'pending' : 'not available',
      reason: need.ok ? undefined : need.reason,
      samples: [],
      shas: [],
    });
  }
  for (let round = 1; round <= runs; round++) {
    for (const tool of TOOLS) {
      const row = rows.get(tool.id);
      // A tool that failed or cannot run at this size is not retried: the next round would say the same.
      if (row === undefined || (row.status !== 'pending' && row.status !== 'ok')) continue;
      log(`${inputs.size.label}: round ${round}/${runs}: ${tool.id} …`);
      const { command, args } = tool.start(inputs);
      const stdoutPath = join(outDir, `${tool.id}.out`);
      const result = await measureProcess({ command, args, cwd: workDir, env: childEnv, stdoutPath, method, timeoutSeconds });
      const okCodes = tool.okExitCodes ?? [0];
      if (result.signal === null && okCodes.includes(result.exitCode)) {
        row.status = 'ok';
        row.samples.push({ seconds: result.seconds, rssKiB: result.rssKiB });
        row.shas.push(result.stdoutSha256);
        Object.assign(row, { stdoutPath, stdoutSha256: result.stdoutSha256, stdoutLines: result.stdoutLines });
      } else if (tool.cannotRunExitCode !== undefined && result.exitCode === tool.cannotRunExitCode) {
        row.status = 'cannot run';
        row.reason = lastLine(result.stderr);
      } else {
        row.status = 'failed';
        const how = result.timedOut ? `killed after the ${timeoutSeconds} s timeout` : result.signal !== null ? `killed by ${result.signal}` : `exit ${result.exitCode}`;
        row.reason = [how, result.note, lastLine(result.stderr) || '(no stderr)'].filter((part) => part !== '').join(': ');
      }
    }
  }
  for (const row of rows.values()) {
    if (row.status !== 'ok') continue;
    row.seconds = median(row.samples.map((s) => s.seconds));
    row.rssMiB = median(row.samples.map((s) => s.rssKiB)) / 1024;
  }
  return rows;
}

function textReport() {
  const out = [
    `${machine.date}  node ${machine.node}, ${machine.terraform}, ${machine.jq}`,
    `${machine.cpu}, ${machine.cores} cores, ${machine.memory}, load average ${machine.load} at start; peak RSS by ${machine.rssMethod}`,
  ];
  for (const m of measured) {
    out.push('', ...inputLines(m.inputs, m.runs), '', rowsTable(m.rows, { markdown: false }));
    out.push(...notes(m).map((note) => `  ${note}`));
  }
  out.push('', 'Targets (issues #3 and #6):', '', targetsTable(evaluated, { markdown: false }));
  return out.join('\n');
}

function markdownReport() {
  const out = [
    '# Whole-process comparison',
    '',
    `Written by \`node bench/compare.mjs --sizes ${sizes.map((s) => s.label).join(',')}${only === undefined ? '' : ` --only ${only.join(',')}`}${runsFlag === undefined ? '' : ` --runs ${runsFlag}`}\`. ` +
      '"× vs X" is X\'s time ÷ this row\'s time (above 1: faster than X), taken in the same run; terraform on the same file, ' +
      'the baselines (jq, JSON.parse, stream-json) on the layout file. "÷ list" is the row\'s time ÷ `tempeh list` on the same file. ' +
      'Times are wall-clock seconds of the whole process, start-up included; medians of the runs.',
    '',
    `- date: ${machine.date}`,
    `- machine: \`${machine.uname}\``,
    `- cpu: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} memory; load average (1, 5, 15 min) at start: ${machine.load}`,
    `- node ${machine.node}; ${machine.terraform}; ${machine.jq}`,
    `- peak RSS: ${machine.rssMethod}`,
  ];
  for (const m of measured) {
    out.push('', `## ${m.size.label}`, '', ...inputLines(m.inputs, m.runs), '', rowsTable(m.rows, { markdown: true }), '');
    out.push(...notes(m).map((note) => `- ${note}`));
  }
  out.push('', '## Targets (issues #3 and #6)', '', targetsTable(evaluated, { markdown: true }), '');
  for (const { target } of evaluated) if (target.threshold !== undefined) out.push(`- ${target.id}: threshold from ${target.threshold.source}`);
  return `${out.join('\n')}\n`;
}

/** Checked facts, then why a row has no numbers. */
function notes(m) {
  const lines = m.facts.map((fact) => `checked: ${fact}`);
  for (const row of m.rows.values()) if (row.reason !== undefined) lines.push(`${row.label} (${row.input}): ${row.status}: ${row.reason}`);
  return lines;
}

function jsonReport() {
  return {
    machine,
    sizes: measured.map((m) => ({
      size: m.size,
      inputs: m.inputs,
      runs: m.runs,
      rows: [...m.rows.values()].map(({ stdoutPath, shas, ...row }) => row),
      facts: m.facts,
      problems: m.problems,
    })),
    targets: evaluated.map(({ target, size, indicative, value, status }) => ({ id: target.id, text: target.text, size: size?.label, indicative, value, threshold: target.threshold, status })),
  };
}

function argsOrUsage(config) {
  try {
    return parseArgs(config);
  } catch (error) {
    // An unknown flag or a missing value: say which, exit 2, no stack trace.
    if (typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) usage(`${error.message}; see --help`);
    throw error;
  }
}

function sizesOrUsage(text) {
  try {
    return parseSizes(text);
  } catch (error) {
    // parseSizes says what is wrong with the argument in a RangeError: a usage error, exit 2.
    if (error instanceof RangeError) usage(error.message);
    throw error;
  }
}

function lastLine(text) {
  return text.trim().split('\n').at(-1) ?? '';
}

function positiveInteger(text, name) {
  if (!/^[1-9]\d*$/.test(text)) usage(`${name} needs a whole number ≥ 1, got '${text}'`);
  return Number(text);
}

function usage(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
