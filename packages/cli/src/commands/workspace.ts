import { ConflictError, DEFAULT_WORKSPACE, LockOperation, NotFoundError, UsageError, assertValidWorkspaceName } from '@tempeh/core';
import type { Command } from 'commander';
import { action } from '../program.js';
import { printInfo } from '../report.js';
import type { CliRuntime } from '../runtime.js';

interface DeleteOptions {
  force?: boolean;
}

export function registerWorkspace(program: Command, runtime: CliRuntime): void {
  const workspace = program.command('workspace').description('list, create and delete workspaces');

  workspace
    .command('list')
    .description("list the workspaces; the selected one is marked with '*', as in Terraform")
    .action(
      action(runtime, async () => {
        const { manager, target } = await runtime.open();
        const names = await manager.listWorkspaces();
        const { stdout } = runtime.io;
        if (runtime.globals.json) {
          stdout.write(`${JSON.stringify({ current: target.workspace, workspaces: names })}\n`);
          return;
        }
        stdout.write(names.map((name) => `${name === target.workspace ? '*' : ' '} ${name}\n`).join(''));
      }),
    );

  workspace
    .command('new')
    .description('create an empty workspace (nothing happens if it exists)')
    .argument('<name>', 'workspace name')
    .action(
      action(runtime, async (name: string) => {
        assertValidWorkspaceName(name);
        const { manager, target } = await runtime.open();
        const existed = (await manager.listWorkspaces()).includes(name);
        if (!existed) await manager.createWorkspace(name);
        printInfo(runtime.io, runtime.style, existed ? `workspace '${name}' already exists in ${target.label}` : `created workspace '${name}' in ${target.label}`);
      }),
    );

  workspace
    .command('delete')
    .description('delete a workspace and its state; refused while it still tracks resources, unless --force')
    .argument('<name>', 'workspace name')
    .option('--force', 'delete even when the state still tracks resources (Terraform forgets them, it does not destroy them)')
    .action(
      action(runtime, async (name: string, options: DeleteOptions) => {
        assertValidWorkspaceName(name);
        if (name === DEFAULT_WORKSPACE) {
          throw new UsageError("the 'default' workspace cannot be deleted", { hint: 'it always exists; pick another with --workspace, or keep its state' });
        }
        const { manager, target } = await runtime.open();
        if (!(await manager.listWorkspaces()).includes(name)) {
          throw new NotFoundError(`workspace '${name}' does not exist in ${target.label}`, { hint: '`tempeh workspace list` shows the workspaces' });
        }
        // As Terraform does: check under the lock, release it, then delete, since a
        // store may keep the lock inside the workspace it is about to remove.
        await manager.withLock(name, { operation: LockOperation.delete, info: `tempeh workspace delete ${name}` }, async () => {
          if (options.force === true) return;
          const loaded = await manager.load(name);
          const count = loaded?.state.resources.length ?? 0;
          if (count > 0) {
            throw new ConflictError('content', `workspace '${name}' still tracks ${count} resource(s)`, {
              hint: 'destroy them first, or pass --force to delete the workspace and forget them',
            });
          }
        });
        await manager.deleteWorkspace(name);
        printInfo(runtime.io, runtime.style, `deleted workspace '${name}' from ${target.label}`);
      }),
    );
}
