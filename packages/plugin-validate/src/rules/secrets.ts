import { builtinRule, type RuleMeta } from './catalog.js';

/** A secret found in one string value. */
export interface SecretMatch {
  rule: RuleMeta;
  /** What kind, for the message: "a GitHub token". */
  kind: string;
  /** The secret part (never printed; masked by the caller). */
  secret: string;
}

const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
const AWS_ACCESS_KEY_ID = /(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16}(?![A-Z0-9])/;
const AWS_SECRET_SHAPE = /^[A-Za-z0-9/+]{40}$/;
const TOKENS: readonly [RegExp, string][] = [
  [/(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])/, 'a GitHub token'],
  [/(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,255}/, 'a GitHub fine-grained token'],
  [/(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/(?<![A-Za-z0-9-])xox[baprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
];
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/;
/** scheme://user:password@host — a password that is not a placeholder. */
const URL_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]+)@[^\s]/i;
/** Password=...; in ADO.NET / JDBC / libpq key-value strings. */
const KV_PASSWORD = /(?:^|[;\s])(?:password|pwd)\s*=\s*([^;\s'"]+)/i;
const PLACEHOLDER = /^(?:\*+|x+|\$\{.*\}|<[^>]*>|%[^%]+%|\(sensitive\)|redacted|changeme)$/i;

/** Attribute names that hold a secret by their very name (the last `_` segment or the whole name). */
const SECRET_NAME = /(?:^|_)(?:password|passwd|secret|token|api_?key|private_?key|secret_?key|client_secret|auth_token|access_token|passphrase)$/i;

/** Names whose values are hashes, IDs and the like: long and random, yet not secrets. */
const NOT_SECRET_NAME = /(?:^|_)(?:id|ids|arn|hash|sha\d*|sha256|md5|etag|checksum|digest|fingerprint|version|uuid|serial|thumbprint|base64sha256|base64sha512|kid)$/i;

/** Something one of the detectors below could match; most strings fail this one test and are done. */
const ANY_DETECTOR = /PRIVATE KEY|A[KSGIRNP][A-Z]{2}[A-Z2-7]{16}|gh[pousr]_|github_pat_|glpat-|xox[baprs]-|eyJ|:\/\/|passw|pwd/i;
const NONE: readonly SecretMatch[] = [];

/** Runs every value detector on one string; returns at most one match per rule. */
export function detectSecrets(value: string): readonly SecretMatch[] {
  if (value.length < 16 || !ANY_DETECTOR.test(value)) return NONE;
  const found: SecretMatch[] = [];
  const pem = PEM_PRIVATE_KEY.exec(value);
  if (pem) found.push({ rule: builtinRule('TV040'), kind: 'a PEM private key', secret: value });
  const akid = AWS_ACCESS_KEY_ID.exec(value);
  if (akid) found.push({ rule: builtinRule('TV041'), kind: 'an AWS access key ID', secret: akid[0] });
  for (const [pattern, kind] of TOKENS) {
    const token = pattern.exec(value);
    if (token) {
      found.push({ rule: builtinRule('TV042'), kind, secret: token[0] });
      break;
    }
  }
  const jwt = JWT.exec(value);
  if (jwt) found.push({ rule: builtinRule('TV043'), kind: 'a JSON Web Token', secret: jwt[0] });
  // `://` is in every URL: the password patterns run only where their `@` or `=` is.
  const password = (value.includes('@') ? URL_PASSWORD.exec(value) : null) ?? (value.includes('=') ? KV_PASSWORD.exec(value) : null);
  if (password?.[1] && !PLACEHOLDER.test(password[1])) {
    found.push({ rule: builtinRule('TV044'), kind: 'a connection string with a password', secret: password[1] });
  }
  return found;
}

/** An AWS secret access key's shape (40 base64 characters), to pair with an access key ID found beside it. */
export function looksLikeAwsSecret(value: string): boolean {
  return AWS_SECRET_SHAPE.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value);
}

const secretNames = new Map<string, boolean>();

/** The attribute's name says it holds a secret (memoised: states repeat the same few hundred names). */
export function isSecretName(name: string): boolean {
  let known = secretNames.get(name);
  if (known === undefined) {
    known = SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name);
    if (secretNames.size < 10_000) secretNames.set(name, known);
  }
  return known;
}

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value.trim());
}

/**
 * A long random-looking token: no spaces, 32 to 512 characters from a
 * base64 or hex alphabet, with high Shannon entropy per character (4.3 bits
 * for base64-like, 3.5 for hex). UUIDs, URLs, paths and ARNs do not qualify,
 * nor values under names that hold hashes and IDs.
 */
export function isHighEntropy(value: string, name: string | undefined): boolean {
  if (value.length < 32 || value.length > 512) return false;
  if (name !== undefined && NOT_SECRET_NAME.test(name)) return false;
  if (!/^[A-Za-z0-9+/=_-]+$/.test(value)) return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(value)) return false;
  const hex = /^[0-9a-fA-F]+$/.test(value);
  // Hex digests (32, 40, 64, 128 digits) are everywhere in states: checksums, not secrets.
  if (hex) return false;
  if (!/[0-9]/.test(value) || !/[a-z]/.test(value) || !/[A-Z]/.test(value)) return false;
  return shannonEntropy(value) >= 4.3;
}

export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}
