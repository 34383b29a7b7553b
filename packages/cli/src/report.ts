import { ConfigurationError, LockedError, isTempehError } from '@tempeh/core';
import type { CliIo } from './io.js';

/** The code printed for errors that are not TempehErrors: a bug in tempeh or a plugin. */
export const UNEXPECTED_CODE = 'UNEXPECTED';

export interface ReportStyle {
  json: boolean;
  color: boolean;
}

interface ErrorReport {
  code: string;
  message: string;
  hint: string | undefined;
  /** Extra fields for --json readers: config issues, the lock holder. */
  details: Record<string, unknown>;
}

function toReport(error: unknown, env: NodeJS.ProcessEnv): ErrorReport {
  if (isTempehError(error)) {
    const details: Record<string, unknown> = {};
    if (error instanceof ConfigurationError) details.issues = error.issues;
    if (error instanceof LockedError) {
      details.lock = error.lock ?? null;
      details.stale = error.stale;
    }
    return { code: error.code, message: error.message, hint: error.hint, details };
  }
  const message = error instanceof Error ? error.message : String(error);
  const stack = env.TEMPEH_DEBUG && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return {
    code: UNEXPECTED_CODE,
    message: `${message}${stack}`,
    hint: 'this is a bug in tempeh or one of its plugins; rerun with TEMPEH_DEBUG=1 for the stack trace and report it',
    details: {},
  };
}

/**
 * Prints an error the one way every command does: `error[CODE]: message`
 * and `  hint: …` for humans, or one JSON line for machines. `context`
 * says where it happened when one command reports several (status).
 */
export function printError(io: CliIo, style: ReportStyle, error: unknown, context?: string): void {
  const report = toReport(error, io.env);
  if (context !== undefined) report.message = `${context}: ${report.message}`;
  if (style.json) {
    const body = { code: report.code, message: report.message, hint: report.hint ?? null, ...report.details };
    io.stderr.write(`${JSON.stringify({ error: body })}\n`);
    return;
  }
  const label = paint(style, 31, `error[${report.code}]`);
  io.stderr.write(`${label}: ${report.message}\n`);
  if (report.hint) io.stderr.write(`  hint: ${report.hint}\n`);
}

export function printWarning(io: CliIo, style: ReportStyle, message: string): void {
  if (style.json) {
    io.stderr.write(`${JSON.stringify({ warning: { message } })}\n`);
    return;
  }
  io.stderr.write(`${paint(style, 33, 'warning')}: ${message}\n`);
}

/** A progress or result message for humans; silent under --json so stderr stays machine-readable. */
export function printInfo(io: CliIo, style: ReportStyle, message: string): void {
  if (!style.json) io.stderr.write(`${message}\n`);
}

export function paint(style: ReportStyle, ansi: number, text: string): string {
  return style.color ? `\u001b[${ansi}m${text}\u001b[0m` : text;
}

/**
 * The output style read straight from argv (flags before `--`), for
 * messages printed before or without commander's parse: usage errors,
 * errors while building the program.
 */
export function styleFromArgv(argv: readonly string[], io: CliIo): ReportStyle {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  return { json: flags.includes('--json'), color: !flags.includes('--no-color') && io.stderrIsTTY && !io.env.NO_COLOR };
}

/** Exit code for an error: 2 for usage errors, 1 for everything else. */
export function exitCodeFor(error: unknown): number {
  return isTempehError(error) && error.code === 'TEMPEH_E_USAGE' ? 2 : 1;
}
