import { defineConfig } from 'vitest/config';

// One vitest project per package, as in vitest's own monorepo. Tests import
// the packages through their public entry points (dist/), so `tsc -b` runs first.
export default defineConfig({
  test: {
    projects: ['packages/*', 'examples'],
  },
});
