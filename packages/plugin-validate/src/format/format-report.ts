import type { Finding, FindingSummary } from '../findings.js';
import type { RuleMeta, Severity } from '../rules/catalog.js';
import type { ValidationReport } from '../validate-state.js';

/** One validated state, named for output (a file path, `workspace prod of …`). */
export interface NamedReport {
  /** What was validated, as the user named it; also SARIF's artifact URI when `uri` is absent. */
  name: string;
  /** A URI for SARIF (`file:///…`, `s3://…`); relative paths are fine. */
  uri?: string;
  report: ValidationReport;
}

/** `--format json`: `{"findings":[{rule,severity,address,path,message}…],"summary":{…}}`, plus `states` for several inputs. */
export function formatJson(reports: readonly NamedReport[]): string {
  const findings = reports.flatMap(({ name, report }) => report.findings.map((finding) => (reports.length > 1 ? { ...finding, state: name } : { ...finding })));
  const summary = total(reports.map((r) => r.report.summary));
  const out: Record<string, unknown> = { findings, summary: { ...summary, truncated: reports.reduce((n, r) => n + r.report.truncated, 0), states: reports.length } };
  if (reports.length > 1) {
    out['states'] = reports.map(({ name, report }) => ({ state: name, summary: report.summary, resources: report.resources, truncated: report.truncated }));
  }
  return `${JSON.stringify(out)}\n`;
}

/** `--format table`: one block per state, worst first, then a summary line per state. */
export function formatTable(reports: readonly NamedReport[]): string {
  const lines: string[] = [];
  for (const { name, report } of reports) {
    if (reports.length > 1) lines.push(`${name}:`);
    if (report.findings.length > 0) {
      const rows = report.findings.map((f) => [f.severity.toUpperCase(), f.rule, f.address ?? '(state)', f.path ?? '', f.message]);
      lines.push(...table(['SEVERITY', 'RULE', 'ADDRESS', 'PATH', 'MESSAGE'], rows));
    }
    lines.push(`${reports.length > 1 ? '  ' : ''}${describeSummary(report.summary, report.resources)}${report.truncated ? ` (${report.truncated} more not shown)` : ''}`);
    if (reports.length > 1) lines.push('');
  }
  if (reports.length > 1) lines.push(`${reports.length} states: ${describeSummary(total(reports.map((r) => r.report.summary)))}`);
  return `${lines.join('\n')}\n`;
}

function describeSummary(summary: FindingSummary, resources?: number): string {
  const counts = `${summary.error} error(s), ${summary.warning} warning(s), ${summary.info} info`;
  return resources === undefined ? counts : `${counts} in ${resources} resource(s)`;
}

function total(summaries: readonly FindingSummary[]): FindingSummary {
  return summaries.reduce((sum, s) => ({ error: sum.error + s.error, warning: sum.warning + s.warning, info: sum.info + s.info, total: sum.total + s.total }), {
    error: 0,
    warning: 0,
    info: 0,
    total: 0,
  });
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const SARIF_LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { error: 'error', warning: 'warning', info: 'note' };

/** Where each rule's documentation lives; SARIF viewers link to it. */
export const RULES_DOC_URI = 'https://github.com/tempeh-dev/tempeh/blob/main/packages/plugin-validate/docs/rules.md';

/**
 * SARIF 2.1.0: one run, the tool's rules with their metadata (so code
 * scanning UIs show names, descriptions and default levels), one result per
 * finding. A finding's state is the artifact; its address is a logical
 * location, and its path is put in the result's properties.
 */
export function formatSarif(reports: readonly NamedReport[], tool: { version: string }): string {
  const rules = new Map<string, RuleMeta>();
  for (const { report } of reports) for (const meta of report.rules) rules.set(meta.id, meta);
  const ruleList = [...rules.values()];
  const ruleIndex = new Map(ruleList.map((meta, i) => [meta.id, i]));
  const artifacts = reports.map(({ name, uri }) => ({ location: { uri: toUri(uri ?? name) } }));
  const results = reports.flatMap(({ report }, artifactIndex) =>
    report.findings.map((finding: Finding) => {
      const result: Record<string, unknown> = {
        ruleId: finding.rule,
        level: SARIF_LEVEL[finding.severity],
        message: { text: finding.message },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: artifacts[artifactIndex]?.location.uri ?? '', index: artifactIndex } },
            ...(finding.address ? { logicalLocations: [{ fullyQualifiedName: finding.address, kind: finding.address.startsWith('output.') ? 'variable' : 'resource' }] } : {}),
          },
        ],
        ...(finding.path ? { properties: { path: finding.path } } : {}),
      };
      const index = ruleIndex.get(finding.rule);
      if (index !== undefined) result['ruleIndex'] = index;
      return result;
    }),
  );
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tempeh-validate',
            informationUri: RULES_DOC_URI,
            version: tool.version,
            rules: ruleList.map((meta) => ({
              id: meta.id,
              name: meta.name,
              shortDescription: { text: meta.description },
              helpUri: `${RULES_DOC_URI}#${meta.id.toLowerCase()}`,
              defaultConfiguration: { level: SARIF_LEVEL[meta.severity] },
              properties: { category: meta.category, tags: [meta.category] },
            })),
          },
        },
        artifacts,
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** A path as a relative or file URI; URIs pass through. */
function toUri(name: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(name)) return name;
  return name
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
}
