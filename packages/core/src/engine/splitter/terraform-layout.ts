// Terraform's layout (Go's MarshalIndent with two spaces). JSON forbids a raw
// newline inside a string, so in this layout a line break followed by exactly
// four spaces and a brace can only be the start or end of an element of a
// top-level array (`resources`, or `check_results` after it).

export const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
export const TOP_LEVEL_OPEN = Buffer.from('{\n  "');
export const TOP_LEVEL_KEY = Buffer.from('\n  "');
export const RESOURCES_OPEN = Buffer.from(' [');
export const EMPTY_ARRAY_CLOSE = Buffer.from(']');
export const ELEMENT_OPEN = Buffer.from('\n    {');
export const ELEMENT_FIRST_KEY = Buffer.from('{\n      "');
export const ELEMENT_CLOSE = Buffer.from('\n    }');
export const NEXT_ELEMENT = Buffer.from(',\n    {');
export const ARRAY_CLOSE = Buffer.from('\n  ]');
/** The `resources` key with its first element, as the line-based path expects them. */
export const RESOURCES_WITH_ELEMENT = Buffer.from('\n  "resources": [\n    {\n      "');

export function matchesAt(bytes: Uint8Array, at: number, expected: Uint8Array): boolean {
  if (at < 0 || at + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}

/** The elements found in one stretch of `resources` by `scanElementChain`. */
export type ElementChain =
  | {
      ok: true;
      /** Each element's input offset (its `{`) and byte length, in order. */
      offsets: number[];
      lengths: number[];
      /** Input offset of the element that follows the last one, when it lies at or after `end`. */
      next: number | undefined;
      /** Input offset of the `\n  ]` closing `resources`, when the stretch reaches it. */
      closedAt: number | undefined;
    }
  | { ok: false; reason: string };

/**
 * Walks `resources` elements the way the splitter's line-based path does,
 * from the element at input offset `start` until the next one starts at or
 * after `end`, or the array closes. `bytes` holds the input from offset
 * `base` and must reach past the last element's closing line and what
 * follows it. Every element must open with `{` and a first key line, close
 * at the first `\n    }` after it, and be followed by `,\n    {` or `\n  ]`;
 * anything else is `ok: false` (the caller then reads the input the
 * general way).
 */
export function scanElementChain(bytes: Buffer, base: number, start: number, end: number): ElementChain {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let at = start - base;
  for (;;) {
    if (!matchesAt(bytes, at, ELEMENT_FIRST_KEY)) return { ok: false, reason: `no element in Terraform's layout at byte ${base + at}` };
    const close = bytes.indexOf(ELEMENT_CLOSE, at + 1);
    if (close < 0) return { ok: false, reason: `the element at byte ${base + at} does not close within the range read` };
    const after = close + ELEMENT_CLOSE.length;
    offsets.push(base + at);
    lengths.push(after - at);
    if (matchesAt(bytes, after, NEXT_ELEMENT)) {
      at = after + NEXT_ELEMENT.length - 1;
      if (base + at >= end) return { ok: true, offsets, lengths, next: base + at, closedAt: undefined };
      continue;
    }
    if (matchesAt(bytes, after, ARRAY_CLOSE)) return { ok: true, offsets, lengths, next: undefined, closedAt: base + after };
    return { ok: false, reason: `the element at byte ${base + at} is not followed by ',' or the end of "resources" in Terraform's layout` };
  }
}
