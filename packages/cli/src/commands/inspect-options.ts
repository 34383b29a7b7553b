import type { InspectOptions, ResourceFilter, StateReadStream } from '@tempeh/core';
import { type Command, InvalidArgumentError } from 'commander';
import { withProgress } from '../progress.js';
import type { CliRuntime } from '../runtime.js';
import { noStateError } from './shared.js';

/** The filter flags shared by `list`, `stats` and `find`, as commander parses them. */
export interface FilterFlags {
  type: string[];
  module?: string;
  provider: string[];
}

/** Commander argParser for a repeatable option: every value, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds `--type T`… `--module M` `--provider P`… to an inspector command. */
export function addFilterOptions(command: Command): Command {
  return command
    .option('--type <type>', 'only resources of this exact type (repeatable: any of them)', collect, [])
    .option('--module <address>', 'only resources in this module or its children (module.app matches every key of it; `root` for the root module only)')
    .option('--provider <provider>', 'only resources of this provider: provider["…"], its source address, or a tail such as hashicorp/aws or aws (repeatable)', collect, []);
}

export function filterFrom(flags: FilterFlags): ResourceFilter {
  return { type: flags.type, provider: flags.provider, ...(flags.module === undefined ? {} : { module: flags.module }) };
}

/** A positive or zero integer option value. */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number, e.g. 10');
  return Number(value);
}

/**
 * The target workspace's stored bytes, through transformRead, as a stream
 * for the engine, with its `size` when known (pass it as the engine's
 * `size` and the progress total). Throws NotFoundError when no state is stored.
 */
export async function openStateStream(runtime: CliRuntime): Promise<StateReadStream> {
  const session = await runtime.open();
  const stream = await session.manager.openRead(session.target.workspace);
  if (stream === undefined) throw noStateError(session);
  return stream;
}

/**
 * Opens the target's state and runs an inspector on it under a progress bar
 * labelled `label`: `inspect` gets the stream and the engine options that
 * carry its size and feed the bar.
 */
export async function inspectWithProgress<T>(
  runtime: CliRuntime,
  label: string,
  inspect: (source: StateReadStream, engine: Pick<InspectOptions, 'size' | 'onProgress'>) => Promise<T>,
  options: { writesStdoutWhileRunning?: boolean } = {},
): Promise<T> {
  const source = await openStateStream(runtime);
  return withProgress(runtime, { label, total: source.size, ...options }, (progress) =>
    inspect(source, { size: source.size, onProgress: (p) => progress.onProgress(p) }),
  );
}
