import { describe, expect, it } from 'vitest';
import { KeyLayout } from '../src/index.js';

const layout = (extra: Partial<ConstructorParameters<typeof KeyLayout>[0]> = {}) =>
  new KeyLayout({ bucket: 'b', key: 'terraform.tfstate', key_prefix: undefined, workspace_key_prefix: 'env:', ...extra });

describe("Terraform's key layout", () => {
  it('puts default at key and a workspace at <workspace_key_prefix>/<ws>/<key>', () => {
    expect(layout().stateKey('default')).toBe('terraform.tfstate');
    expect(layout().stateKey('prod')).toBe('env:/prod/terraform.tfstate');
    expect(layout({ key: 'net/terraform.tfstate' }).stateKey('prod')).toBe('env:/prod/net/terraform.tfstate');
    expect(layout({ workspace_key_prefix: '' }).stateKey('prod')).toBe('prod/terraform.tfstate');
    expect(layout({ key_prefix: 'team/a' }).stateKey('default')).toBe('team/a/terraform.tfstate');
    expect(layout({ key_prefix: 'team/a' }).stateKey('dev')).toBe('env:/dev/team/a/terraform.tfstate');
  });

  it('names the lock object and the LockInfo path as Terraform does', () => {
    expect(layout().lockKey('default')).toBe('terraform.tfstate.tflock');
    expect(layout().lockKey('prod')).toBe('env:/prod/terraform.tfstate.tflock');
    expect(layout().lockPath('prod')).toBe('b/env:/prod/terraform.tfstate');
  });

  it("reads a listed key back to its workspace only when it is exactly <prefix>/<ws>/<key> (Terraform's keyEnv)", () => {
    const l = layout({ key: 'net/terraform.tfstate' });
    expect(l.workspaceOf('env:/prod/net/terraform.tfstate')).toBe('prod');
    expect(l.workspaceOf('env:/prod/net/terraform.tfstate.tflock')).toBeUndefined();
    expect(l.workspaceOf('env:/prod/other/terraform.tfstate')).toBeUndefined();
    expect(l.workspaceOf('env:/a/b/net/terraform.tfstate')).toBeUndefined();
    expect(l.workspaceOf('env:/net/terraform.tfstate')).toBeUndefined();
    expect(l.workspaceOf('net/terraform.tfstate')).toBeUndefined();
    // Reserved names and `default` are never workspaces of their own.
    expect(l.workspaceOf('env:/.tempeh/net/terraform.tfstate')).toBeUndefined();
    expect(l.workspaceOf('env:/default/net/terraform.tfstate')).toBeUndefined();
    const flat = layout({ workspace_key_prefix: '' });
    expect(flat.workspaceOf('dev/terraform.tfstate')).toBe('dev');
    expect(flat.workspaceOf('terraform.tfstate')).toBeUndefined();
  });
});
