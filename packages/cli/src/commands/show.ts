import { NotFoundError, findInstance, formatAddress, formatJsonUnknown, parseAddress } from '@tempeh/core';
import type { Command } from 'commander';
import { action, lockIdOption } from '../program.js';
import type { CliRuntime } from '../runtime.js';
import { assertLockHeld, lockIdFrom, noStateError } from './shared.js';

interface ShowOptions {
  lockId?: string;
}

export function registerShow(program: Command, runtime: CliRuntime): void {
  program
    .command('show')
    .description('print one resource instance as JSON, exactly as stored (numbers lossless)')
    .argument('<address>', 'resource instance address, e.g. module.app["blue"].aws_instance.web[0]')
    .addOption(lockIdOption())
    .action(
      action(runtime, async (address: string, options: ShowOptions) => {
        const parsed = parseAddress(address);
        const session = await runtime.open();
        const { workspace } = session.target;
        const lockId = lockIdFrom(options.lockId, runtime.io.env);
        if (lockId !== undefined) await assertLockHeld(session.manager, workspace, lockId);
        const loaded = await session.manager.load(workspace, { lockId });
        if (!loaded) throw noStateError(session);
        const found = findInstance(loaded.state, parsed);
        if (!found) {
          throw new NotFoundError(`no resource instance ${address} in workspace '${workspace}' of ${session.target.label}`, {
            hint: '`tempeh list` prints every address in the state',
          });
        }
        const { resource } = found;
        // Key order mirrors Terraform's own: where it is, what it is, then the objects.
        const view = {
          address: formatAddress(parsed),
          mode: resource.mode,
          type: resource.type,
          name: resource.name,
          provider: resource.provider,
          module: resource.module,
          index_key: parsed.key,
          instance: found.instance ?? null,
          deposed: found.deposed,
        };
        runtime.io.stdout.write(`${formatJsonUnknown(view)}\n`);
      }),
    );
}
