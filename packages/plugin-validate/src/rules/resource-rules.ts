import { isAscii } from 'node:buffer';
import {
  DEPOSED_KEY_PATTERN,
  SensitivePaths,
  StateResourceSchema,
  formatInstanceKey,
  isJsonObject,
  isPlainStateResource,
  parseJson,
  parseModuleAddress,
  type JsonValue,
} from '@tempeh/core/worker';
import { findingOf, maskSecret, type Finding } from '../findings.js';
import { builtinRule } from './catalog.js';
import { detectSecrets, isHighEntropy, isPlaceholder, isSecretName, looksLikeAwsSecret, type SecretMatch } from './secrets.js';

const NO_MATCHES: readonly SecretMatch[] = [];

/** What the cross-resource rules need of one resource, kept small: it stays in memory for the whole run. */
export interface ResourceRecord {
  index: number;
  /** `module.a["k"].aws_instance.web` (no instance key); undefined when the resource could not be read. */
  address: string | undefined;
  /** The config address dependencies name: module keys dropped (`module.a.aws_instance.web`). */
  configAddress: string | undefined;
  /** Formatted instance keys with their deposed key: `[0]`, `["a"]`, `[0] deposed 0a1b2c3d`. */
  instances: string[];
  /** Every instance's `dependencies`, merged. */
  dependencies: string[];
}

export interface ResourceCheck {
  findings: Finding[];
  record: ResourceRecord;
}

/**
 * Every per-resource rule on one element of `resources`, from its exact
 * bytes: duplicate keys (TV019), schema (TV006), module path (TV018), mode
 * (TV013), instance keys (TV011, TV012), deposed keys (TV016), status
 * (TV017), sensitive paths (TV032) and plaintext secrets (TV040-TV046).
 * Never throws for bad input: everything wrong becomes a finding.
 */
