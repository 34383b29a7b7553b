import { createHash } from 'node:crypto';
import { InvalidStateError } from '../../errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../json/json-value.js';
import { parseJson } from '../../json/parse-json.js';
import type { StateResource } from '../../state/types.js';

/**
 * One resource as a task sees it. Parsing and hashing are lazy and cached,
 * so a task that only hashes never pays for the parse.
 */
export interface ResourceView {
  /** Position of the resource in the state's `resources` array. */
  readonly index: number;
  /** Byte offset of the resource in the state file. */
  readonly offset: number;
  /** The resource's exact bytes (a view into the batch buffer; do not keep it past the task). */
  readonly bytes: Uint8Array;
  /** The resource parsed losslessly (big numbers stay `JsonNumber`). Throws InvalidStateError if it is not a resource object. */
  readonly resource: StateResource;
  /** Lower-case hex sha256 of `bytes`. */
  readonly sha256: string;
}

export function createResourceView(bytes: Uint8Array, index: number, offset: number): ResourceView {
  return new LazyResourceView(bytes, index, offset);
}

/** A class rather than an object literal with getters: created once per resource, so its cost counts. */
class LazyResourceView implements ResourceView {
  readonly bytes: Uint8Array;
  readonly index: number;
  readonly offset: number;
  #resource: StateResource | undefined;
  #sha256: string | undefined;

  constructor(bytes: Uint8Array, index: number, offset: number) {
    this.bytes = bytes;
    this.index = index;
    this.offset = offset;
  }

  get resource(): StateResource {
    this.#resource ??= toStateResource(parseJson(this.bytes), this.index);
    return this.#resource;
  }

  get sha256(): string {
    this.#sha256 ??= createHash('sha256').update(this.bytes).digest('hex');
    return this.#sha256;
  }
}

function toStateResource(value: JsonValue, index: number): StateResource {
  if (!isStateResource(value)) {
    throw new InvalidStateError(`resources[${index}] is not a resource object with type, name, mode, provider and instances`, {
      location: `$.resources[${index}]`,
    });
  }
  return value;
}

/** The shape the tasks rely on; full validation is the validator's job. */
export function isStateResource(value: unknown): value is JsonObject & StateResource {
  return (
    isJsonObject(value) &&
    typeof value.type === 'string' &&
    typeof value.name === 'string' &&
    typeof value.mode === 'string' &&
    typeof value.provider === 'string' &&
    Array.isArray(value.instances)
  );
}
