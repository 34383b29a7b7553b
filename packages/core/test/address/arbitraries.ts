// fast-check arbitraries for addresses, and a writer of the non-canonical
// spellings Terraform's parser also accepts.
import fc from 'fast-check';
import type { InstanceKey } from '../../src/state/index.js';
import type { ModuleStep, ResourceInstanceAddress } from '../../src/address/index.js';

// Characters that exercise every quoting rule, mixed into random keys.
const AWKWARD = ['$', '%', '{', '}', '"', '\\', '\n', '\r', '\t', '[', ']', '.', ' ', '\u00a0', '\u200b', '\ue000', '\uff5e', '🦀', '\u{e0001}', '\u0000', '#'];

/**
 * Any instance key. String keys need not be in NFC: Terraform keeps
 * `index_key` as written, though it normalises keys it parses.
 */
export const instanceKeyArbitrary: fc.Arbitrary<InstanceKey | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.nat({ max: 20 }),
  fc.nat(),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.string({ unit: fc.constantFrom(...AWKWARD, 'a', '0', '$', '%', '{', 'e', '\u0301', '\u0323', '\u0302'), maxLength: 8 }),
);

/** Keys every config-made state holds: strings in NFC, as cty makes them. */
export const nfcInstanceKeyArbitrary: fc.Arbitrary<InstanceKey | undefined> = instanceKeyArbitrary.filter(
  (key) => typeof key !== 'string' || key.normalize('NFC') === key,
);

const RESERVED = new Set(['count', 'each', 'local', 'module', 'path', 'self', 'terraform', 'var', 'template', 'lazy', 'arg', 'data', 'resource', 'ephemeral']);

/** HCL identifiers: ASCII ones, with dashes and underscores, and a few non-ASCII. */
export const identifierArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,6}$/),
  fc.constantFrom('ñame', 'Ωmega', '名前', '_', 'a-b', 'n10', 'n2', 'B', 'module', 'data'),
);

const typeArbitrary = identifierArbitrary.filter((name) => !RESERVED.has(name));

function moduleStepOf(keys: fc.Arbitrary<InstanceKey | undefined>): fc.Arbitrary<ModuleStep> {
  return fc.record({ name: identifierArbitrary, key: keys }).map(({ name, key }) => (key === undefined ? { name } : { name, key }));
}

function addressOf(keys: fc.Arbitrary<InstanceKey | undefined>): fc.Arbitrary<ResourceInstanceAddress> {
  return fc
    .record({
      module: fc.array(moduleStepOf(keys), { maxLength: 3 }),
      mode: fc.constantFrom('managed' as const, 'data' as const),
      type: typeArbitrary,
      name: identifierArbitrary,
      key: keys,
    })
    .map(({ key, ...rest }) => (key === undefined ? rest : { ...rest, key }));
}

/** Module steps whose keys parse back unchanged (NFC). */
export const moduleStepArbitrary: fc.Arbitrary<ModuleStep> = moduleStepOf(nfcInstanceKeyArbitrary);

/** Addresses whose keys parse back unchanged (NFC). */
export const addressArbitrary: fc.Arbitrary<ResourceInstanceAddress> = addressOf(nfcInstanceKeyArbitrary);

/** Addresses with any keys, NFC or not. */
export const anyAddressArbitrary: fc.Arbitrary<ResourceInstanceAddress> = addressOf(instanceKeyArbitrary);

/** Choices for `spellAddress`, one per place where a spelling can vary. */
export const spellingChoicesArbitrary: fc.Arbitrary<number[]> = fc.array(fc.nat({ max: 7 }), { minLength: 64, maxLength: 64 });

/**
 * `address` written the way a person might, and Terraform still parses:
 * spaces, newlines and comments between tokens, `resource.` before a managed
 * type, integers as `007`, `7.0` or `7e0`, and string characters written as
 * `\uXXXX` / `\UXXXXXXXX` escapes.
 */
export function spellAddress(address: ResourceInstanceAddress, choices: readonly number[]): string {
  let cursor = 0;
  const choose = (): number => choices[cursor++ % choices.length] ?? 0;
  const gap = (): string => [' ', '', '  ', '\t', '\n', ' /* c */ ', '', ' # c\n'][choose()] ?? '';
  const dot = (): string => `${gap()}.${gap()}`;
  const key = (value: InstanceKey | undefined): string =>
    value === undefined ? '' : `${gap()}[${gap()}${typeof value === 'number' ? spellInteger(value, choose()) : spellString(value, choose)}${gap()}]`;

  let text = gap();
  for (const step of address.module) text += `module${dot()}${step.name}${key(step.key)}${dot()}`;
  if (address.mode === 'data') text += `data${dot()}`;
  else if (choose() === 0) text += `resource${dot()}`;
  return `${text}${address.type}${dot()}${address.name}${key(address.key)}${gap()}`;
}

function spellInteger(value: number, choice: number): string {
  switch (choice % 4) {
    case 0:
      return `00${value}`;
    case 1:
      return `${value}.0`;
    case 2:
      return `${value}e0`;
    default:
      return String(value);
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r' };

function spellString(value: string, choose: () => number): string {
  // Each character is first either escaped or kept; `$` and `%` are then
  // doubled only before a `{` that is kept literally, as only that one
  // would open a template sequence.
  const pieces = [...value].map((char) => {
    const codePoint = char.codePointAt(0) ?? 0;
    // NUL cannot travel in a command-line argument, so it is always escaped.
    if (codePoint === 0 || choose() === 0) {
      const long = choose() % 2 === 0 || codePoint > 0xffff;
      return { text: long ? `\\U${codePoint.toString(16).padStart(8, '0')}` : `\\u${codePoint.toString(16).padStart(4, '0')}` };
    }
    return { text: SIMPLE_ESCAPES[char] ?? char };
  });
  let out = '"';
  pieces.forEach((piece, index) => {
    const next = pieces[index + 1];
    const opensTemplate = (piece.text === '$' || piece.text === '%') && next?.text === '{';
    out += opensTemplate ? piece.text + piece.text : piece.text;
  });
  return `${out}"`;
}