export function checkResource(bytes: Uint8Array, index: number): ResourceCheck {
  const findings: Finding[] = [];
  const record: ResourceRecord = { index, address: undefined, configAddress: undefined, instances: [], dependencies: [] };
  const where = `resources[${index}]`;
  const duplicates: string[] = [];
  let value: JsonValue;
  try {
    value = parseFast(bytes, duplicates);
  } catch (error) {
    findings.push(findingOf(builtinRule('TV001'), null, where, `resource ${index} is not well-formed JSON: ${error instanceof Error ? error.message : String(error)}`));
    return { findings, record };
  }
  if (!isJsonObject(value)) {
    findings.push(findingOf(builtinRule('TV006'), null, where, `resource ${index} is not a JSON object`));
    return { findings, record };
  }

  const mode = typeof value['mode'] === 'string' ? value['mode'] : undefined;
  const type = typeof value['type'] === 'string' ? value['type'] : undefined;
  const name = typeof value['name'] === 'string' ? value['name'] : undefined;
  const module = typeof value['module'] === 'string' ? value['module'] : undefined;
  let moduleText = '';
  let configModule = '';
  if (module !== undefined) {
    try {
      configModule = configModuleOf(module);
      moduleText = module;
    } catch {
      // The path is reported; the address falls back to the raw text so the other findings still point somewhere.
      findings.push(findingOf(builtinRule('TV018'), null, `${where}.module`, `module path ${JSON.stringify(module)} does not parse as module.NAME[KEY]…`));
      moduleText = module;
      configModule = module;
    }
  }
  if (type !== undefined && name !== undefined) {
    const local = `${mode === 'data' ? 'data.' : ''}${type}.${name}`;
    record.address = moduleText ? `${moduleText}.${local}` : local;
    record.configAddress = configModule ? `${configModule}.${local}` : local;
  }
  const address = record.address ?? null;
  for (const path of duplicates) {
    findings.push(findingOf(builtinRule('TV019'), address, path.replace(/^\$\.?/, ''), `the key ${JSON.stringify(path.slice(path.lastIndexOf('.') + 1))} appears twice in one object`));
  }

  // zod only where the quick check sees something unusual: its issues are the same, and most resources pass.
  const parsed = isPlainStateResource(value) ? undefined : StateResourceSchema.safeParse(value);
  if (parsed !== undefined && !parsed.success) {
    // Fields with a rule of their own (TV012, TV016, TV017, TV018) are reported there, once.
    const own = (path: readonly PropertyKey[]) => ['deposed', 'index_key', 'status'].includes(String(path.at(-1))) || (path.length === 1 && path[0] === 'module');
    for (const issue of parsed.error.issues.filter((i) => !own(i.path)).slice(0, 20)) {
      const message = issue.code === 'invalid_union' ? 'has a value of none of the allowed types' : issue.message;
      findings.push(findingOf(builtinRule('TV006'), address, formatPath(issue.path), `${formatPath(issue.path) || 'the resource'}: ${message}`));
    }
  }

  const instances = Array.isArray(value['instances']) ? value['instances'] : [];
  const each = value['each'];
  const seen = new Set<string>();
  const dependencies = new Set<string>();
  let firstKind: KeyKind | undefined;
  for (const [position, instance] of instances.entries()) {
    if (!isJsonObject(instance)) continue;
    const at = `instances[${position}]`;
    const key = instance['index_key'];
    const deposed = typeof instance['deposed'] === 'string' ? instance['deposed'] : undefined;
    const keyText = typeof key === 'string' || (typeof key === 'number' && Number.isSafeInteger(key)) ? formatInstanceKey(key) : '';
    const instanceAddress = address === null ? null : `${address}${keyText}`;

    // TV012: the key's kind follows the expansion (legacy `each`, else what the first instance shows).
    const kind = keyKind(key);
    const expected = each === 'list' ? 'integer' : each === 'map' ? 'string' : firstKind;
    firstKind ??= kind;
    if (kind === 'invalid') {
      findings.push(findingOf(builtinRule('TV012'), instanceAddress, `${at}.index_key`, 'index_key must be an integer (count) or a string (for_each)'));
    } else if (expected !== undefined && kind !== expected) {
      findings.push(
        findingOf(builtinRule('TV012'), instanceAddress, `${at}.index_key`, `${describeKind(kind)}, but ${each === undefined ? 'the resource\'s first instance has' : `each: ${String(each)} needs`} ${describeKind(expected)}`),
      );
    }
    // TV011: one object per key (and deposed key).
    const identity = `${keyText}${deposed === undefined ? '' : ` deposed ${deposed}`}`;
    if (seen.has(identity)) {
      findings.push(findingOf(builtinRule('TV011'), instanceAddress, at, `instance ${keyText || '(no key)'}${deposed ? ` deposed ${deposed}` : ''} appears twice`));
    }
    seen.add(identity);
    record.instances.push(identity);
    // TV016, TV017
    if (deposed !== undefined && !DEPOSED_KEY_PATTERN.test(deposed)) {
      findings.push(findingOf(builtinRule('TV016'), instanceAddress, `${at}.deposed`, `deposed key ${JSON.stringify(deposed)} is not 8 hexadecimal digits`));
    }
    const status = instance['status'];
    if (status !== undefined && status !== 'tainted') {
      findings.push(findingOf(builtinRule('TV017'), instanceAddress, `${at}.status`, `status ${JSON.stringify(status)} is not one Terraform writes (only "tainted")`));
    }
    // TV013: what a data source cannot have.
    if (mode === 'data') {
      const problem =
        deposed !== undefined ? 'a deposed object' : status === 'tainted' ? 'a tainted object' : instance['create_before_destroy'] === true ? 'create_before_destroy' : undefined;
      if (problem) findings.push(findingOf(builtinRule('TV013'), instanceAddress, at, `a data source (mode "data") cannot have ${problem}`));
    }
    const deps = instance['dependencies'];
    if (Array.isArray(deps)) for (const dep of deps) if (typeof dep === 'string') dependencies.add(dep);

    checkInstanceAttributes(instance, instanceAddress, at, findings);
  }
  record.dependencies = [...dependencies];
  return { findings, record };
}

const configModules = new Map<string, string>();

/** `module.a["k"].module.b[0]` → `module.a.module.b`; memoised, since a state repeats its module paths. Throws when the path does not parse. */
function configModuleOf(module: string): string {
  let known = configModules.get(module);
  if (known === undefined) {
    known = parseModuleAddress(module)
      .map((step) => `module.${step.name}`)
      .join('.');
    if (configModules.size >= 50_000) configModules.clear();
    configModules.set(module, known);
  }
  return known;
}

