import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors.js';
import {
  CapabilityError,
  ConfigurationError,
  ConflictError,
  ConnectionError,
  ERROR_CODES,
  HookUnsettledError,
  InvalidAddressError,
  InvalidStateError,
  InvalidWorkspaceError,
  IoError,
  LockMismatchError,
  LockedError,
  NotFoundError,
  NotLockedError,
  PluginDependencyError,
  PluginError,
  StateVersionError,
  TempehError,
  UnknownBackendError,
  UsageError,
  WorkerTaskError,
  WorkerCrashedError,
  CancelledError,
  StateTooLargeError,
  AuthenticationError,
  EncryptionKeyError,
  IntegrityError,
  ValidationError,
  type ErrorCode,
  type LockInfo,
} from '../src/errors.js';

const DOC = new URL('../../../docs/errors.md', import.meta.url);

interface DocRow {
  code: string;
  className: string;
  meaning: string;
  whatToDo: string;
}

/** The rows of the `| code | class | meaning | what to do |` table in docs/errors.md. */
function docRows(): DocRow[] {
  const lines = readFileSync(DOC, 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\|\s*code\s*\|\s*class\s*\|\s*meaning\s*\|\s*what to do\s*\|\s*$/.test(line));
  expect(header, 'docs/errors.md has a | code | class | meaning | what to do | table').toBeGreaterThanOrEqual(0);
  const rows: DocRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
      .split('|')
      .map((cell) => cell.trim());
    const [code = '', className = '', meaning = '', whatToDo = ''] = cells;
    rows.push({ code: unquote(code), className: unquote(className), meaning, whatToDo });
  }
  return rows;
}

function unquote(cell: string): string {
  return cell.replace(/^`|`$/g, '');
}

const lock: LockInfo = { ID: 'id', Operation: 'OperationTypeApply', Info: '', Who: 'a@b', Version: '0', Created: '', Path: '' };

/**
 * One instance of every exported error class. A class added to errors.ts
 * without an entry here fails the test below: add one.
 */
const SAMPLES: Record<string, () => TempehError> = {
  // NotFoundError has no default hint: what to do depends on what was not found.
  NotFoundError: () => new NotFoundError('no such workspace', { hint: 'see `tempeh workspace list`' }),
  LockedError: () => new LockedError('default', lock),
  LockMismatchError: () => new LockMismatchError('default', 'other', lock),
  NotLockedError: () => new NotLockedError('default'),
  ConfigurationError: () => new ConfigurationError('config', [{ path: 'a.b', message: 'bad' }]),
  ConnectionError: () => new ConnectionError('refused'),
  ConflictError: () => new ConflictError('serial', 'older'),
  InvalidStateError: () => new InvalidStateError('not JSON'),
  StateVersionError: () => new StateVersionError(3),
  InvalidWorkspaceError: () => new InvalidWorkspaceError('a/b', 'it contains a path separator'),
  InvalidAddressError: () => new InvalidAddressError('x[', 'unterminated index'),
  UnknownBackendError: () => new UnknownBackendError('s4', ['memory']),
  CapabilityError: () => new CapabilityError('memory', 'versions'),
  IoError: () => new IoError('disk full'),
  UsageError: () => new UsageError('unknown flag'),
  PluginDependencyError: () => new PluginDependencyError('backup', "plugin 'validate'"),
  HookUnsettledError: () => new HookUnsettledError('slow', 'beforeSave'),
  PluginError: () => new PluginError('broken', 'afterSave', new Error('x')),
  WorkerTaskError: () =>
    new WorkerTaskError({ phase: 'map', module: 'file:///tasks/team.mjs', exportName: 'countTeam', resourceIndex: 3 }, new TypeError('x is undefined')),
  WorkerCrashedError: () => new WorkerCrashedError(new Error('worker exited with code: 1')),
  CancelledError: () => new CancelledError('the batch'),
  StateTooLargeError: () => new StateTooLargeError(1_100_000_000, 'reading the whole state'),
  AuthenticationError: () => new AuthenticationError('S3 refused the access key'),
  EncryptionKeyError: () => new EncryptionKeyError('the SSE-C key does not match'),
  IntegrityError: () => new IntegrityError('sha256 mismatch', { expected: 'aa', actual: 'bb' }),
  ValidationError: () => new ValidationError("state 'prod'", [{ rule: 'TV014', severity: 'error', address: null, path: 'lineage', message: 'not a UUID' }]),
};

/** The TempehError subclasses exported by errors.ts, by export name. */
function exportedErrorClasses(): string[] {
  return Object.entries(errors)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof TempehError)
    .map(([name]) => name)
    .sort();
}

describe('error codes', () => {
  it('every code in ERROR_CODES has a row in docs/errors.md', () => {
    const documented = new Set(docRows().map((row) => row.code));
    const missing = Object.keys(ERROR_CODES).filter((code) => !documented.has(code));
    expect(missing, 'codes missing from docs/errors.md').toEqual([]);
  });

  it('every code in docs/errors.md exists in ERROR_CODES, once', () => {
    const rows = docRows();
    const unknown = rows.map((row) => row.code).filter((code) => !(code in ERROR_CODES));
    expect(unknown, 'codes in docs/errors.md that ERROR_CODES does not have').toEqual([]);
    expect(rows.length).toBe(new Set(rows.map((row) => row.code)).size);
  });

  it('every row names its class and says what it means and what to do', () => {
    for (const row of docRows()) {
      expect(row.className, row.code).toMatch(/^[A-Z]\w+Error$/);
      expect(row.meaning.length, `${row.code} meaning`).toBeGreaterThan(10);
      expect(row.whatToDo.length, `${row.code} what to do`).toBeGreaterThan(10);
    }
  });

  it('has a sample for every exported error class', () => {
    expect(exportedErrorClasses()).toEqual(Object.keys(SAMPLES).sort());
  });

  it('each class produces the code its docs row declares, with a message and a hint', () => {
    const classOfCode = new Map(docRows().map((row) => [row.code, row.className]));
    const produced = new Set<ErrorCode>();
    for (const [name, make] of Object.entries(SAMPLES)) {
      const error = make();
      expect(error).toBeInstanceOf(TempehError);
      expect(error.name).toBe(name);
      expect(Object.keys(ERROR_CODES)).toContain(error.code);
      expect(classOfCode.get(error.code), `docs/errors.md row for ${error.code}`).toBe(name);
      expect(error.message.length).toBeGreaterThan(0);
      expect(error.hint?.length ?? 0, `${name} has a hint`).toBeGreaterThan(0);
      expect(error.toJSON()).toMatchObject({ name, code: error.code, message: error.message });
      produced.add(error.code);
    }
    expect([...produced].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('cause is always an Error', () => {
    expect(new IoError('x', { cause: 'a string' }).cause).toBeInstanceOf(Error);
    expect(new PluginError('p', 'h', 42).cause).toBeInstanceOf(Error);
    const original = new Error('original');
    expect(new ConnectionError('x', { cause: original }).cause).toBe(original);
  });
});
