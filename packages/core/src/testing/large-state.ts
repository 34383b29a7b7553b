import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { JsonNumber, type JsonObject } from '../json/json-value.js';
import { goJsonIndent, goJsonString } from './go-json.js';
import { LargeStateMutator, checkMutation, type LargeStateChanges, type LargeStateMutation } from './large-state-mutation.js';
import { resourceJson, rootResources, serviceResources, type ResourceSpec } from './large-state-resources.js';
import { SecretPlanter, type LargeStateSecrets, type PlantedSecret } from './large-state-secrets.js';
import { SeededRandom } from './random.js';

export type { LargeStateChanges, LargeStateMutation } from './large-state-mutation.js';
export type { LargeStateSecrets, PlantedSecret, PlantedSecretKind } from './large-state-secrets.js';

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
  /**
   * Generate a modified copy of the state these options give without
   * `mutate`: same lineage, serial + 1, the same resources except every Nth,
   * which is changed, has one instance more, or is gone. `changes()` says
   * which instances differ, so a diff of the two can be checked against it.
   */
  mutate?: LargeStateMutation;
  /**
   * Plant plaintext secrets (PEM keys, AWS key IDs, GitHub/GitLab/Slack
   * tokens, JWTs, connection strings) as the `id` of every Nth resource's
   * first instance; `planted()` lists them.
   */
  secrets?: LargeStateSecrets;
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
  /**
   * What this state differs in from the one generated without `mutate`
   * (empty lists without it). Known once the bytes have been generated to
   * the end; called before that, it generates them once, discarding them.
   */
  changes(): LargeStateChanges;
  /** The secrets planted with `secrets` (empty without it); like `changes()`, known once generated. */
  planted(): PlantedSecret[];
}

const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * A valid Terraform v4 state of at least `targetBytes`, generated chunk by
 * chunk without ever being held whole. The layout is Terraform's exactly
 * (Go's MarshalIndent with two spaces, Terraform's key and resource order,
 * `<>&` escaped), so parsing and re-formatting it gives the same bytes.
 * Content: a few root resources, then `module.service["svc-NNNNNNNN"]`
 * instances of 40 to 60 KB each: EC2 instances (count) with tags and nested
 * blocks, tainted or deposed now and then; RDS with a sensitive password and
 * a number beyond 2^53; S3 with a JSON policy; Route53 for_each records; an
 * AMI data source; and a nested `module.monitoring` with CloudWatch alarms
 * (count, 12 of them in every fourth service), an IAM policy document data
 * source, an SNS topic and a subscription with a sensitive endpoint. With
 * `mutate`, a modified copy.
 */
export function generateLargeState(options: LargeStateOptions): LargeState {
  if (!Number.isSafeInteger(options.targetBytes) || options.targetBytes < 0)
    throw new RangeError(`targetBytes must be a non-negative integer, got ${options.targetBytes}`);
  const seed = options.seed ?? 1;
  const identity = new SeededRandom(seed);
  const lineage = options.lineage ?? identity.uuid();
  const baseSerial = options.serial ?? identity.int(1, 100_000);
  const mutate = options.mutate;
  // Fail here rather than on the first iteration.
  if (mutate !== undefined) checkMutation(mutate);
  let changes: LargeStateChanges | undefined = mutate === undefined ? { added: [], removed: [], changed: [] } : undefined;
  let planted: PlantedSecret[] | undefined = options.secrets === undefined ? [] : undefined;
  const settings: GeneratorSettings = {
    seed,
    lineage,
    serial: mutate === undefined ? baseSerial : baseSerial + 1,
    baseSerial,
    targetBytes: options.targetBytes,
    chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    mutate,
    secrets: options.secrets,
    onEnd: (report, secrets) => {
      changes = report;
      planted = secrets;
    },
  };
  const generateAll = () => {
    const pass = generateChunks(settings);
    let step = pass.next();
    while (step.done !== true) step = pass.next();
  };
  return {
    lineage,
    serial: settings.serial,
    stream: {
      async *[Symbol.asyncIterator]() {
        for (const chunk of generateChunks(settings)) {
          yield chunk;
          await yieldToEventLoop();
        }
      },
    },
    chunks: () => generateChunks(settings),
    changes: () => {
      if (changes === undefined) generateAll();
      const known = changes ?? { added: [], removed: [], changed: [] };
      return { added: [...known.added], removed: [...known.removed], changed: [...known.changed] };
    },
    planted: () => {
      if (planted === undefined) generateAll();
      return (planted ?? []).map((secret) => ({ ...secret }));
    },
  };
}

