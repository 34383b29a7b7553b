import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { registerDiff } from './commands/diff.js';
import { registerExec } from './commands/exec.js';
import { registerFind } from './commands/find.js';
import { registerGraph } from './commands/graph.js';
import { registerInit } from './commands/init.js';
import { registerList } from './commands/list.js';
import { registerLockCommands } from './commands/locks.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPull } from './commands/pull.js';
import { registerPush } from './commands/push.js';
import { registerShow } from './commands/show.js';
import { registerStats } from './commands/stats.js';
import { registerValidate } from './commands/validate.js';
import { registerStatus } from './commands/status.js';
import { registerVersions } from './commands/versions.js';
import { registerWorkspace } from './commands/workspace.js';
import { parseDuration } from './duration.js';
import { paint, styleFromArgv } from './report.js';
import type { CliRuntime } from './runtime.js';
import type { GlobalOptions } from './target.js';

const ENVIRONMENT_HELP = `
Target (first that applies): --state, --backend, --env, the config's
defaultEnvironment, else ./terraform.tfstate in the working directory.

Environment variables:
  TEMPEH_CONFIG, TEMPEH_ENV, TEMPEH_WORKSPACE, TEMPEH_STATE, TEMPEH_BACKEND
                  defaults for the flags of the same name
  TEMPEH_LOCK_ID  default for --lock-id (set by \`tempeh exec\` for its child)
  PGPASSWORD      password of a postgres:// backend whose URL has none (never printed)
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE
                  credentials of an s3 backend (never printed); without them, the
                  rest of the AWS credential chain (~/.aws, container and instance
                  roles). The region: the URL's ?region=, else AWS_REGION or
                  AWS_DEFAULT_REGION, else us-east-1
  TEMPEH_S3_SSE_CUSTOMER_KEY
                  SSE-C key (base64, 32 bytes) of an s3:// backend (never printed)
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
                  tempeh sets it to true unless set: the AWS SDK's notice about
                  Node versions is for Tempeh's maintainers, not for operators
  NO_COLOR        disables colour, like --no-color
  CI              when set (not "false" or "0"), no progress bars, like --no-progress;
                  TERM=dumb does the same
  TEMPEH_PROGRESS_DELAY_MS
                  how long a command runs before its bar shows (default 300)

Exit codes: 0 ok, 1 error, 2 usage error; \`exec\` exits with its command's code;
\`diff --exit-code\` exits 3 when the states differ.
`;

/** Builds the whole command tree for one run. Nothing here calls process.exit. */
export function createProgram(runtime: CliRuntime): Command {
  const program = new Command('tempeh')
    .description('Inspect, lock and move Terraform/OpenTofu state (format v4) in local files and remote backends.')
    .version(packageVersion(), '-v, --version', 'print the version')
    .option('--config <path>', 'config file (default: nearest tempeh.config.json upwards)')
    .option('--env <name>', 'environment from the config file')
    .option('--workspace <name>', "workspace (default: the environment's, else 'default')")
    .option('--state <path>', 'work on this state file directly (local backend, default workspace)')
    .option(
      '--backend <url>',
      'backend given as a URL: file:///srv/tf/terraform.tfstate, postgres://user@host:5432/db?schema=…&compat=terraform, ' +
        's3://bucket/path/terraform.tfstate?region=…&endpoint=…&force_path_style=true',
    )
    .option('--json', 'machine-readable output on stdout; errors as one JSON line on stderr')
    .option('--no-color', 'no colours in messages')
    .option('--no-progress', 'no progress bars on stderr (they show only on a terminal, after 300 ms, without --json or $CI)')
    .helpOption('-h, --help', 'show help')
    // A command's --help also lists --state, --env, --json …, which every command takes.
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', ENVIRONMENT_HELP)
    .showSuggestionAfterError(true)
    .exitOverride();
  program.hook('preAction', (_root, actionCommand) => {
    runtime.setGlobals(globalsOf(actionCommand));
  });

  registerStatus(program, runtime);
  registerInit(program, runtime);
  registerWorkspace(program, runtime);
  registerList(program, runtime);
  registerStats(program, runtime);
  registerValidate(program, runtime);
  registerFind(program, runtime);
  registerDiff(program, runtime);
  registerGraph(program, runtime);
  registerShow(program, runtime);
  registerPull(program, runtime);
  registerPush(program, runtime);
  registerVersions(program, runtime);
  registerMigrate(program, runtime);
  registerLockCommands(program, runtime);
  registerExec(program, runtime);

  // After every command exists: each gets its own output config, so an error names its own usage line.
  for (const command of allCommands(program)) configureOutput(command, runtime);
  return program;
}

