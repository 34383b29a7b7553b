import { S3_ACCESS_KEY, S3_SECRET_KEY } from '@tempeh/backend-s3/testing';
import { expect } from 'vitest';
import { tempeh, type RunOptions, type RunResult } from './cli.js';

/** What the AWS SDK prints on Node < 22 unless AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true. */
export const SDK_NODE_WARNING = 'NodeVersionSupportWarning';

/**
 * Runs the CLI with the test credentials in the AWS environment, as an
 * operator gives them (`options.env` may override them), and checks what
 * must never show: the secret key, and the SDK's Node-version notice.
 */
export async function tempehS3(args: readonly string[], options: RunOptions): Promise<RunResult> {
  const result = await tempeh(args, { ...options, env: { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, ...options.env } });
  expect(result.stderr).not.toContain(SDK_NODE_WARNING);
  expect(result.stderr).not.toContain(S3_SECRET_KEY);
  expect(result.out).not.toContain(S3_SECRET_KEY);
  return result;
}

/** The `{"error": {...}}` line `--json` prints on stderr (the last line). */
export function jsonError(stderr: string): { code: string; message: string; hint?: string } {
  const line = stderr.trim().split('\n').at(-1) ?? '';
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null || !('error' in parsed)) throw new Error(`not a --json error line: ${line}`);
  const { error } = parsed;
  if (typeof error !== 'object' || error === null || !('code' in error) || typeof error.code !== 'string') throw new Error(`no error code in: ${line}`);
  return { code: error.code, message: 'message' in error && typeof error.message === 'string' ? error.message : '', ...('hint' in error && typeof error.hint === 'string' ? { hint: error.hint } : {}) };
}
