import { isJsonObject } from '../../../json/json-value.js';
import type { StateResource } from '../../../state/types.js';
import { isStateResource, type ResourceView } from '../resource-view.js';

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
  // The fast path also needs every instance to be an object; otherwise the lossless path decides.
  return isStateResource(value) && value.instances.every(isJsonObject) ? value : undefined;
}
