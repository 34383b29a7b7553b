// Baseline process for bench/compare.mjs: read the whole state, JSON.parse it, print `resources.length`.
// This is what any tool that loads the state whole pays at least. Above V8's string limit it cannot run
// at all; it says so on stderr and exits 3, which compare.mjs records as "cannot run" rather than a failure.
import { constants } from 'node:buffer';
import { readFile, stat } from 'node:fs/promises';

const path = process.argv[2];
const { size } = await stat(path);
// UTF-8 text has at most one UTF-16 unit per byte, so a file within the limit always decodes; one above
// it may still fit when it holds multi-byte characters, which is why the decode is also guarded below.
if (size > constants.MAX_STRING_LENGTH) cannotRun(size);
let text;
try {
  text = (await readFile(path)).toString('utf8');
} catch (error) {
  if (error.code === 'ERR_STRING_TOO_LONG') cannotRun(size);
  throw error;
}
console.log(JSON.parse(text).resources.length);

function cannotRun(bytes) {
  process.stderr.write(
    `cannot run: the file is ${(bytes / 2 ** 20).toFixed(0)} MiB and JSON.parse needs it as one string, ` +
      `but V8 strings hold at most ${constants.MAX_STRING_LENGTH} characters (${(constants.MAX_STRING_LENGTH / 2 ** 20).toFixed(0)} Mi)\n`,
  );
  process.exit(3);
}
