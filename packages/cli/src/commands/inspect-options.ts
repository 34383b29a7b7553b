import type { ResourceFilter } from '@tempeh/core';
import { type Command, InvalidArgumentError } from 'commander';
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
 * for the engine. Throws NotFoundError when no state is stored.
 */
export async function openStateStream(runtime: CliRuntime): Promise<AsyncIterable<Uint8Array>> {
  const session = await runtime.open();
  const stream = await session.manager.openRead(session.target.workspace);
  if (stream === undefined) throw noStateError(session);
  return stream;
}