type KeyKind = 'integer' | 'string' | 'none' | 'invalid';

function keyKind(key: JsonValue | undefined): KeyKind {
  if (key === undefined) return 'none';
  if (typeof key === 'string') return 'string';
  if (typeof key === 'number' && Number.isSafeInteger(key)) return 'integer';
  return 'invalid';
}

function describeKind(kind: KeyKind): string {
  return kind === 'integer' ? 'an integer key (count)' : kind === 'string' ? 'a string key (for_each)' : kind === 'none' ? 'no key (a single instance)' : 'an invalid key';
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The resource parsed, with duplicate keys noted in `duplicates`. The fast
 * way: JSON.parse (native, several times faster than the lossless parser),
 * then the keys it kept are counted against the text's key ends: every
 * unescaped `"` followed by `:` closes a key, and a key spaced from its
 * colon needs a whitespace character right before a colon. When no colon
 * has whitespace before it and the counts are equal, no key was dropped, so
 * none was duplicated. (Counting `":` alone sent every resource with JSON
 * in a string value, `\"Version\":`, to the slow path.) Anything else (a spaced colon, a count that differs,
 * a parse error) goes to the lossless parser, which reports duplicates and
 * errors exactly. Only validation facts are read from the result, so
 * JSON.parse's rounding of huge numbers does not matter here.
 */
function parseFast(bytes: Uint8Array, duplicates: string[]): JsonValue {
  let text: string | undefined;
  try {
    // ASCII (nearly every state) decodes as Latin-1, with no UTF-8 validation to do.
    text = isAscii(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1') : decoder.decode(bytes);
    const value: unknown = JSON.parse(text);
    if (countKeyEnds(text) === countKeys(value)) return value as JsonValue;
  } catch {
    // Not UTF-8 or not JSON: the lossless parser below says exactly where.
  }
  return parseJson(text ?? bytes, { onDuplicateKey: (path, key) => duplicates.push(`${path}.${key}`) });
}

/**
 * How many keys end right before their colon: an unescaped `"` (inside a
 * string a `"` always has an odd run of `\\` before it) directly followed
 * by `:`. -1 when some colon has whitespace before it, which a key spaced
 * from its colon needs (strings may hold such colons too; they only cost
 * the fast path).
 */
function countKeyEnds(text: string): number {
  let count = 0;
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) {
    const before = text.charCodeAt(at - 1);
    if (before === 0x22) {
      let backslashes = 0;
      while (text.charCodeAt(at - 2 - backslashes) === 0x5c) backslashes++;
      if (backslashes % 2 === 0) count++;
    } else if (before === 0x20 || before === 0x0a || before === 0x09 || before === 0x0d) {
      return -1;
    }
  }
  return count;
}

function countKeys(value: unknown): number {
  if (Array.isArray(value)) {
    let count = 0;
    for (const element of value) if (typeof element === 'object' && element !== null) count += countKeys(element);
    return count;
  }
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  for (const key in value) {
    count++;
    const member: unknown = (value as Record<string, unknown>)[key];
    if (typeof member === 'object' && member !== null) count += countKeys(member);
  }
  return count;
}

/** TV032 and the security rules on one instance's attributes. */
function checkInstanceAttributes(instance: Record<string, JsonValue>, address: string | null, at: string, findings: Finding[]): void {
  const attributes = instance['attributes'];
  const sensitiveList = Array.isArray(instance['sensitive_attributes']) ? instance['sensitive_attributes'] : undefined;
  const sensitive = SensitivePaths.from(sensitiveList);
  if (!isJsonObject(attributes)) return;
  if (sensitiveList) {
    for (const [i, path] of sensitiveList.entries()) {
      const steps = ctyPathSteps(path);
      if (steps && !pathExists(attributes, steps)) {
        findings.push(findingOf(builtinRule('TV032'), address, `${at}.sensitive_attributes[${i}]`, `sensitive path ${steps.join('.')} names no attribute of this instance`));
      }
    }
  }
  scanForSecrets(attributes, ['attributes'], sensitive.empty ? undefined : (path) => sensitive.covers(path.slice(1)), address, findings);
}

/**
 * Walks a JSON value and reports plaintext secrets in its strings.
 * `covered(path)` says a subtree is marked sensitive and is skipped
 * (undefined: nothing is).
 */
export function scanForSecrets(
  root: JsonValue,
  rootPath: (string | number)[],
  covered: ((path: (string | number)[]) => boolean) | undefined,
  address: string | null,
  findings: Finding[],
): void {
  const awsKeys: { path: string; secret: string }[] = [];
  const awsSecrets: string[] = [];
  // One path stack, pushed and popped, rather than a new array per value: most strings are never reported.
  const path: (string | number)[] = [...rootPath];
  const walk = (value: JsonValue, name: string | undefined): void => {
    if (covered !== undefined && path.length > rootPath.length && covered(path)) return;
    if (typeof value === 'string') {
      if (value.length === 0) return;
      const matches = value.length >= 16 ? detectSecrets(value) : NO_MATCHES;
      if (matches.length > 0) {
        const where = formatPath(path);
        for (const match of matches) {
          if (match.rule.id === 'TV041') awsKeys.push({ path: where, secret: match.secret });
          else findings.push(findingOf(match.rule, address, where, `${match.kind} in plaintext: ${match.rule.id === 'TV040' ? '-----BEGIN … PRIVATE KEY-----' : maskSecret(match.secret)}`));
        }
        return;
      }
      if (value.length === 40 && looksLikeAwsSecret(value)) awsSecrets.push(formatPath(path));
      if (name !== undefined && isSecretName(name)) {
        if (!isPlaceholder(value)) findings.push(findingOf(builtinRule('TV045'), address, formatPath(path), `"${name}" holds a value not marked sensitive: ${maskSecret(value)}`));
      } else if (value.length >= 32 && isHighEntropy(value, name)) {
        findings.push(findingOf(builtinRule('TV046'), address, formatPath(path), `a random-looking string, possibly a key or token: ${maskSecret(value)}`));
      }
      return;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i] ?? null, name);
        path.pop();
      }
    } else if (isJsonObject(value)) {
      // A dynamically typed attribute is stored as {"value": …, "type": …}: the type descriptor names attributes, it holds no values.
      const keys = Object.keys(value);
      if (keys.length === 2 && 'value' in value && 'type' in value) {
        path.push('value');
        walk(value['value'] ?? null, name);
        path.pop();
        return;
      }
      for (const key of keys) {
        path.push(key);
        walk(value[key] ?? null, key);
        path.pop();
      }
    }
  };
  walk(root, undefined);
  for (const key of awsKeys) {
    const pair = awsSecrets.filter((path) => path !== key.path);
    findings.push(
      findingOf(
        builtinRule('TV041'),
        address,
        key.path,
        `an AWS access key ID in plaintext: ${maskSecret(key.secret)}${pair.length ? `, with a secret access key at ${pair.join(', ')}` : ''}`,
      ),
    );
  }
}

