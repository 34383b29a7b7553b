import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { HeaderSniffer, IoError, isTempehError, type StoredStateHeader } from '@tempeh/core';

/** A state written to a temporary file on its way to S3, with what its upload needs to know first. */
export interface Spooled {
  path: string;
  size: number;
  /** Lower-case hex sha256 of the bytes. */
  sha256: string;
  header: StoredStateHeader;
  /** Removes the file (and its directory). */
  dispose(): Promise<void>;
}

/**
 * Writes the source to a temporary file while hashing it. An object's
 * metadata (the sha256, serial and lineage Tempeh keeps) and its length go
 * in the request headers, before the body, and a retried request must send
 * the body again: both need the bytes at hand, and a file holds them
 * without holding them in memory.
 */
export async function spool(source: AsyncIterable<Uint8Array>, directory = tmpdir()): Promise<Spooled> {
  const dir = await mkdtemp(join(directory, 'tempeh-s3-'));
  const path = join(dir, 'state');
  const dispose = () => rm(dir, { recursive: true, force: true });
  const hash = createHash('sha256');
  const sniffer = new HeaderSniffer();
  let size = 0;
  const out = createWriteStream(path);
  try {
    for await (const chunk of source) {
      hash.update(chunk);
      sniffer.push(chunk);
      size += chunk.byteLength;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    await dispose();
    if (isTempehError(error)) throw error;
    if (out.errored) {
      throw new IoError(`could not stage the state in ${dir} before uploading it: ${out.errored.message}`, {
        cause: out.errored,
        path: dir,
        hint: 'the state is staged in the temporary directory (TMPDIR) before upload: free space there, or point TMPDIR elsewhere',
      });
    }
    // The source itself failed: nothing was uploaded.
    throw new IoError(`could not read the state being written: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      hint: 'the source of the state failed; nothing was stored',
    });
  }
  return { path, size, sha256: hash.digest('hex'), header: sniffer.header(), dispose };
}
