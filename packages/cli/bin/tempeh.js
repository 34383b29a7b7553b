#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/. Kept as plain JS so the
// bin link exists even before the first build.
import { setFlagsFromString } from 'node:v8';
import { main } from '../dist/main.js';

// V8 lets a heap grow by a large factor before collecting it again; the
// engine's worker threads parse resource after resource, and with that
// factor each reserves ~45 MB for garbage it would collect anyway. A 30%
// step keeps the whole process ~60 MB smaller on a 1 GB state at no
// measurable cost in time (bench/RESULTS.md). V8 flags are process-wide,
// so the command sets it for itself; the library leaves it to its users.
setFlagsFromString('--heap-growing-percent=30');

// The AWS SDK warns on stderr that its 2027 releases will need Node 22. That is
// for whoever pins the SDK (Tempeh), not for the operator, whose stderr is for
// Tempeh's own messages. Set it to anything else to see the warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await main(process.argv.slice(2), undefined, { handleSignals: true });
