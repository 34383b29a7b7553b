// The processes bench/compare.mjs times, how each is started, and what its output must be. Every tool runs
// on the same cached files; a tool that is not installed or not written yet is reported, never faked.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TEMPEH = fileURLToPath(new URL('../../packages/cli/bin/tempeh.js', import.meta.url));
const JSON_PARSE_COUNT = fileURLToPath(new URL('./json-parse-count.mjs', import.meta.url));
const STREAM_JSON_COUNT = fileURLToPath(new URL('./stream-json-count.mjs', import.meta.url));
// A tag every generated service spreads over its instances (large-state-attributes.ts `tags`): `find` then
// has to read attributes, not just addresses, and matches about a sixth of the instances.
const FIND_TAG = 'Owner=payments';

const tempeh = (...args) => ({ command: process.execPath, args: [TEMPEH, ...args] });

/**
 * Every tool, in table order. `input` names the file it reads (`layout`, `compact`); `kind` groups rows for
 * the ratios: `terraform` rows are the speed reference for their input, `list` rows the reference for the
 * other tempeh commands, `baseline` rows (jq, JSON.parse, stream-json) the references on the layout file.
 * `needs` is checked once per run of compare.mjs; see `availability`.
 */
export const TOOLS = [
  { id: 'terraform', label: 'terraform state list', input: 'layout', kind: 'terraform', needs: 'terraform', start: (f) => ({ command: 'terraform', args: ['state', 'list', `-state=${f.layout.path}`] }) },
  { id: 'list', label: 'tempeh list', input: 'layout', kind: 'list', needs: 'tempeh:list', start: (f) => tempeh('--state', f.layout.path, 'list') },
  { id: 'stats', label: 'tempeh stats --json', input: 'layout', kind: 'command', needs: 'tempeh:stats', start: (f) => tempeh('--state', f.layout.path, '--json', 'stats') },
  { id: 'find', label: `tempeh find --tag ${FIND_TAG}`, input: 'layout', kind: 'command', needs: 'tempeh:find', start: (f) => tempeh('--state', f.layout.path, 'find', '--tag', FIND_TAG) },
  { id: 'diff', label: 'tempeh diff (vs modified copy) --json', input: 'layout+modified', kind: 'command', needs: 'tempeh:diff', start: (f) => tempeh('--json', 'diff', f.layout.path, f.modified.path), okExitCodes: [0, 3] },
  { id: 'validate', label: 'tempeh validate', input: 'layout', kind: 'command', needs: 'tempeh:validate', start: (f) => tempeh('--state', f.layout.path, 'validate') },
  { id: 'terraform-compact', label: 'terraform state list', input: 'compact', kind: 'terraform', needs: 'terraform', start: (f) => ({ command: 'terraform', args: ['state', 'list', `-state=${f.compact.path}`] }) },
  { id: 'list-compact', label: 'tempeh list', input: 'compact', kind: 'list', needs: 'tempeh:list', start: (f) => tempeh('--state', f.compact.path, 'list') },
  { id: 'jq', label: "jq '.resources|length'", input: 'layout', kind: 'baseline', needs: 'jq', start: (f) => ({ command: 'jq', args: ['.resources|length', f.layout.path] }) },
  { id: 'json-parse', label: 'node: JSON.parse, count', input: 'layout', kind: 'baseline', needs: 'node', start: (f) => ({ command: process.execPath, args: [JSON_PARSE_COUNT, f.layout.path] }), cannotRunExitCode: 3 },
  { id: 'stream-json', label: 'node: stream-json pick+streamArray, count', input: 'layout', kind: 'baseline', needs: 'node', start: (f) => ({ command: process.execPath, args: [STREAM_JSON_COUNT, f.layout.path] }) },
];

/** The ids `--only` accepts. */
export const TOOL_IDS = TOOLS.map((tool) => tool.id);

/**
 * What is installed or implemented: `terraform`, `jq`, `node`, and `tempeh:<command>` for each tempeh
 * command. A command exists when `tempeh <cmd> --help` prints that command's own usage: commander answers
 * an unknown command's `--help` with the root help and exit 0, so the exit code alone would say yes.
 * Returns a Map from need to `{ ok, version?, reason? }`.
 */
export function availability() {
  const found = new Map();
  const version = (command, args) => {
    const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
    if (result.error !== undefined) return { ok: false, reason: `not installed (${result.error.code ?? result.error.message})` };
    if (result.status !== 0) return { ok: false, reason: `\`${command} ${args.join(' ')}\` exited ${result.status}` };
    return { ok: true, version: result.stdout.split('\n')[0].trim() };
  };
  found.set('terraform', version('terraform', ['version']));
  found.set('jq', version('jq', ['--version']));
  found.set('node', { ok: true, version: process.version });
  for (const command of ['list', 'stats', 'find', 'diff', 'validate']) {
    const result = spawnSync(process.execPath, [TEMPEH, command, '--help'], { encoding: 'utf8' });
    const own = result.status === 0 && result.stdout.startsWith(`Usage: tempeh ${command}`);
    found.set(`tempeh:${command}`, own ? { ok: true } : { ok: false, reason: `no \`${command}\` command in this build (\`tempeh ${command} --help\` shows the root help)` });
  }
  return found;
}
