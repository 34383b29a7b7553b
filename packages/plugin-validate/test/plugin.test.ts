import { readFile } from 'node:fs/promises';
import { Kernel, StateManager, isTempehError, parseState, type TempehError } from '@tempeh/core';
import { describe, expect, it } from 'vitest';
import { ValidatePlugin, validatePlugin, validateState, type Finding } from '../src/index.js';
import { CORPUS, FIXTURE, writeEdited } from './support/corpus.js';

const TEAM_TAG_RULE = new URL('./fixtures/team-tag-rule.mjs', import.meta.url).href;

async function fixtureEditedBy(rule: string) {
  const found = CORPUS.find((c) => c.rule === rule);
  if (!found) throw new Error(`no corpus case for ${rule}`);
  return parseState(await readFile(await writeEdited(found.edit, rule)));
}

async function rejection(action: Promise<unknown>): Promise<TempehError> {
  const outcome = await action.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isTempehError(outcome)) throw new Error(`expected a Tempeh error, got ${String(outcome)}`);
  return outcome;
}

async function setup(options: Parameters<typeof validatePlugin>[0] = {}) {
  const kernel = new Kernel();
  await kernel.use(validatePlugin(options));
  const backend = await kernel.backends.create('memory', {}, { cwd: process.cwd() });
  return { kernel, backend, manager: new StateManager({ kernel, backend }) };
}

describe('ValidatePlugin', () => {
  it('saves a valid state; refuses an invalid one with ValidationError carrying the findings, writing nothing', async () => {
    const { manager, backend, kernel } = await setup();
    const seen: { findings: readonly Finding[]; refused: boolean }[] = [];
    ValidatePlugin.getHooks(kernel).findings.tap('observer', (findings, context) => void seen.push({ findings, refused: context.refused }));
    const good = parseState(await readFile(FIXTURE));
    await manager.save('default', good);
    const bad = { ...(await fixtureEditedBy('TV044')), serial: good.serial + 1, lineage: good.lineage };
    const error = await rejection(manager.save('default', bad));
    expect(error.code).toBe('PLUGIN_ERROR');
    const cause = error.cause;
    expect(isTempehError(cause) && cause.code).toBe('TEMPEH_E_VALIDATION');
    const findings = (cause as unknown as { findings: Finding[] }).findings;
    expect(findings.map((f) => f.rule)).toEqual(['TV044']);
    expect(JSON.stringify(cause)).not.toContain('hunter2secret');
    expect(parseState((await backend.getState('default'))?.data ?? Buffer.alloc(0)).serial).toBe(good.serial);
    expect(seen.map((s) => s.refused)).toEqual([false, true]);
    // Forced, it goes through.
    await manager.save('default', bad, { force: true });
  });

  it('failOn warning refuses warnings too; afterLoad validates loads', async () => {
    const { manager } = await setup({ failOn: 'warning', afterLoad: true });
    const good = parseState(await readFile(FIXTURE));
    // The fixture has a TV045 warning (terraform_data.secret's output repeats its sensitive input).
    expect((await rejection(manager.save('default', good))).code).toBe('PLUGIN_ERROR');
    await manager.save('default', good, { force: true });
    const loadError = await rejection(manager.load('default'));
    expect(isTempehError(loadError.cause) && loadError.cause.code).toBe('TEMPEH_E_VALIDATION');
  });

  it('runs a custom rule in the workers and reports it under its own ID', async () => {
    const customRules = [
      {
        meta: { id: 'ACME001', name: 'team-tag', severity: 'error' as const, category: 'custom' as const, description: 'Every tagged resource carries a team tag.' },
        task: { module: TEAM_TAG_RULE, export: 'requireTeamTag', options: { tag: 'team' } },
      },
    ];
    const state = parseState(await readFile(FIXTURE));
    const network = state.resources.find((r) => r.name === 'network');
    const instance = network?.instances[0];
    if (!instance?.attributes) throw new Error('fixture changed');
    instance.attributes['tags'] = { owner: 'x' };
    const text = JSON.stringify(state);
    // Through the pool (inProcessBelowBytes 0), so the task really runs in a worker thread.
    const report = await validateState(
      (async function* () {
        yield Buffer.from(text);
      })(),
      { customRules, inProcessBelowBytes: 0, threads: 1 },
    );
    expect(report.mode).toBe('pool');
    expect(report.findings.filter((f) => f.rule === 'ACME001')).toEqual([
      { rule: 'ACME001', severity: 'error', address: 'terraform_data.network', path: 'instances[0].attributes.tags', message: 'no "team" tag' },
    ]);
    expect(report.rules.map((r) => r.id)).toContain('ACME001');
  });
});
