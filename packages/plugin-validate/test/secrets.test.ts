import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLargeState, type PlantedSecretKind } from '@tempeh/core/testing';
import { describe, expect, it } from 'vitest';
import { formatJson, formatSarif, formatTable, validateState } from '../src/index.js';

const RULE_OF: Record<PlantedSecretKind, string> = {
  'pem-private-key': 'TV040',
  'aws-access-key': 'TV041',
  'github-token': 'TV042',
  'gitlab-token': 'TV042',
  'slack-token': 'TV042',
  jwt: 'TV043',
  'connection-string': 'TV044',
};

describe('secrets planted in a generated state', () => {
  it('are all found, through the worker pool, and no output format shows any of them', async () => {
    const state = generateLargeState({ targetBytes: 24 * 1024 * 1024, seed: 7, secrets: { everyNth: 40 } });
    const report = await validateState(state.stream, { inProcessBelowBytes: 0, threads: 2 });
    const planted = state.planted();
    expect(planted.length).toBeGreaterThan(100);
    expect(new Set(planted.map((p) => p.kind)).size).toBe(7);
    const found = new Set(report.findings.map((f) => `${f.rule} ${f.address} ${f.path}`));
    const missed = planted.filter((p) => !found.has(`${RULE_OF[p.kind]} ${p.address} ${p.path}`));
    expect(missed).toEqual([]);
    // Nothing else is an error: the generator's own sensitive values are covered by sensitive_attributes.
    expect(report.findings.filter((f) => f.severity === 'error').length).toBe(planted.length);
    const outputs = [formatJson([{ name: 'generated', report }]), formatSarif([{ name: 'generated', report }], { version: 'test' }), formatTable([{ name: 'generated', report }])];
    for (const secret of planted) {
      // The whole value, and 12 characters from past the 4-character prefix a finding may show and from its middle
      // (a PEM key's first and last lines are its public header and footer).
      const middle = Math.floor(secret.value.length / 2) - 6;
      const probes = [secret.value, secret.value.slice(middle, middle + 12), ...(secret.kind === 'pem-private-key' ? [] : [secret.value.slice(4, 16)])];
      for (const output of outputs) for (const probe of probes) expect(output.includes(probe), `${secret.kind} ${probe}`).toBe(false);
    }
  }, 120_000);
});

describe('a state file read by byte range', () => {
  it('gives the same report as the same bytes streamed', async () => {
    const state = generateLargeState({ targetBytes: 6 * 1024 * 1024, seed: 9, secrets: { everyNth: 25 } });
    const dir = await mkdtemp(join(tmpdir(), 'tempeh-validate-range-'));
    try {
      const file = join(dir, 'terraform.tfstate');
      await writeFile(file, Buffer.concat([...state.chunks()]));
      const streamed = await validateState(state.stream, { inProcessBelowBytes: 0, threads: 2 });
      const handle = await open(file, 'r');
      try {
        const { size } = await handle.stat();
        const ranged = await validateState(handle.createReadStream(), { inProcessBelowBytes: 0, threads: 2, size, fd: handle.fd });
        expect(ranged.findings.length).toBeGreaterThan(10);
        expect(ranged).toEqual(streamed);
      } finally {
        await handle.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
