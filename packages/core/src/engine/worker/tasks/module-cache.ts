import { InvalidStateError, isTempehError } from '../../../errors.js';
import { formatModuleAddress } from '../../../address/format.js';
import { parseModuleAddress } from '../../../address/parse.js';
import type { ModuleStep } from '../../../address/types.js';

interface Parsed {
  steps: ModuleStep[];
  text: string;
}

/** Distinct module addresses remembered; a state's resources come module by module, so a few recent ones cover nearly every lookup. */
const CAPACITY = 256;

/**
 * Parsed module addresses by their text in the state, so that a task that
 * needs every resource's module parses each module about once. Bounded: it
 * starts over when full.
 */
export class ModuleCache {
  readonly #parsed = new Map<string, Parsed>();

  /** The module's steps (throws InvalidAddressError when it does not parse). */
  steps(text: string): ModuleStep[] {
    return this.#get(text).steps;
  }

  /** The module address as Terraform prints it (`formatModuleAddress`). */
  format(text: string): string {
    return this.#get(text).text;
  }

  #get(text: string): Parsed {
    let parsed = this.#parsed.get(text);
    if (parsed === undefined) {
      const steps = parseModuleAddress(text);
      parsed = { steps, text: formatModuleAddress(steps) };
      if (this.#parsed.size >= CAPACITY) this.#parsed.clear();
      this.#parsed.set(text, parsed);
    }
    return parsed;
  }
}

/**
 * `error` as the state error it is when a resource's `module` field did not
 * parse (InvalidAddressError there means the state is broken, not the
 * user's input); any other error as it is.
 */
export function asModuleFieldError(error: unknown, resourceIndex: number): unknown {
  if (!isTempehError(error) || error.code !== 'TEMPEH_E_INVALID_ADDRESS') return error;
  return new InvalidStateError(`the module of resources[${resourceIndex}] is not a module address: ${error.message}`, {
    cause: error,
    location: `$.resources[${resourceIndex}].module`,
  });
}