interface GeneratorSettings {
  seed: number;
  lineage: string;
  serial: number;
  /** The serial of the state without mutation. */
  baseSerial: number;
  targetBytes: number;
  chunkBytes: number;
  mutate: LargeStateMutation | undefined;
  secrets: LargeStateSecrets | undefined;
  /** Called when a pass has generated the whole state, with what the mutation changed and the secrets planted. */
  onEnd: (changes: LargeStateChanges, planted: PlantedSecret[]) => void;
}

const RESOURCE_INDENT = '    ';

/** The state's bytes in chunks; returns (and reports through `onEnd`) what the mutation changed. */
function* generateChunks(settings: GeneratorSettings): Generator<Buffer, LargeStateChanges> {
  // Resource content draws from its own sequence, so overriding lineage or
  // serial does not change the resources.
  const random = new SeededRandom(settings.seed ^ 0x5eed5eed);
  const mutator = settings.mutate === undefined ? undefined : new LargeStateMutator(settings.mutate);
  const planter = settings.secrets === undefined ? undefined : new SecretPlanter(settings.secrets);
  let pending: string[] = [];
  let pendingChars = 0;
  // The size of the state without mutation decides when to stop, so a
  // modified copy has the same services as its base. Characters, not bytes:
  // the text is mostly ASCII and a character is never more bytes than one,
  // so counting characters can only stop late, not early.
  let baseChars = 0;
  let baseResources = 0;
  let writtenResources = 0;

  function* push(text: string): Generator<Buffer> {
    pending.push(text);
    pendingChars += text.length;
    if (pendingChars >= settings.chunkBytes) {
      const chunk = Buffer.from(pending.join(''), 'utf8');
      pending = [];
      pendingChars = 0;
      yield chunk;
    }
  }

  function* resource(generated: ResourceSpec): Generator<Buffer> {
    // Planted secrets are part of the base state: a modified copy has them too.
    const spec = planter === undefined ? generated : planter.apply(generated);
    const kept = mutator === undefined ? spec : mutator.apply(spec);
    const text = kept === undefined ? undefined : goJsonIndent(resourceJson(kept), RESOURCE_INDENT);
    const baseText = kept === spec && text !== undefined ? text : goJsonIndent(resourceJson(spec), RESOURCE_INDENT);
    baseChars += (baseResources++ === 0 ? 1 : 2) + RESOURCE_INDENT.length + baseText.length;
    if (text !== undefined) yield* push(`${writtenResources++ === 0 ? '' : ','}\n${RESOURCE_INDENT}${text}`);
  }

  const header =
    `{\n  "version": 4,\n  "terraform_version": "1.11.4",\n  "serial": ${settings.serial},\n  "lineage": ${goJsonString(settings.lineage)},\n` +
    `  "outputs": ${goJsonIndent(outputs(random), '  ')},\n  "resources": [`;
  baseChars += header.length - String(settings.serial).length + String(settings.baseSerial).length;
  yield* push(header);
  for (const spec of rootResources(random)) yield* resource(spec);
  for (let index = 0; baseChars < settings.targetBytes; index++) {
    for (const spec of serviceResources(index, random)) yield* resource(spec);
  }
  // Go writes an empty array as [] on one line.
  yield* push(`${writtenResources === 0 ? '' : '\n  '}],\n  "check_results": null\n}\n`);
  if (pending.length > 0) yield Buffer.from(pending.join(''), 'utf8');
  const changes = mutator?.report() ?? { added: [], removed: [], changed: [] };
  settings.onEnd(changes, planter?.report() ?? []);
  return changes;
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
  /** What the file differs in from the state written without `mutate` (empty lists without it). */
  changes: LargeStateChanges;
  /** The secrets planted with `secrets` (empty without it). */
  planted: PlantedSecret[];
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
  return { path, size, sha256: hash.digest('hex'), lineage: state.lineage, serial: state.serial, changes: state.changes(), planted: state.planted() };
}
