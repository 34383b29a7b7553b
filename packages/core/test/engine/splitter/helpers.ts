import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { expect } from 'vitest';
import { TempehError } from '../../../src/errors.js';
import { splitState, type RawResource, type SplitStateOptions, type SplitSummary } from '../../../src/engine/splitter/index.js';

export const FIXTURES_ROOT = fileURLToPath(new URL('../../../../../fixtures/', import.meta.url));

/** Every *.tfstate under fixtures/terraform and fixtures/odd-keys, as paths relative to fixtures/. */
export function fixtureStates(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.tfstate')) found.push(relative(FIXTURES_ROOT, path));
    }
  };
  walk(join(FIXTURES_ROOT, 'terraform'));
  walk(join(FIXTURES_ROOT, 'odd-keys'));
  return found;
}

export function readFixture(path: string): Buffer {
  return readFileSync(join(FIXTURES_ROOT, path));
}

/** The same state in other layouts: compact, CRLF line breaks, tab indentation. */
export function variants(file: Buffer): Record<string, Buffer> {
  const value: unknown = JSON.parse(file.toString('utf8'));
  // JSON.stringify escapes every newline inside strings, so replacing line breaks touches only layout.
  const pretty = JSON.stringify(value, null, 2);
  return {
    original: file,
    compact: Buffer.from(JSON.stringify(value)),
    crlf: Buffer.from(pretty.replace(/\n/g, '\r\n') + '\r\n'),
    tabs: Buffer.from(JSON.stringify(value, null, '\t')),
  };
}

/** `bytes` cut into chunks of `size` bytes (views, as a file stream would hand them over). */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** `bytes` cut at the given offsets. */
export async function* cutAt(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= from || cut >= bytes.length) continue;
    yield bytes.subarray(from, cut);
    from = cut;
  }
  yield bytes.subarray(from);
}

export interface Split {
  resources: RawResource[];
  summary: SplitSummary;
  batches: number;
}

/** Runs the splitter to the end, checking each batch's shape on the way. */
export async function split(source: AsyncIterable<Uint8Array>, options: SplitStateOptions = {}): Promise<Split> {
  const splitter = splitState(source, options);
  const resources: RawResource[] = [];
  let batches = 0;
  for await (const batch of splitter) {
    batches++;
    let total = 0;
    for (const resource of batch.resources) {
      expect(resource.bytes.buffer).toBe(batch.buffer);
      total += resource.bytes.byteLength;
      resources.push(resource);
    }
    expect(batch.bytes).toBe(total);
    expect(batch.buffer.byteLength).toBe(total);
  }
  return { resources, summary: splitter.summary, batches };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function parseBytes(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes));
}

/**
 * The whole check against JSON.parse: each resource slice is exactly the
 * input's bytes at its offset and parses to the same element; each field
 * likewise; the key order is the input's.
 */
export function expectMatchesJsonParse(file: Buffer, result: Split): void {
  const whole: unknown = JSON.parse(file.toString('utf8'));
  if (typeof whole !== 'object' || whole === null || Array.isArray(whole)) throw new Error('fixture is not an object');
  const expected = new Map(Object.entries(whole));
  const resources = expected.get('resources');
  if (!Array.isArray(resources)) throw new Error('fixture has no resources array');
  expect(result.resources.length).toBe(resources.length);
  expect(result.summary.resourceCount).toBe(resources.length);
  result.resources.forEach((resource, i) => {
    expect(resource.index).toBe(i);
    expect(Buffer.compare(Buffer.from(resource.bytes), file.subarray(resource.offset, resource.offset + resource.bytes.length))).toBe(0);
    expect(resource.bytes[0]).toBe(0x7b);
    expect(resource.bytes[resource.bytes.length - 1]).toBe(0x7d);
    expect(parseBytes(resource.bytes)).toEqual(resources[i]);
  });
  const fieldKeys = result.summary.fields.map((field) => field.key);
  expect(fieldKeys).toEqual([...expected.keys()].filter((key) => key !== 'resources'));
  for (const field of result.summary.fields) {
    expect(Buffer.compare(Buffer.from(field.bytes), file.subarray(field.offset, field.offset + field.bytes.length))).toBe(0);
    expect(parseBytes(field.bytes)).toEqual(expected.get(field.key));
  }
  expect(result.summary.keyOrder).toEqual(topLevelKeyOrder(file));
  expect(result.summary.bytesRead).toBe(file.length);
}

/** Top-level keys in input order (Object.keys keeps it: no fixture has a digit-led top-level key). */
function topLevelKeyOrder(file: Buffer): string[] {
  const whole: unknown = JSON.parse(file.toString('utf8'));
  return typeof whole === 'object' && whole !== null ? Object.keys(whole) : [];
}

/** The elements of `resources` as stream-json's parser + pick + streamArray see them. */
export async function streamJsonResources(source: AsyncIterable<Uint8Array>): Promise<unknown[]> {
  const values: unknown[] = [];
  await pipeline(Readable.from(source), parser.asStream(), pick.asStream({ filter: 'resources' }), streamArray.asStream(), async (items: AsyncIterable<{ value: unknown }>) => {
    for await (const item of items) values.push(item.value);
  });
  return values;
}

/** The code of the TempehError `run` rejects with. */
export async function rejectionCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    if (err instanceof TempehError) return err.code;
    throw err;
  }
  throw new Error('expected an error, nothing was thrown');
}

/** The TempehError `run` rejects with. */
export async function rejection(run: () => Promise<unknown>): Promise<TempehError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof TempehError) return err;
    throw err;
  }
  throw new Error('expected an error, nothing was thrown');
}
