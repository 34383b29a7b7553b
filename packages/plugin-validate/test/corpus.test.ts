import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES, validateState } from '../src/index.js';
import { CORPUS, writeEdited } from './support/corpus.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** Every state Terraform itself wrote (apply, state push), not the hand-made odd ones. */
async function terraformWritten(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'handmade') await walk(path);
      else if (/\.tfstate(\.backup)?$/.test(entry.name)) out.push(path);
    }
  };
  await walk(`${FIXTURES}terraform`);
  await walk(`${FIXTURES}odd-keys`);
  return out.sort();
}

describe('Terraform-written fixtures', () => {
  it('every one validates with no errors', async () => {
    const files = await terraformWritten();
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const report = await validateState(createReadStream(file));
      const errors = report.findings.filter((f) => f.severity === 'error');
      expect(errors, file).toEqual([]);
    }
  });
});

describe('the corpus of broken states', () => {
  it('has a case for every built-in rule', () => {
    expect(CORPUS.map((c) => c.rule).sort()).toEqual(BUILTIN_RULES.map((r) => r.id).sort());
  });

  for (const corpusCase of CORPUS) {
    it(`${corpusCase.rule}: ${corpusCase.what} triggers ${corpusCase.rule} and no error of another rule`, async () => {
      const file = await writeEdited(corpusCase.edit, corpusCase.rule);
      const report = await validateState(createReadStream(file));
      const rules = new Set(report.findings.map((f) => f.rule));
      expect([...rules], JSON.stringify(report.findings.slice(0, 5))).toContain(corpusCase.rule);
      const otherErrors = report.findings.filter((f) => f.severity === 'error' && f.rule !== corpusCase.rule);
      expect(otherErrors).toEqual([]);
    });
  }
});
