import { compareInstanceAddresses } from '../address/compare.js';
import { parseAddress, parseModuleAddress } from '../address/parse.js';
import type { ModuleStep, ResourceInstanceAddress } from '../address/types.js';
import { inspectResources, type InspectOptions } from './inspect-resources.js';
import { compileResourceFilter, type ResourceFilter } from './resource-filter.js';

export interface ListAddressesOptions extends InspectOptions, ResourceFilter {}

interface AddressGroup {
  /** The resource's address without an instance key: what groups are sorted by. */
  resource: ResourceInstanceAddress;
  lines: string[];
}

/**
 * The lines `terraform state list` prints for the state read from `source`,
 * in its order, computed on the engine: each resource's lines come from the
 * workers, then the resources are sorted into Terraform's global order.
 * Without filters the result equals `listInstanceAddresses(parseState(bytes))`.
 *
 * Entries that share a resource address (Terraform merges them) are merged
 * the same way. Throws InvalidStateError (TEMPEH_E_INVALID_STATE) for a
 * state Tempeh's state model refuses, StateVersionError for a version other
 * than 4, and InvalidAddressError for a `module` filter that does not parse.
 *
 * Memory: Terraform writes resources in this order already, so while they
 * arrive in order only the output lines are kept (a 1 GB state lists
 * 300,000 lines). Only input out of order, or an address split over several
 * entries, costs a re-parse of each resource's first line to sort and merge.
 */
export async function listAddresses(source: AsyncIterable<Uint8Array>, options: ListAddressesOptions = {}): Promise<string[]> {
  const collected = await collectAddresses(source, options, new StringLines());
  return collected.inOrder ? collected.text.lines() : sortAndMerge(collected.text.lines(), collected.starts);
}

/**
 * What `terraform state list` prints, as UTF-8 chunks of newline-terminated
 * lines: the same lines as `listAddresses`, for writing out. While the
 * input is in Terraform's order the lines never become JS strings held
 * together, which keeps a 300,000-line listing to its ~20 MB of text.
 */
export async function listAddressesText(source: AsyncIterable<Uint8Array>, options: ListAddressesOptions = {}): Promise<Uint8Array[]> {
  const collected = await collectAddresses(source, options, new TextChunks());
  if (collected.inOrder) return collected.text.chunks();
  const text = new TextChunks();
  text.add(sortAndMerge(collected.text.lines(), collected.starts));
  return text.chunks();
}

/** Where the collected lines are kept. */
interface LineSink {
  readonly lineCount: number;
  add(lines: readonly string[]): void;
  lines(): string[];
}

interface CollectedAddresses<Sink extends LineSink> {
  text: Sink;
  /** Where each resource's lines start, in lines. */
  starts: number[];
  /** The resources arrived in Terraform's order with no address twice: the lines are the answer as they are. */
  inOrder: boolean;
}

async function collectAddresses<Sink extends LineSink>(
  source: AsyncIterable<Uint8Array>,
  options: ListAddressesOptions,
  text: Sink,
): Promise<CollectedAddresses<Sink>> {
  const keep = compileResourceFilter(options);
  const starts: number[] = [];
  let previous: ResourceInstanceAddress | undefined;
  let inOrder = true;
  let moduleText = '';
  let module: ModuleStep[] = [];
  for await (const inspected of inspectResources(source, options)) {
    if (inspected.addresses.length === 0 || !keep(inspected)) continue;
    starts.push(text.lineCount);
    text.add(inspected.addresses);
    if (!inOrder) continue;
    // Consecutive resources mostly share a module: parse each module path once per run of it.
    if (inspected.module !== moduleText || previous === undefined) {
      moduleText = inspected.module;
      module = moduleText === '' ? [] : parseModuleAddress(moduleText);
    }
    const resource: ResourceInstanceAddress = { module, mode: inspected.mode === 'data' ? 'data' : 'managed', type: inspected.type, name: inspected.name };
    if (previous !== undefined && compareInstanceAddresses(previous, resource) >= 0) inOrder = false;
    previous = resource;
  }
  return { text, starts, inOrder };
}

const CHUNK_CHARS = 64 * 1024;

/** Lines kept as they are: exact for every string, lone surrogates included. */
class StringLines implements LineSink {
  readonly #lines: string[] = [];

  get lineCount(): number {
    return this.#lines.length;
  }

  add(lines: readonly string[]): void {
    for (const line of lines) this.#lines.push(line);
  }

  lines(): string[] {
    return this.#lines;
  }
}

/**
 * Lines kept as UTF-8 chunks outside the JS heap, for writing out (where
 * they become UTF-8 anyway). Addresses never hold a raw newline: Terraform
 * escapes it as `\n`.
 */
class TextChunks implements LineSink {
  readonly #chunks: Uint8Array[] = [];
  #pending: string[] = [];
  #pendingChars = 0;
  lineCount = 0;

  add(lines: readonly string[]): void {
    for (const line of lines) {
      this.#pending.push(line);
      this.#pendingChars += line.length + 1;
    }
    this.lineCount += lines.length;
    if (this.#pendingChars >= CHUNK_CHARS) this.#flush();
  }

  /** The newline-terminated text, in chunks. */
  chunks(): Uint8Array[] {
    this.#flush();
    return this.#chunks;
  }

  /** The lines as strings. */
  lines(): string[] {
    const lines: string[] = [];
    for (const chunk of this.chunks()) {
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      // Each chunk ends with a newline: the last element of the split is empty.
      const parts = text.split('\n');
      parts.pop();
      for (const line of parts) lines.push(line);
    }
    return lines;
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#chunks.push(Buffer.from(`${this.#pending.join('\n')}\n`, 'utf8'));
    this.#pending = [];
    this.#pendingChars = 0;
  }
}

/** The lines regrouped per resource, the resources in Terraform's order, entries of one address merged. */
function sortAndMerge(lines: readonly string[], starts: readonly number[]): string[] {
  const groups: AddressGroup[] = starts.map((start, g) => {
    const groupLines = lines.slice(start, starts[g + 1] ?? lines.length);
    const { module, mode, type, name } = parseAddress(groupLines[0] ?? '');
    return { resource: { module, mode, type, name }, lines: groupLines };
  });
  // A stable sort keeps each resource's lines together.
  groups.sort((a, b) => compareInstanceAddresses(a.resource, b.resource));
  const sorted: string[] = [];
  for (let start = 0; start < groups.length; ) {
    let end = start + 1;
    while (end < groups.length && compareInstanceAddresses(at(groups, start).resource, at(groups, end).resource) === 0) end++;
    if (end - start === 1) sorted.push(...at(groups, start).lines);
    else sorted.push(...mergeGroups(groups.slice(start, end)));
    start = end;
  }
  return sorted;
}

/** Entries of one resource address spread over several resources: one line per instance, in key order. */
function mergeGroups(groups: readonly AddressGroup[]): string[] {
  const byText = new Map<string, ResourceInstanceAddress>();
  for (const group of groups) for (const line of group.lines) if (!byText.has(line)) byText.set(line, parseAddress(line));
  return [...byText.entries()].sort(([, a], [, b]) => compareInstanceAddresses(a, b)).map(([text]) => text);
}

function at(groups: readonly AddressGroup[], index: number): AddressGroup {
  const group = groups[index];
  if (group === undefined) throw new RangeError(`no address group at ${index}`);
  return group;
}
