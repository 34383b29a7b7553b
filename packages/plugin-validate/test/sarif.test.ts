import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES, formatJson, formatSarif, validateState, type NamedReport } from '../src/index.js';
import { writeCorpusState } from './support/corpus.js';

const SCHEMA = fileURLToPath(new URL('./fixtures/sarif-schema-2.1.0.json', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../../fixtures/terraform/terraform.tfstate', import.meta.url));

async function sarifValidator() {
  // The published OASIS schema (sarif-2.1/schema/sarif-schema-2.1.0.json), draft-04 with uri and date-time formats.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(await readFile(SCHEMA, 'utf8')));
}

describe('SARIF output', () => {
  it('is valid SARIF 2.1.0 against the published schema, with every rule described', async () => {
    const validate = await sarifValidator();
    const broken = await writeCorpusState('secrets-and-cycles');
    const reports: NamedReport[] = [
      { name: 'fixtures/terraform/terraform.tfstate', report: await validateState(createReadStream(FIXTURE)) },
      { name: broken, uri: `file://${broken}`, report: await validateState(createReadStream(broken)) },
    ];
    const log = JSON.parse(formatSarif(reports, { version: '0.1.0' }));
    const ok = validate(log);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
    expect(ok).toBe(true);
    const rules = log.runs[0].tool.driver.rules;
    expect(rules.map((r: { id: string }) => r.id)).toEqual(BUILTIN_RULES.map((r) => r.id));
    for (const rule of rules) expect(rule.shortDescription.text.length).toBeGreaterThan(10);
    const results = log.runs[0].results as { ruleId: string; ruleIndex: number; level: string }[];
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) expect(rules[result.ruleIndex].id).toBe(result.ruleId);
    expect(new Set(results.map((r) => r.level))).toEqual(new Set(['error', 'warning']));
  });

  it('JSON output has findings with rule, severity, address, path, message and a summary', async () => {
    const report = await validateState(createReadStream(await writeCorpusState('secrets-and-cycles')));
    const out = JSON.parse(formatJson([{ name: 'x', report }]));
    expect(Object.keys(out)).toEqual(['findings', 'summary']);
    for (const finding of out.findings) expect(Object.keys(finding).sort()).toEqual(['address', 'message', 'path', 'rule', 'severity']);
    expect(out.summary).toMatchObject({ error: report.summary.error, warning: report.summary.warning, states: 1 });
  });
});
