// The general scanner's hot loop: find where a JSON array or object ends,
// tracking strings, escapes and nesting, in any layout. It is resumable, so
// a value may span any number of chunks.

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;

/** `scan` needs more bytes: call it again from `resumeAt` once they are there. */
export const SCAN_MORE = -1;
/** A closing bracket does not match the open one; `problemAt` says where. */
export const SCAN_MISMATCH = -2;
/** Nesting went deeper than the limit; `problemAt` says where. */
export const SCAN_TOO_DEEP = -3;

export class ContainerScanner {
  /** Where to continue after SCAN_MORE; may be one past the end when a chunk ends in `\`. */
  resumeAt = 0;
  /** Index of the offending byte after SCAN_MISMATCH or SCAN_TOO_DEEP. */
  problemAt = 0;
  private depth = 0;
  private inString = false;
  /** The open bracket at each depth, so `{]` is caught, not just miscounted. */
  private readonly openers: Uint8Array;
  /** How many deep the nesting may go inside this value (the limit minus what encloses it). */
  private readonly room: number;

  constructor(enclosingDepth: number, maxDepth: number) {
    this.room = Math.max(0, maxDepth - enclosingDepth);
    this.openers = new Uint8Array(this.room + 1);
  }

  /** Start on a new value whose opening bracket is the first byte scanned. */
  reset(): void {
    this.depth = 0;
    this.inString = false;
  }

  /**
   * Scans `bytes[from, end)` and returns the index just past the bracket
   * that closes the value, or one of the negative SCAN_ codes.
   * One loop with the string state in a local: this is where the general
   * path spends its time, so it avoids calls and property writes per byte.
   */
  scan(bytes: Uint8Array, from: number, end: number): number {
    let i = from;
    let depth = this.depth;
    const openers = this.openers;
    const room = this.room;
    if (this.inString) {
      for (;;) {
        if (i >= end) return this.suspend(i, depth, true);
        const c = bytes[i++];
        if (c === QUOTE) break;
        // Skipping the escaped byte is enough: an escape is `\` plus one
        // ASCII byte (the hex digits of \uXXXX need no special care).
        if (c === BACKSLASH) i++;
      }
    }
    while (i < end) {
      const c = bytes[i++];
      if (c === QUOTE) {
        for (;;) {
          if (i >= end) return this.suspend(i, depth, true);
          const d = bytes[i++];
          if (d === QUOTE) break;
          if (d === BACKSLASH) i++;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (depth >= room) {
          this.problemAt = i - 1;
          return SCAN_TOO_DEEP;
        }
        openers[depth++] = c;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        const opener = c === CLOSE_BRACE ? OPEN_BRACE : OPEN_BRACKET;
        if (depth === 0 || openers[--depth] !== opener) {
          this.problemAt = i - 1;
          return SCAN_MISMATCH;
        }
        if (depth === 0) {
          this.depth = 0;
          this.inString = false;
          return i;
        }
      }
    }
    return this.suspend(i, depth, false);
  }

  private suspend(at: number, depth: number, inString: boolean): number {
    this.resumeAt = at;
    this.depth = depth;
    this.inString = inString;
    return SCAN_MORE;
  }
}

/**
 * Index just past the quote that closes the string whose opening quote is
 * at `from - 1`, or -1 when `bytes` ends first.
 */
export function findStringEnd(bytes: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const c = bytes[i++];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i++;
  }
  return -1;
}
