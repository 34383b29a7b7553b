import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../src/index.js';

describe('docs/rules.md', () => {
  it('has an entry for every rule with its name, severity and description, and none for unknown IDs', async () => {
    const doc = await readFile(new URL('../docs/rules.md', import.meta.url), 'utf8');
    const ids = [...doc.matchAll(/^### (TV\d{3})$/gm)].map((m) => m[1]);
    expect(ids).toEqual(BUILTIN_RULES.map((r) => r.id));
    for (const rule of BUILTIN_RULES) {
      const section = doc.slice(doc.indexOf(`### ${rule.id}\n`)).split('\n### ')[0] ?? '';
      expect(section, rule.id).toContain(`**${rule.name}** · ${rule.severity}`);
      expect(section, rule.id).toContain(rule.description);
    }
  });

  it('IDs are unique and stable in form', () => {
    expect(new Set(BUILTIN_RULES.map((r) => r.id)).size).toBe(BUILTIN_RULES.length);
    for (const rule of BUILTIN_RULES) expect(rule.id).toMatch(/^TV\d{3}$/);
  });
});
