#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/. Kept as plain JS so the
// bin link exists even before the first build.
import { main } from '../dist/main.js';

// The AWS SDK warns on stderr that its 2027 releases will need Node 22. That is
// for whoever pins the SDK (Tempeh), not for the operator, whose stderr is for
// Tempeh's own messages. Set it to anything else to see the warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await main(process.argv.slice(2));
