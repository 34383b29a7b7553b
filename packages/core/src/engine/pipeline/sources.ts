import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IoError, NotFoundError } from '../../errors.js';
import type { StateBackend } from '../../backend/types.js';

/** Which state a result came from. */
export type SourceTag = { kind: 'file'; path: string } | { kind: 'workspace'; backend: string; workspace: string };

/** A state's bytes, ready to stream. */
export interface OpenedState {
  stream: AsyncIterable<Uint8Array>;
  /** Size in bytes, when known up front. */
  size: number | undefined;
}

/** One state a pipeline reads: its tag, and how to open it (undefined: there is no state, skip it). */
export interface StateInput {
  readonly tag: SourceTag;
  open(): Promise<OpenedState | undefined>;
}

/** Where a pipeline's states come from. Listing may be lazy (a backend's workspaces are listed when the pipeline runs). */
export interface PipelineSource {
  inputs(): AsyncIterable<StateInput>;
  /** Total bytes of all inputs, when known without opening them; the pipeline starts the pool up front when it is large. */
  totalBytes?(): Promise<number | undefined>;
}

/** One state file. A missing file fails with NotFoundError when the pipeline runs. */
export function fromFile(path: string): PipelineSource {
  return fromFiles([path]);
}

/** Many state files, read one after another through one shared pool (the bulk case). */
export function fromFiles(paths: readonly string[]): PipelineSource {
  const absolute = paths.map((path) => resolve(path));
  return {
    async *inputs() {
      for (const path of absolute) yield fileInput(path);
    },
    async totalBytes() {
      let total = 0;
      for (const path of absolute) total += await fileSize(path);
      return total;
    },
  };
}

/** One workspace of a backend, read through `backend.readStream`; a workspace without a state yields nothing. */
export function fromBackend(backend: StateBackend, workspace: string): PipelineSource {
  return {
    async *inputs() {
      yield workspaceInput(backend, workspace);
    },
  };
}

/** Every workspace of a backend that has a state, in `listWorkspaces` order (`default` first). */
export function fromWorkspaces(backend: StateBackend): PipelineSource {
  return {
    async *inputs() {
      for (const workspace of await backend.listWorkspaces()) yield workspaceInput(backend, workspace);
    },
  };
}

function fileInput(path: string): StateInput {
  return {
    tag: { kind: 'file', path },
    async open() {
      const size = await fileSize(path);
      // 1 MiB reads: the splitter gathers its window from them, and fewer, larger reads are faster.
      return { stream: createReadStream(path, { highWaterMark: 1024 * 1024 }), size };
    },
  };
}

function workspaceInput(backend: StateBackend, workspace: string): StateInput {
  return {
    tag: { kind: 'workspace', backend: backend.type, workspace },
    async open() {
      // Pipelines only read: spare the backend any work for a revision (the local backend would hash the whole file).
      const handle = await backend.readStream(workspace, { revision: false });
      if (handle === undefined) return undefined;
      return { stream: handle.stream, size: handle.size };
    },
  };
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (error instanceof Error && Reflect.get(error, 'code') === 'ENOENT') {
      throw new NotFoundError(`state file ${path} does not exist`, { cause: error, hint: 'check the path given to the pipeline source' });
    }
    throw new IoError(`could not read state file ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, path });
  }
}