/** `attributes.tags["Name"]`, `instances[0].index_key` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (typeof step === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(step)) out += out ? `.${step}` : step;
    else out += `[${JSON.stringify(String(step))}]`;
  }
  return out;
}

/** A cty path from sensitive_attributes as plain steps, or undefined when it is not one. */
function ctyPathSteps(path: JsonValue): (string | number)[] | undefined {
  if (!Array.isArray(path)) return undefined;
  const steps: (string | number)[] = [];
  for (const step of path) {
    if (!isJsonObject(step)) return undefined;
    const value = step['value'];
    const key = isJsonObject(value) && 'type' in value ? value['value'] : value;
    if (typeof key === 'string' || typeof key === 'number') steps.push(key);
    else return undefined;
  }
  return steps;
}

/** Does the path lead somewhere in `attributes`? A dynamic value's `{value, type}` wrapper may be stepped over. */
function pathExists(root: JsonValue, steps: readonly (string | number)[]): boolean {
  let current: JsonValue | undefined = root;
  for (const step of steps) {
    if (current === undefined || current === null) return false;
    // A set is indexed by element value, which the JSON array does not name: accept any such step.
    if (Array.isArray(current)) {
      if (typeof step === 'number') current = current[step];
      else return true;
      continue;
    }
    if (!isJsonObject(current)) return false;
    if (String(step) in current) current = current[String(step)];
    else if (isJsonObject(current['value']) && String(step) in current['value']) current = current['value'][String(step)];
    else return false;
  }
  return current !== undefined;
}
