import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'plugin-validate',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
