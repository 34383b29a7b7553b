// The file piscina loads in each worker thread. Piscina loads it with
// require(), so it is CommonJS: no require() of an ES module then happens in
// a worker. On Node 20 a require(esm) that meets a module graph an import()
// is still loading aborts the whole process ("FATAL ERROR:
// v8::Module::IsGraphAsync must be used on an instantiated module", the race
// of nodejs/node#55782; seen once in CI). The batch worker itself is ESM and
// is loaded here with import(), once per thread.
import type { BatchRequest, ScanRequest } from './messages.js';

type RunBatch = (request: BatchRequest | ScanRequest) => Promise<unknown>;

let loading: Promise<RunBatch> | undefined;

function runBatch(request: BatchRequest | ScanRequest): Promise<unknown> {
  loading ??= import('./batch.worker.js').then((module) => module.default);
  return loading.then((run) => run(request));
}

export = runBatch;
