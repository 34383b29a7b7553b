import { isJsonObject } from '../../../json/json-value.js';
import type { StateResource } from '../../../state/types.js';
import type { ResourceView } from '../resource-view.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// A numeric index_key written as anything but a plain integer (1.0, 3e0, -0, 1.7).
const ODD_NUMBER_KEY = /"index_key"\s*:\s*(?!(?:0|[1-9][0-9]*|-[1-9][0-9]*)\s*[,}\]])-?[0-9]/;

/**
 * The resource read with the native JSON.parse (several times faster than
 * the lossless parser), or undefined when only the lossless parse can be
 * trusted with it: bytes that are not UTF-8, a BOM, text that is not JSON,
 * not a resource object, or a numeric index_key not written as a plain
 * integer (the lossless parse keeps `1.0` as a JsonNumber, which the state
 * model refuses). For tasks that do not need exact numbers.
 */
export function fastResource(view: ResourceView): StateResource | undefined {
  let text: string;
  try {
    text = utf8.decode(view.bytes);
  } catch (error) {
    // Invalid UTF-8: the lossless parse reports it with its location.
    if (error instanceof TypeError) return undefined;
    throw error;
  }
  if (text.charCodeAt(0) === 0xfeff || ODD_NUMBER_KEY.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Not JSON: the lossless parse reports it as InvalidStateError with its location.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  return isStateResource(value) ? value : undefined;
}

function isStateResource(value: unknown): value is StateResource {
  return (
    isJsonObject(value) &&
    typeof value.type === 'string' &&
    typeof value.name === 'string' &&
    typeof value.mode === 'string' &&
    typeof value.provider === 'string' &&
    Array.isArray(value.instances) &&
    value.instances.every(isJsonObject)
  );
}
