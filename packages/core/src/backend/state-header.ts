/**
 * The serial and lineage of a state, for its version row, read from the
 * first bytes only: Terraform writes `version`, `terraform_version`,
 * `serial`, `lineage` first, so a streamed state of any size yields them
 * from its head. The backend stores bytes, not states: anything that is
 * not a JSON object with these top-level keys near the start just gets no
 * serial or lineage.
 */

/** How much of the head is looked at. */
export const HEADER_BYTES = 64 * 1024;

export interface StoredStateHeader {
  serial: number | undefined;
  lineage: string | undefined;
}

/** Collects the head of a stream as it passes, then reads it. */
export class HeaderSniffer {
  readonly #pieces: Buffer[] = [];
  #size = 0;

  push(chunk: Uint8Array): void {
    if (this.#size >= HEADER_BYTES) return;
    const piece = Buffer.from(chunk.subarray(0, HEADER_BYTES - this.#size));
    this.#pieces.push(piece);
    this.#size += piece.byteLength;
  }

  header(): StoredStateHeader {
    return readStateHeader(Buffer.concat(this.#pieces, this.#size));
  }
}

/**
 * A small scanner over the top-level object: skips nested values and
 * strings properly (so a `"serial"` inside a resource is never taken), and
 * stops at the end of the head. A cut-off value is treated as absent.
 */
export function readStateHeader(head: Buffer): StoredStateHeader {
  const text = head.toString('utf8');
  const header: StoredStateHeader = { serial: undefined, lineage: undefined };
  let i = skipSpace(text, 0);
  if (text[i] !== '{') return header;
  i++;
  while (i < text.length) {
    i = skipSpace(text, i);
    if (text[i] !== '"') return header;
    const key = readString(text, i);
    if (!key) return header;
    i = skipSpace(text, key.end);
    if (text[i] !== ':') return header;
    i = skipSpace(text, i + 1);
    if (key.value === 'serial') {
      const match = /^\d+(?=[\s,}])/.exec(text.slice(i, i + 32));
      if (match) {
        const serial = Number(match[0]);
        // Version rows keep serials that fit a bigint and a JS number exactly; others are left out rather than rounded.
        if (Number.isSafeInteger(serial)) header.serial = serial;
      }
    } else if (key.value === 'lineage' && text[i] === '"') {
      const lineage = readString(text, i);
      if (lineage) header.lineage = lineage.value;
    }
    if (header.serial !== undefined && header.lineage !== undefined) return header;
    const end = skipValue(text, i);
    if (end === undefined) return header;
    i = skipSpace(text, end);
    if (text[i] === ',') i++;
    else return header;
  }
  return header;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return i;
}

/** A JSON string starting at `from` (a `"`), or undefined when cut off or malformed. */
function readString(text: string, from: number): { value: string; end: number } | undefined {
  let i = from + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') {
      try {
        const value: unknown = JSON.parse(text.slice(from, i + 1));
        return typeof value === 'string' ? { value, end: i + 1 } : undefined;
      } catch (error) {
        // A malformed escape: not a state header we can read, which is allowed (the bytes are opaque here).
        if (error instanceof SyntaxError) return undefined;
        throw error;
      }
    } else i++;
  }
  return undefined;
}

/** The index just after the JSON value starting at `from`, or undefined when it runs past the head. */
function skipValue(text: string, from: number): number | undefined {
  const first = text[from];
  if (first === '"') return readString(text, from)?.end;
  if (first !== '{' && first !== '[') {
    let i = from;
    while (i < text.length && !/[\s,}\]]/.test(text.charAt(i))) i++;
    return i < text.length ? i : undefined;
  }
  let depth = 0;
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const string = readString(text, i);
      if (!string) return undefined;
      i = string.end;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return undefined;
}
