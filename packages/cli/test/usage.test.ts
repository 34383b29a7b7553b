import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MAIN_FIXTURE, errorCode, tempDir, tempeh } from './helpers/cli.js';

const COMMANDS = [
  ['status'],
  ['init'],
  ['workspace'],
  ['workspace', 'list'],
  ['workspace', 'new'],
  ['workspace', 'delete'],
  ['list'],
  ['show'],
  ['pull'],
  ['push'],
  ['lock'],
  ['unlock'],
  ['force-unlock'],
  ['exec'],
];

describe('help and version', () => {
  it.each(COMMANDS.map((c) => [c.join(' '), c]))('`tempeh %s --help` prints usage on stdout and exits 0', async (_name, command) => {
    const result = await tempeh([...command, '--help'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    expect(result.out).toContain(`Usage: tempeh ${command.join(' ')}`);
    expect(result.stderr).toBe('');
  });

  it('`tempeh --help` lists every command', async () => {
    const result = await tempeh(['--help'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    for (const [name] of COMMANDS) expect(result.out).toContain(`  ${name}`);
  });

  it('`tempeh --version` prints the package version', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    const result = await tempeh(['--version'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    expect(result.out.trim()).toBe(manifest.version);
  });
});

describe('usage errors exit 2', () => {
  it.each([
    ['no command', []],
    ['a command group without its subcommand', ['workspace']],
    ['an unknown command', ['frobnicate']],
    ['an unknown option', ['list', '--frobnicate']],
    ['an unknown global option', ['--frobnicate', 'list']],
    ['a missing argument', ['show']],
    ['a missing option value', ['--state']],
    ['an extra argument', ['list', 'extra']],
    ['a missing workspace subcommand argument', ['workspace', 'new']],
    ['--state with another workspace', ['--state', 'x.tfstate', '--workspace', 'staging', 'list']],
  ])('%s', async (_name, args) => {
    const result = await tempeh(args, { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(errorCode(result.stderr)).toBe('TEMPEH_E_USAGE');
    expect(result.stderr).toMatch(/^ {2}hint: /m);
  });
});

describe('error output', () => {
  it('is `error[CODE]: message` and `  hint: …` on stderr', async () => {
    const result = await tempeh(['list'], { cwd: await tempDir() });
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error\[TEMPEH_E_NOT_FOUND\]: \S/);
    expect(lines.at(-1)).toMatch(/^ {2}hint: \S/);
  });

  it('is one JSON line on stderr with --json', async () => {
    const result = await tempeh(['--json', 'list'], { cwd: await tempDir() });
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    const { error } = JSON.parse(result.stderr);
    expect(error.code).toBe('TEMPEH_E_NOT_FOUND');
    expect(typeof error.message).toBe('string');
    expect(typeof error.hint).toBe('string');
  });

  it('is one JSON line for usage errors with --json too', async () => {
    const result = await tempeh(['show', '--json'], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr).error.code).toBe('TEMPEH_E_USAGE');
  });

  it('keeps stdout for data: list prints nothing else there', async () => {
    const dir = await tempDir();
    const result = await tempeh(['--state', MAIN_FIXTURE, 'list'], { cwd: dir });
    expect(result.out.split('\n').filter(Boolean).every((line) => !line.startsWith('error'))).toBe(true);
  });
});
