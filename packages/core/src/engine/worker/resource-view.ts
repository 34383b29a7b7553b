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
  let resource: StateResource | undefined;
  let sha256: string | undefined;
  return {
    index,
    offset,
    bytes,
    get resource(): StateResource {
      resource ??= toStateResource(parseJson(bytes), index);
      return resource;
    },
    get sha256(): string {
      sha256 ??= createHash('sha256').update(bytes).digest('hex');
      return sha256;
    },
  };
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
