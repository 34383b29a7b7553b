import { compareInstanceAddresses } from '../address/compare.js';
import { parseAddress } from '../address/parse.js';
import type { ResourceInstanceAddress } from '../address/types.js';
import { StringLines, TextLines, type AddressLines, type TextLinesOptions } from './address-lines.js';
import { ResourceOrder } from './address-order.js';
import { inspectResources, type InspectOptions } from './inspect-resources.js';
import { compileResourceFilter, type ResourceFilter } from './resource-filter.js';

export interface ListAddressesOptions extends InspectOptions, ResourceFilter {}

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
 */
export async function listAddresses(source: AsyncIterable<Uint8Array>, options: ListAddressesOptions = {}): Promise<string[]> {
  const lines = new StringLines();
  const order = await collect(source, options, lines);
  return order === undefined ? lines.all() : inTerraformOrder(order, lines);
}

/**
 * What `terraform state list` prints, as UTF-8 chunks of newline-terminated
 * lines: the same lines as `listAddresses`, for writing out. The whole state
 * is read and checked before the promise resolves, so a broken state gives
 * an error and no output, as with terraform.
 *
 * Memory stays bounded whatever the listing's length: beyond
 * `spillAboveBytes` of text (default 16 MiB) the lines go to a temporary
 * file, and what is left in memory to put them in Terraform's order is
 * about 20 bytes per resource (a 3 GB state: about 1,000,000 resources).
 * Iterate the result to the end, or call its `close()`, to remove the file.
 */
export async function listAddressesText(source: AsyncIterable<Uint8Array>, options: ListAddressesTextOptions = {}): Promise<AddressText> {
  const lines = new TextLines({ spillAboveBytes: options.spillAboveBytes, tempDir: options.tempDir });
  try {
    const order = await collect(source, options, lines);
    lines.seal();
    const text = order === undefined ? lines.all() : inTerraformOrder(order, lines);
    return {
      spilled: lines.spilled,
      close: () => lines.close(),
      async *[Symbol.asyncIterator]() {
        try {
          yield* text;
        } finally {
          lines.close();
        }
      },
    };
  } catch (error) {
    lines.close();
    throw error;
  }
}

export interface ListAddressesTextOptions extends ListAddressesOptions, TextLinesOptions {}

/** The listing's text, iterable once. */
export interface AddressText extends AsyncIterable<Uint8Array> {
  /** True when the text went through a temporary file. */
  readonly spilled: boolean;
  /** Removes the temporary file without reading the rest (iterating to the end does it too). */
  close(): void;
}

/** Stores every kept resource's lines; returns the resources' sort keys, or undefined when they arrived in Terraform's order already. */
async function collect(source: AsyncIterable<Uint8Array>, options: ListAddressesOptions, lines: AddressLines<unknown>): Promise<ResourceOrder | undefined> {
  const keep = compileResourceFilter(options);
  const order = new ResourceOrder();
  let inOrder = true;
  for await (const inspected of inspectResources(source, options)) {
    if (inspected.addresses.length === 0 || !keep(inspected)) continue;
    lines.add(inspected.addresses);
    const added = order.add(inspected);
    // Zero means a second entry of one address: those are merged, which the sort does.
    if (inOrder && added > 0 && order.compare(added - 1, added) >= 0) inOrder = false;
  }
  return inOrder ? undefined : order;
}

/** The stored lines with the resources in Terraform's order, entries of one address merged. */
function inTerraformOrder<Output>(order: ResourceOrder, lines: AddressLines<Output>): Output {
  const sorted = order.sorted();
  const out = lines.output();
  for (let start = 0; start < sorted.length; ) {
    const first = sorted[start] ?? 0;
    let end = start + 1;
    while (end < sorted.length && order.compare(first, sorted[end] ?? 0) === 0) end++;
    if (end - start === 1) out.appendGroup(first);
    else out.appendLines(mergeEntries([...sorted.subarray(start, end)].map((group) => lines.linesOf(group))));
    start = end;
  }
  return out.finish();
}

/** Entries of one resource address spread over several resources: one line per instance, in key order. */
function mergeEntries(entries: readonly string[][]): string[] {
  const byText = new Map<string, ResourceInstanceAddress>();
  for (const entry of entries) for (const line of entry) if (!byText.has(line)) byText.set(line, parseAddress(line));
  return [...byText.entries()].sort(([, a], [, b]) => compareInstanceAddresses(a, b)).map(([text]) => text);
}
