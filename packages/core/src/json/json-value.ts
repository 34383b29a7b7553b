/**
 * JSON values as Tempeh holds them. Numbers whose text would not survive a
 * trip through a JS double (beyond 2^53, long decimals, `1.0`, `1e5`) are kept
 * as `JsonNumber`, which carries the exact source text; every other number is
 * a plain `number`. Serialising writes `JsonNumber.raw` back verbatim.
 */
export class JsonNumber {
  readonly raw: string;
  constructor(raw: string) {
    this.raw = raw;
  }
  /** The nearest double; lossy by definition for the values stored here. */
  valueOf(): number {
    return Number(this.raw);
  }
  toString(): string {
    return this.raw;
  }
  toJSON(): string {
    return this.raw;
  }
}

export type JsonPrimitive = null | boolean | number | string | JsonNumber;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * JS objects enumerate integer-like keys ("2", "10") first and in numeric
 * order, whatever order they were inserted in. The parser records the source
 * order under this symbol on any object where the two differ, and the
 * serialiser honours it, so `{"10":…,"2":…}` is written back as it was read.
 */
export const KEY_ORDER: unique symbol = Symbol.for('tempeh.json.keyOrder');
