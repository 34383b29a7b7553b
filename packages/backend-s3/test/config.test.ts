import { randomBytes } from 'node:crypto';
import { isTempehError, type ConfigurationError } from '@tempeh/core';
import { describe, expect, it } from 'vitest';
import { effectiveEndpoint, effectiveKey, effectivePathStyle, parseS3BackendConfig, s3ConfigFromUrl } from '../src/index.js';

function configError(input: unknown): ConfigurationError {
  try {
    parseS3BackendConfig(input);
  } catch (error) {
    if (isTempehError(error) && error.code === 'TEMPEH_E_CONFIG') return error as ConfigurationError;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

function urlError(url: string, env: NodeJS.ProcessEnv = {}): ConfigurationError {
  try {
    s3ConfigFromUrl(new URL(url), env);
  } catch (error) {
    if (isTempehError(error) && error.code === 'TEMPEH_E_CONFIG') return error as ConfigurationError;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('s3 backend config', () => {
  it("has Terraform's defaults, with encryption on", () => {
    expect(parseS3BackendConfig({ bucket: 'tf-state' })).toMatchObject({
      bucket: 'tf-state',
      key: 'terraform.tfstate',
      region: 'us-east-1',
      workspace_key_prefix: 'env:',
      encrypt: true,
      use_lockfile: true,
      max_retries: 5,
      multipart_threshold: 64 * 1024 * 1024,
      part_size: 16 * 1024 * 1024,
    });
  });

  it('lists every bad field in one ConfigurationError', () => {
    const error = configError({ bucket: 'Bad_Bucket', key: '/abs', workspace_key_prefix: 'x/', part_size: 1, max_retries: -1, nonsense: true });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['bucket', 'key', 'max_retries', 'nonsense', 'part_size', 'workspace_key_prefix']);
  });

  it.each([['a/../b'], ['a//b'], ['a/'], ['./a']])('refuses the key %s', (key) => {
    expect(configError({ bucket: 'b-1', key }).issues.map((i) => i.path)).toEqual(['key']);
  });

  it('refuses exclusive or incomplete settings, and a bad SSE-C key, without quoting secrets', () => {
    const secret = `s3cr3t-${randomBytes(6).toString('hex')}`;
    const sse = randomBytes(32).toString('base64');
    const both = configError({ bucket: 'b-1', kms_key_id: 'k', sse_customer_key: sse });
    expect(both.issues.map((i) => i.path)).toEqual(['sse_customer_key']);
    const half = configError({ bucket: 'b-1', secret_key: secret });
    expect(half.issues.map((i) => i.path)).toEqual(['secret_key']);
    const shortKey = `${randomBytes(16).toString('base64')}`;
    const bad = configError({ bucket: 'b-1', sse_customer_key: shortKey, secret_key: secret, token: secret });
    for (const error of [both, half, bad]) {
      const shown = `${error.message} ${error.hint} ${JSON.stringify(error.issues)} ${JSON.stringify(error.toJSON())}`;
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain(sse);
      expect(shown).not.toContain(shortKey);
    }
  });

  it("takes Terraform's spellings: endpoints.s3 and use_path_style; key_prefix goes in front of key", () => {
    const config = parseS3BackendConfig({ bucket: 'b-1', endpoints: { s3: 'http://127.0.0.1:7480' }, use_path_style: true, key_prefix: 'team/a', key: 'x.tfstate' });
    expect(effectiveEndpoint(config)).toBe('http://127.0.0.1:7480');
    expect(effectivePathStyle(config)).toBe(true);
    expect(effectiveKey(config)).toBe('team/a/x.tfstate');
    expect(configError({ bucket: 'b-1', endpoint: 'http://a:1', endpoints: { s3: 'http://b:2' } }).issues.map((i) => i.path)).toEqual(['endpoints.s3']);
  });
});

describe('s3:// URLs', () => {
  it('the host is the bucket, the path the key; query parameters set fields, typed', () => {
    const config = s3ConfigFromUrl(new URL('s3://tf-state/path/to/terraform.tfstate?endpoint=http://127.0.0.1:7480&region=eu-west-1&force_path_style=true&max_retries=2'), {});
    expect(config).toEqual({ bucket: 'tf-state', key: 'path/to/terraform.tfstate', endpoint: 'http://127.0.0.1:7480', region: 'eu-west-1', force_path_style: true, max_retries: 2 });
    expect(parseS3BackendConfig(config).key).toBe('path/to/terraform.tfstate');
  });

  it('takes credentials from the AWS environment and the SSE-C key from TEMPEH_S3_SSE_CUSTOMER_KEY', () => {
    const sse = randomBytes(32).toString('base64');
    const config = s3ConfigFromUrl(new URL('s3://b-1/k'), {
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
      TEMPEH_S3_SSE_CUSTOMER_KEY: sse,
    });
    expect(config).toMatchObject({ access_key: 'AKIA', secret_key: 'secret', token: 'token', sse_customer_key: sse });
  });

  it('takes the region from AWS_REGION or AWS_DEFAULT_REGION when the URL names none', () => {
    expect(s3ConfigFromUrl(new URL('s3://b-1/k'), { AWS_REGION: 'eu-central-1' })['region']).toBe('eu-central-1');
    expect(s3ConfigFromUrl(new URL('s3://b-1/k'), { AWS_DEFAULT_REGION: 'ap-south-1' })['region']).toBe('ap-south-1');
    expect(s3ConfigFromUrl(new URL('s3://b-1/k?region=us-west-2'), { AWS_REGION: 'eu-central-1' })['region']).toBe('us-west-2');
  });

  it('refuses secrets in the URL, without quoting them', () => {
    const error = urlError('s3://b-1/k?secret_key=hunter2hunter2&sse_customer_key=abc');
    expect(error.issues.map((i) => i.path).sort()).toEqual(['secret_key', 'sse_customer_key']);
    expect(`${error.message} ${JSON.stringify(error.toJSON())}`).not.toContain('hunter2');
    expect(urlError('s3://user:pass@b-1/k').message).not.toContain('pass');
  });
});
