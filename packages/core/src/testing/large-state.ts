import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { JsonNumber, type JsonObject } from '../json/json-value.js';
import { goJsonIndent, goJsonString } from './go-json.js';
import { rootResources, serviceResources } from './large-state-resources.js';
import { SeededRandom } from './random.js';

export interface LargeStateOptions {
  /** Minimum size in bytes. Generation stops after the first module that reaches it, so the result is a little larger. */
  targetBytes: number;
  /** Same seed, same bytes. Default 1. */
  seed?: number;
  /** Default: a UUID derived from the seed. */
  lineage?: string;
  /** Default: derived from the seed. */
  serial?: number;
  /** Roughly how many bytes each yielded chunk holds. Default 64 KiB, as Node's file streams. */
  chunkBytes?: number;
}

/** A generated state: its identity, and its bytes on demand. */
export interface LargeState {
  readonly lineage: string;
  readonly serial: number;
  /**
   * The state's bytes in chunks. Re-iterable: every iteration regenerates
   * the same bytes from the seed, holding about one chunk at a time. It
   * yields to the event loop between chunks, so timers (and memory samplers)
   * keep running while a consumer drains it.
   */
  readonly stream: AsyncIterable<Buffer>;
  /** The same bytes, synchronously (for callers that do not need the event loop to run). */
  chunks(): Iterable<Buffer>;
}

const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * A valid Terraform v4 state of at least `targetBytes`, generated chunk by
 * chunk without ever being held whole. The layout is Terraform's exactly
 * (Go's MarshalIndent with two spaces, Terraform's key and resource order,
 * `<>&` escaped), so parsing and re-formatting it gives the same bytes.
 * Content: a few root resources, then `module.service["svc-NNNNNNNN"]`
 * instances of ~30 KB each (EC2 instances with tags and nested blocks, RDS
 * with a sensitive password and a number beyond 2^53, S3 with a JSON policy,
 * Route53 for_each records, deposed objects now and then).
 */
export function generateLargeState(options: LargeStateOptions): LargeState {
  if (!Number.isSafeInteger(options.targetBytes) || options.targetBytes < 0)
    throw new RangeError(`targetBytes must be a non-negative integer, got ${options.targetBytes}`);
  const seed = options.seed ?? 1;
  const identity = new SeededRandom(seed);
  const lineage = options.lineage ?? identity.uuid();
  const serial = options.serial ?? identity.int(1, 100_000);
  const settings: GeneratorSettings = {
    seed,
    lineage,
    serial,
    targetBytes: options.targetBytes,
    chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
  };
  return {
    lineage,
    serial,
    stream: {
      async *[Symbol.asyncIterator]() {
        for (const chunk of generateChunks(settings)) {
          yield chunk;
          await yieldToEventLoop();
        }
      },
    },
    chunks: () => generateChunks(settings),
  };
}

interface GeneratorSettings {
  seed: number;
  lineage: string;
  serial: number;
  targetBytes: number;
  chunkBytes: number;
}

function* generateChunks(settings: GeneratorSettings): Generator<Buffer> {
  // Resource content draws from its own sequence, so overriding lineage or
  // serial does not change the resources.
  const random = new SeededRandom(settings.seed ^ 0x5eed5eed);
  let pending: string[] = [];
  let pendingChars = 0;
  // Characters, not bytes: the text is mostly ASCII and a character is never
  // more bytes than one, so counting characters can only stop late, not early.
  let written = 0;

  function* push(text: string): Generator<Buffer> {
    pending.push(text);
    pendingChars += text.length;
    written += text.length;
    if (pendingChars >= settings.chunkBytes) {
      const chunk = Buffer.from(pending.join(''), 'utf8');
      pending = [];
      pendingChars = 0;
      yield chunk;
    }
  }

  yield* push(
    `{\n  "version": 4,\n  "terraform_version": "1.11.4",\n  "serial": ${settings.serial},\n  "lineage": ${goJsonString(settings.lineage)},\n` +
      `  "outputs": ${goJsonIndent(outputs(random), '  ')},\n  "resources": [`,
  );
  let first = true;
  for (const resource of rootResources(random)) {
    yield* push(`${first ? '' : ','}\n    ${goJsonIndent(resource, '    ')}`);
    first = false;
  }
  for (let index = 0; written < settings.targetBytes; index++) {
    for (const resource of serviceResources(index, random)) yield* push(`,\n    ${goJsonIndent(resource, '    ')}`);
  }
  yield* push('\n  ],\n  "check_results": null\n}\n');
  if (pending.length > 0) yield Buffer.from(pending.join(''), 'utf8');
}

function outputs(random: SeededRandom): JsonObject {
  const subnets = [0, 1, 2].map(() => `subnet-${random.hex(17)}`);
  return {
    build_id: { value: new JsonNumber('18014398509481985'), type: 'number' },
    db_master_password: { value: `pw-${random.hex(24)}`, type: 'string', sensitive: true },
    region: { value: 'eu-west-1', type: 'string' },
    subnet_ids: { value: subnets, type: ['tuple', ['string', 'string', 'string']] },
  };
}

export interface WrittenLargeState {
  path: string;
  size: number;
  /** Hex sha256 of the file. */
  sha256: string;
  lineage: string;
  serial: number;
}

/** Write a generated state of at least `targetBytes` to `path`, streaming. */
export async function writeLargeStateFile(
  path: string,
  targetBytes: number,
  options: Omit<LargeStateOptions, 'targetBytes'> = {},
): Promise<WrittenLargeState> {
  const state = generateLargeState({ ...options, targetBytes });
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    Readable.from(state.stream),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(path),
  );
  return { path, size, sha256: hash.digest('hex'), lineage: state.lineage, serial: state.serial };
}
