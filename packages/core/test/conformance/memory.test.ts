import { MemoryBackend } from '../../src/backend/memory-backend.js';
import { describeBackendConformance } from '../../src/testing/index.js';

// The memory backend is the reference the suite is written against. It keeps
// the stored bytes in this process, so the large round trip's memory bound
// allows for them (retainsDataInMemory).
describeBackendConformance({
  name: 'memory',
  create: async () => new MemoryBackend(),
  retainsDataInMemory: true,
});
