import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { terraformFixtureState } from '../../src/testing/index.js';

describe('the Terraform state embedded in @tempeh/core/testing', () => {
  it('is byte-identical to fixtures/terraform/edge/deposed.tfstate', async () => {
    const file = await readFile(new URL('../../../../fixtures/terraform/edge/deposed.tfstate', import.meta.url));
    expect(terraformFixtureState().equals(file)).toBe(true);
  });

  it('is a fresh copy on every call', () => {
    const first = terraformFixtureState();
    first.fill(0);
    expect(terraformFixtureState().equals(first)).toBe(false);
  });
});
