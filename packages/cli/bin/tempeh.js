#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/. Kept as plain JS so the
// bin link exists even before the first build.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
