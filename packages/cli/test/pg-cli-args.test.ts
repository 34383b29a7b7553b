import { describe, expect, it } from 'vitest';
import { parseAge } from '../src/duration.js';
import { normaliseArgv } from '../src/program.js';
import { isBackendUrl } from '../src/target.js';

// The argument handling behind `versions prune --max-age`, `pull --version N` and `migrate --from/--to`; runs without a server.

describe('parseAge (versions prune --max-age)', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['12h', 43_200_000],
    ['1d12h', 129_600_000],
    ['90m', 5_400_000],
    ['500ms', 500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseAge(text)).toBe(ms);
  });

  it.each(['', '30', 'd', 'month', '-1d', '1y'])('refuses %j', (text) => {
    expect(parseAge(text)).toBeUndefined();
  });
});

describe('normaliseArgv', () => {
  it("hands pull's --version N to pull, wherever the root flags are", () => {
    expect(normaliseArgv(['pull', '--version', '3'])).toEqual(['pull', '--version=3']);
    expect(normaliseArgv(['--backend', 'postgres://h/db', '--workspace', 'pull', 'pull', '--json', '--version', '12'])).toEqual([
      '--backend',
      'postgres://h/db',
      '--workspace',
      'pull',
      'pull',
      '--json',
      '--version=12',
    ]);
  });

  it("leaves the root's --version, other commands and everything after -- alone", () => {
    expect(normaliseArgv(['--version'])).toEqual(['--version']);
    expect(normaliseArgv(['push', '--version', '3'])).toEqual(['push', '--version', '3']);
    expect(normaliseArgv(['exec', '--', 'pull', '--version', '3'])).toEqual(['exec', '--', 'pull', '--version', '3']);
    expect(normaliseArgv(['pull', '--', '--version', '3'])).toEqual(['pull', '--', '--version', '3']);
    expect(normaliseArgv(['pull', '--version', '--json'])).toEqual(['pull', '--version', '--json']);
  });
});

describe('isBackendUrl (migrate --from/--to)', () => {
  it('tells a URL from an environment name by its colon', () => {
    expect(isBackendUrl('postgres://ci@db/tf?compat=terraform')).toBe(true);
    expect(isBackendUrl('file:///srv/tf/terraform.tfstate')).toBe(true);
    expect(isBackendUrl('memory:')).toBe(true);
    expect(isBackendUrl('prod')).toBe(false);
    expect(isBackendUrl('prod.eu-1')).toBe(false);
  });
});
