const JSON_NUMBER_BRAND: unique symbol = Symbol.for('tempeh.json.number');

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
  /**
   * `instanceof` also recognises JsonNumbers made by another copy of this
   * module (the built dist/ next to src/ in tests, two installed versions):
   * the brand is a registered symbol, like KEY_ORDER.
   */
  static [Symbol.hasInstance](value: unknown): value is JsonNumber {
    return typeof value === 'object' && value !== null && Reflect.get(value, JSON_NUMBER_BRAND) === true;
  }
  get [JSON_NUMBER_BRAND](): true {
    return true;
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

/**
 * The source key order recorded on `object` by the parser, or set with
 * `setKeyOrder`; `undefined` when the object's own enumeration order is
 * already its order.
 */
export function getKeyOrder(object: object): readonly string[] | undefined {
  if (!Object.hasOwn(object, KEY_ORDER)) return undefined;
  const order: unknown = Reflect.get(object, KEY_ORDER);
  if (!Array.isArray(order)) return undefined;
  return order.every((key) => typeof key === 'string') ? order : undefined;
}

/**
 * Records the order in which `object`'s keys are to be written (a
 * non-enumerable own property, so it never shows up as data). Keys of the
 * object missing from `keys` are written after them.
 */
export function setKeyOrder(object: object, keys: readonly string[]): void {
  Object.defineProperty(object, KEY_ORDER, { value: keys, enumerable: false, writable: true, configurable: true });
}

/** A plain JSON object (not an array, not null, not a JsonNumber). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A readable path to a place in a JSON document, as used in error messages:
 * `$.resources[3].instances[0]["index-key"]`.
 */
export function formatJsonPath(segments: readonly (string | number | symbol)[]): string {
  let path = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (typeof segment === 'symbol') path += `[${String(segment)}]`;
    else path += IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return path;
}
