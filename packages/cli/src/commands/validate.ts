import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IoError, NotFoundError, UsageError } from '@tempeh/core';
import { BUILTIN_RULES, formatJson, formatSarif, formatTable, reaches, validateState, type NamedReport, type Severity } from '@tempeh/plugin-validate';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { action, packageVersion } from '../program.js';
import { withProgress } from '../progress.js';
import type { CliRuntime } from '../runtime.js';
import { collect, inspectWithProgress } from './inspect-options.js';

interface ValidateFlags {
  format: 'table' | 'json' | 'sarif';
  failOn: Severity;
  rules: string[];
  allWorkspaces?: boolean;
}

/** Exit code when a finding reaches --fail-on (usage errors are 2, as everywhere). */
const FINDINGS_EXIT_CODE = 1;

export function registerValidate(program: Command, runtime: CliRuntime): void {
  program
    .command('validate')
    .description('check states for schema, consistency, dependency, reference and plaintext-secret problems (streamed, any size)')
    .argument('[files...]', 'state files to validate (default: the target: --state, --backend, --env …)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'sarif']).default('table'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe').choices(['error', 'warning', 'info']).default('error'))
    .option('--rules <ids>', 'only these rules, comma-separated (repeatable), e.g. TV040,TV041', collectRules, [])
    .option('--all-workspaces', "every workspace of the target's backend")
    .addHelpText('after', `\nRules: ${BUILTIN_RULES.map((r) => r.id).join(' ')} (see packages/plugin-validate/docs/rules.md).\nExit codes: 0 nothing reaches --fail-on, 1 something does (or an error), 2 usage error.\n`)
    .action(
      action(runtime, async (files: string[], flags: ValidateFlags) => {
        const options = flags.rules.length > 0 ? { rules: checkRules(flags.rules) } : {};
        const reports: NamedReport[] = [];
        if (files.length > 0) {
          if (flags.allWorkspaces) throw new UsageError('give files or --all-workspaces, not both');
          for (const file of files) {
            const handle = await openFile(file);
            try {
              const stats = await handle.stat();
              if (!stats.isFile()) throw new UsageError(`${file} is not a file`, { hint: 'give the path of a state file' });
              const { size } = stats;
              // The descriptor lets the workers read a large file by byte range.
              const report = await withProgress(runtime, { label: progressLabel(file, files.length), total: size }, (progress) =>
                validateState(handle.createReadStream(), { ...options, size, fd: handle.fd, onProgress: (p) => progress.onProgress(p) }),
              );
              reports.push({ name: file, uri: pathToFileURL(path.resolve(file)).href, report });
            } finally {
              await handle.close();
            }
          }
        } else if (flags.allWorkspaces) {
          const session = await runtime.open();
          for (const workspace of await session.manager.listWorkspaces()) {
            const source = await session.manager.openRead(workspace);
            if (!source) continue;
            const report = await withProgress(runtime, { label: `validate ${workspace}`, total: source.size }, (progress) =>
              validateState(source, { ...options, size: source.size, onProgress: (p) => progress.onProgress(p) }),
            );
            reports.push({ name: `workspace ${workspace} of ${session.target.label}`, uri: `workspace:${encodeURIComponent(workspace)}`, report });
          }
        } else {
          const report = await inspectWithProgress(runtime, 'validate', (source, engine) => validateState(source, { ...options, ...engine }));
          const session = await runtime.open();
          reports.push({ name: session.target.label, report });
        }
        const format = runtime.globals.json ? 'json' : flags.format;
        runtime.io.stdout.write(format === 'json' ? formatJson(reports) : format === 'sarif' ? formatSarif(reports, { version: packageVersion() }) : formatTable(reports));
        return reports.some(({ report }) => reaches(report.findings, flags.failOn) || hasCounted(report.summary, flags.failOn)) ? FINDINGS_EXIT_CODE : 0;
      }),
    );
}

/** The bar's label: `validate`, or with the file's name when several are validated. */
function progressLabel(file: string, count: number): string {
  return count > 1 ? `validate ${path.basename(file)}` : 'validate';
}

function collectRules(value: string, previous: string[]): string[] {
  const ids = value.split(',').map((id) => id.trim()).filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError('expected rule IDs, e.g. TV040,TV041');
  return collect(ids.join(','), previous).flatMap((entry) => entry.split(','));
}

function checkRules(ids: readonly string[]): string[] {
  const known = new Set(BUILTIN_RULES.map((r) => r.id));
  const unknown = ids.filter((id) => !known.has(id.toUpperCase()));
  if (unknown.length > 0) throw new UsageError(`unknown rule(s): ${unknown.join(', ')}`, { hint: `the rules are ${[...known].join(', ')}` });
  return ids.map((id) => id.toUpperCase());
}

/** Findings beyond the kept ones still count toward --fail-on. */
function hasCounted(summary: { error: number; warning: number; info: number }, threshold: Severity): boolean {
  if (threshold === 'info') return summary.error + summary.warning + summary.info > 0;
  if (threshold === 'warning') return summary.error + summary.warning > 0;
  return summary.error > 0;
}

async function openFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      throw new NotFoundError(`no such state file: ${file}`, { hint: 'check the path' });
    }
    throw new IoError(`cannot open the state file ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
