// Tables for bench/compare.mjs: the same content as aligned text for the terminal and as markdown for
// bench/RESULTS.md. Ratios are the point; absolute times only make sense next to the machine line.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { formatBytes } from './sizes.mjs';
import { describeThreshold } from './targets.mjs';

const HEADERS = ['tool', 'input', 'time s', 'peak RSS MiB', '× vs terraform', '× vs jq', '× vs JSON.parse', '× vs stream-json', '÷ list'];
const RIGHT = new Set([2, 3, 4, 5, 6, 7, 8]);

/** Date, machine and tool versions: what a reader needs before trusting any absolute number. */
export function machineInfo(found, rssMethod) {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(safeRead('/proc/cpuinfo'))?.[1] ?? 'unknown';
  return {
    date: new Date().toISOString(),
    uname: safeRun('uname', ['-a']),
    cpu,
    cores: availableParallelism(),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    // Other work on the machine stretches wall times unevenly; the reader should know it was there.
    load: loadavg().map((n) => n.toFixed(2)).join(' '),
    node: process.version,
    terraform: found.get('terraform')?.version ?? found.get('terraform')?.reason,
    jq: found.get('jq')?.version ?? found.get('jq')?.reason,
    rssMethod: rssMethod === 'gnu-time' ? 'GNU time %M (ru_maxrss)' : '/proc/<pid>/status VmHWM, polled',
  };
}

/**
 * The ratios of one row. "× vs X" is X's time ÷ this row's time (above 1: faster than X); terraform is
 * taken on the same input file, the baselines only for rows on the layout file (they ran on that one).
 * "÷ list" is this row's time ÷ `tempeh list` on the same file, for the other tempeh commands.
 */
export function ratios(row, rows) {
  const time = (id) => (rows.get(id)?.status === 'ok' ? rows.get(id).seconds : undefined);
  const over = (id) => (row.status !== 'ok' || time(id) === undefined ? undefined : time(id) / row.seconds);
  const layout = row.input !== 'compact';
  return {
    terraform: over(row.input === 'compact' ? 'terraform-compact' : 'terraform'),
    jq: layout ? over('jq') : undefined,
    jsonParse: layout ? over('json-parse') : undefined,
    streamJson: layout ? over('stream-json') : undefined,
    list: row.kind === 'command' && row.status === 'ok' && time('list') !== undefined ? row.seconds / time('list') : undefined,
  };
}

/** One size's rows as a table (text or markdown). */
export function rowsTable(rows, { markdown }) {
  const body = [...rows.values()].map((row) => {
    const r = ratios(row, rows);
    const shown = row.status === 'ok' ? [seconds(row.seconds), row.rssMiB.toFixed(0)] : [row.status, ''];
    return [row.label, row.input, ...shown, times(r.terraform), times(r.jq), times(r.jsonParse), times(r.streamJson), times(r.list)];
  });
  return markdown ? markdownTable(HEADERS, body) : textTable(HEADERS, body);
}

/** Header lines for one size: the three files and what was verified. */
export function inputLines(inputs, runs) {
  return [
    `input ${inputs.size.label}: ${inputs.source}; layout ${formatBytes(inputs.layout.bytes)}, compacted ${formatBytes(inputs.compact.bytes)} (${inputs.compact.by}), ` +
      `modified copy: "${inputs.modified.key}" changed in ${inputs.modified.changed} instances, serial ${inputs.modified.serial}; median of ${runs} run${runs === 1 ? '' : 's'}`,
  ];
}

/** The targets table. */
export function targetsTable(evaluated, { markdown }) {
  const body = evaluated.map(({ target, size, indicative, value, status }) => [
    target.text,
    size === undefined ? '–' : `${size.label}${indicative ? ' (indicative: target is at 1 GB)' : ''}`,
    value === undefined ? '–' : `${value.toFixed(target.unit === '×' ? 2 : 0)}${target.unit === '×' ? '×' : ` ${target.unit}`}`,
    describeThreshold(target),
    status,
  ]);
  const headers = ['target', 'measured at', 'value', 'threshold', 'status'];
  return markdown ? markdownTable(headers, body) : textTable(headers, body);
}

function seconds(value) {
  return value < 10 ? value.toFixed(3) : value.toFixed(1);
}

function times(value) {
  if (value === undefined) return '';
  return value >= 100 ? `${value.toFixed(0)}×` : `${value.toFixed(2)}×`;
}

function textTable(headers, body) {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((cell, i) => (RIGHT.has(i) && headers === HEADERS ? String(cell).padStart(widths[i]) : String(cell).padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function markdownTable(headers, body) {
  const escape = (cell) => String(cell).replaceAll('|', '\\|');
  const align = headers.map((_, i) => (RIGHT.has(i) && headers === HEADERS ? '---:' : '---'));
  return [`| ${headers.map(escape).join(' | ')} |`, `| ${align.join(' | ')} |`, ...body.map((row) => `| ${row.map(escape).join(' | ')} |`)].join('\n');
}

function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    // Not Linux (no /proc): the CPU model is then reported as unknown.
    if (error.code === 'ENOENT') return '';
    throw error;
  }
}

function safeRun(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim();
  } catch (error) {
    // uname missing (not a Unix): say so in the header rather than stop the benchmark.
    if (error.code === 'ENOENT') return 'unknown (no uname)';
    throw error;
  }
}
