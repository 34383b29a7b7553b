import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'backend-s3',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The SDK's notice that its 2027 releases need Node 22 (for us, the maintainers; see the package README),
    // once per process, including every child process the tests start.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
