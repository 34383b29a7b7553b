import { describeBackendConformance } from '@tempeh/core/testing';
import { createS3Backend } from '../src/index.js';
import { describeWithS3 } from '../src/testing/index.js';

describeWithS3('s3 conformance', (s3) => {
  let bucket: Promise<string> | undefined;
  let n = 0;
  describeBackendConformance({
    name: 's3 (radosgw)',
    async create() {
      // One bucket for the file; each test gets a key prefix of its own.
      bucket ??= s3.freshBucket({ prefix: 'conformance' });
      const prefix = `t${++n}`;
      return createS3Backend(s3.config(await bucket, { key_prefix: prefix, workspace_key_prefix: `${prefix}-env:` }));
    },
    // As for postgres: a socket round trip leaves 40-70 MiB for V8 to collect late.
    largeStateBytes: 320 * 1024 * 1024,
  });
});
