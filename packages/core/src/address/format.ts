import { InvalidAddressError } from '../errors.js';
import type { InstanceKey } from '../state/types.js';
import { isGoPrintable } from './go-printable.js';
import { toGoString } from './go-string.js';
import type { ModuleStep, ResourceInstanceAddress } from './types.js';

/**
 * An instance key as Terraform prints it: `[0]` for an integer, and for a
 * string its StringKey.String(), an HCL quoted string in brackets: `["a\"b"]`.
 * No key formats as the empty string.
 *
 * Throws InvalidAddressError for a number that is not a safe integer.
 */
export function formatInstanceKey(key: InstanceKey | undefined): string {
  if (key === undefined) return '';
  if (typeof key === 'number') {
    if (!Number.isSafeInteger(key)) {
      throw new InvalidAddressError(String(key), 'an integer instance key must be a whole number within ±(2^53-1)');
    }
    // `+ 0` turns -0 into 0, which Go's int cannot tell apart.
    return `[${key + 0}]`;
  }
  return `[${toHclQuotedString(key)}]`;
}

/** A module instance address, `module.a["k"].module.b[0]`; the root module is ''. */
export function formatModuleAddress(steps: readonly ModuleStep[]): string {
  return steps.map((step) => `module.${step.name}${formatInstanceKey(step.key)}`).join('.');
}

/** A resource instance address as `terraform state list` prints it: `module.a["k"].data.x.y[0]`. */
export function formatAddress(address: ResourceInstanceAddress): string {
  const resource = `${address.mode === 'data' ? 'data.' : ''}${address.type}.${address.name}${formatInstanceKey(address.key)}`;
  return address.module.length === 0 ? resource : `${formatModuleAddress(address.module)}.${resource}`;
}

// Printable ASCII other than `"`, `\`, `$` and `%`.
const PLAIN = /^[\x20\x21\x23\x26-\x5b\x5d-\x7e]*$/;

/**
 * Terraform's toHCLQuotedString (internal/addrs/instance_key.go), which
 * quotes so that HCL's traversal parser reads the same string back:
 * backslash escapes for `\n \r \t " \`, `${` and `%{` doubled to `$${` and
 * `%%{`, and `\uXXXX` / `\UXXXXXXXX` (lowercase hex) for every character Go
 * does not consider printable.
 */
function toHclQuotedString(raw: string): string {
  // Fast path: printable ASCII with nothing to escape, as most keys are.
  if (PLAIN.test(raw)) return `"${raw}"`;
  const text = toGoString(raw);
  let out = '"';
  let index = 0;
  for (const char of text) {
    index += char.length;
    switch (char) {
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '$':
      case '%':
        out += text[index] === '{' ? char + char : char;
        break;
      default: {
        const codePoint = char.codePointAt(0) ?? 0;
        if (isGoPrintable(codePoint)) out += char;
        else if (codePoint < 0x10000) out += `\\u${codePoint.toString(16).padStart(4, '0')}`;
        else out += `\\U${codePoint.toString(16).padStart(8, '0')}`;
      }
    }
  }
  return `${out}"`;
}