/**
 * Commander's own errors (unknown option, missing argument, unknown
 * command) printed in Tempeh's format, with the usage line of the command
 * that failed. main() turns them into exit code 2.
 */
function configureOutput(command: Command, runtime: CliRuntime): void {
  const { io } = runtime;
  command.configureOutput({
    writeOut: (text) => io.stdout.write(text),
    // Commander writes here only the help shown for a missing command; under --json stderr carries JSON lines only.
    writeErr: (text) => {
      if (!styleFromArgv(runtime.argv, io).json) io.stderr.write(text);
    },
    outputError: (text) => {
      const message = text.replace(/^error:\s*/, '').trim().replace(/\s*\n\s*/g, ' ');
      const name = commandPath(command);
      const hint = `usage: ${name} ${command.usage()}; see \`${name} --help\``;
      const style = styleFromArgv(runtime.argv, io);
      if (style.json) {
        io.stderr.write(`${JSON.stringify({ error: { code: 'TEMPEH_E_USAGE', message, hint } })}\n`);
        return;
      }
      io.stderr.write(`${paint(style, 31, 'error[TEMPEH_E_USAGE]')}: ${message}\n  hint: ${hint}\n`);
    },
  });
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function globalsOf(command: Command): GlobalOptions {
  const all: Record<string, unknown> = command.optsWithGlobals();
  const text = (key: string): string | undefined => {
    const value = all[key];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    config: text('config'),
    env: text('env'),
    workspace: text('workspace'),
    state: text('state'),
    backend: text('backend'),
    json: all.json === true,
    color: all.color !== false,
    progress: all.progress !== false,
  };
}

export function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  if (typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string') {
    return manifest.version;
  }
  return '0.0.0';
}

/** `--lock-id ID`, shared by the commands that can act under a lock someone already holds. */
export function lockIdOption(): Option {
  return new Option('--lock-id <id>', 'act under this lock, already held (default: $TEMPEH_LOCK_ID)');
}

/** `--lock-timeout DURATION`: how long to retry a held lock; the parsed value is in milliseconds. */
export function lockTimeoutOption(defaultText: string): Option {
  return new Option('--lock-timeout <duration>', 'how long to retry while the state is locked (500ms, 10s, 2m)')
    .default(parseDuration(defaultText) ?? 0, defaultText)
    .argParser((value: string) => {
      const ms = parseDuration(value);
      if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 500ms, 10s or 2m');
      return ms;
    });
}

/** Root options that take a value, so that the word after them is not taken for the command. */
const ROOT_VALUE_OPTIONS = new Set(['--config', '--env', '--workspace', '--state', '--backend']);

/** Commands with a `--version <n>` option of their own (a state version, not tempeh's). */
const COMMANDS_WITH_VERSION_OPTION = new Set(['pull']);

/**
 * Commander recognises a root option anywhere on the line, so `tempeh pull
 * --version 3` would print tempeh's version. For the commands that have a
 * `--version <n>` of their own, `--version N` after the command word is
 * rewritten as `--version=N`: the root's flag takes no value, so commander
 * hands that form on to the command. Nothing after `--` is touched.
 */
export function normaliseArgv(argv: readonly string[]): string[] {
  const out = [...argv];
  let commandAt = -1;
  for (let i = 0; i < out.length; i++) {
    const arg = out[i] ?? '';
    if (arg === '--') return out;
    if (ROOT_VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) {
      commandAt = i;
      break;
    }
  }
  if (commandAt === -1 || !COMMANDS_WITH_VERSION_OPTION.has(out[commandAt] ?? '')) return out;
  for (let i = commandAt + 1; i < out.length; i++) {
    const arg = out[i];
    if (arg === '--') break;
    const value = out[i + 1];
    if (arg === '--version' && value !== undefined && !value.startsWith('-')) out.splice(i, 2, `--version=${value}`);
  }
  return out;
}

/** Sets the exit code from what a command action returns (nothing means 0). */
export function action<Args extends unknown[]>(
  runtime: CliRuntime,
  run: (...args: Args) => Promise<number | void>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    runtime.exitCode = (await run(...args)) ?? 0;
  };
}
