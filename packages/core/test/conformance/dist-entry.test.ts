import { MemoryBackend } from '@tempeh/core';
import { describeBackendConformance } from '@tempeh/core/testing';

// The suite as a third-party backend author gets it: through the package's
// "./testing" export (the built dist/), not through src/. The large round
// trip already runs in memory.test.ts.
describeBackendConformance({
  name: 'memory, via @tempeh/core/testing',
  create: async () => new MemoryBackend(),
  retainsDataInMemory: true,
  largeStateBytes: 0,
});
