import { Kernel, StateManager, createState, parseState } from '@tempeh/core';
import { expect, it } from 'vitest';
import { S3Backend, s3BackendPlugin } from '../src/index.js';
import { describeWithS3 } from '../src/testing/index.js';

describeWithS3('the README example', (s3) => {
  it('through the kernel and StateManager, as the README shows', async () => {
    const kernel = new Kernel();
    await kernel.use(s3BackendPlugin);
    const bucket = await s3.freshBucket({ prefix: 'readme' });
    const backend = await kernel.backends.create('s3', s3.config(bucket, { key: 'network/terraform.tfstate' }), { cwd: process.cwd() });
    if (!(backend instanceof S3Backend)) return expect.fail('the kernel did not create an S3Backend');
    try {
      await backend.init();
      const states = new StateManager({ kernel, backend });
      const saved = await states.save('staging', { ...createState(), serial: 1 });
      expect(saved.unchanged).toBe(false);
      expect(await states.listWorkspaces()).toEqual(['default', 'staging']);
      expect(await states.getLock('staging')).toBeUndefined();
      const stored = await backend.getState('staging');
      expect(parseState(stored?.data ?? Buffer.alloc(0)).lineage).toBe(saved.state.lineage);
      // Where Terraform's s3 backend would look for it.
      expect(backend.layout.stateKey('staging')).toBe('env:/staging/network/terraform.tfstate');
    } finally {
      await backend.close();
    }
  });

  it('an s3:// URL picks the type through the registry', async () => {
    const kernel = new Kernel();
    await kernel.use(s3BackendPlugin);
    const bucket = await s3.freshBucket({ prefix: 'readme-url' });
    const { type, config } = kernel.backends.fromUrl(s3.url(bucket, 'a/b/terraform.tfstate'), s3.env());
    const backend = await kernel.backends.create(type, config, { cwd: process.cwd() });
    try {
      expect(backend.type).toBe('s3');
      if (!(backend instanceof S3Backend)) return expect.fail('not an S3Backend');
      expect(backend.layout.key).toBe('a/b/terraform.tfstate');
      await backend.putState('default', Buffer.from('{}'));
      expect((await backend.getState('default'))?.data.toString()).toBe('{}');
    } finally {
      await backend.close();
    }
  });
});
