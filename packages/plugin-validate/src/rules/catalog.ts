/**
 * Every built-in rule: a stable ID, a severity, a one-line description.
 * IDs never change meaning and are never reused; docs/rules.md has an entry
 * for each (a test keeps the two in sync).
 */

export type Severity = 'error' | 'warning' | 'info';

export type RuleCategory = 'schema' | 'consistency' | 'dependencies' | 'references' | 'security' | 'custom';

export interface RuleMeta {
  /** Stable ID: `TV` and three digits for built-in rules; anything else (`ACME001`) for a plugin's. */
  readonly id: string;
  /** Short kebab-case name, as SARIF's `rules[].name`. */
  readonly name: string;
  readonly severity: Severity;
  readonly category: RuleCategory;
  /** One line: what the rule finds. */
  readonly description: string;
}

const rule = (id: string, name: string, severity: Severity, category: RuleCategory, description: string): RuleMeta =>
  Object.freeze({ id, name, severity, category, description });

export const BUILTIN_RULES: readonly RuleMeta[] = Object.freeze([
  // Schema
  rule('TV001', 'malformed-json', 'error', 'schema', 'The state cannot be read as a v4 state: not well-formed JSON, not a JSON object, no `resources` array, or nested deeper than 512 levels; nothing else can be checked.'),
  rule('TV002', 'top-level-field', 'error', 'schema', 'A top-level field has the wrong type: version, terraform_version, serial, lineage, outputs, resources, check_results.'),
  rule('TV003', 'unknown-top-level-key', 'warning', 'schema', 'A top-level key that state format v4 does not have; Terraform ignores it and drops it on the next write.'),
  rule('TV004', 'state-version', 'error', 'schema', 'The state format `version` is not 4.'),
  rule('TV005', 'terraform-version', 'error', 'schema', '`terraform_version` is not a version Terraform can read.'),
  rule('TV006', 'resource-schema', 'error', 'schema', 'A resource or instance object has a missing field or a field of the wrong type.'),
  // Consistency
  rule('TV010', 'duplicate-resource', 'error', 'consistency', 'Two resources in `resources` have the same address.'),
  rule('TV011', 'duplicate-instance', 'error', 'consistency', 'Two instances of one resource have the same key (and the same deposed key).'),
  rule('TV012', 'index-key-kind', 'error', 'consistency', 'Instance keys do not match the expansion: integers for count (`each: list`), strings for for_each (`each: map`), none for a single instance.'),
  rule('TV013', 'mode-type', 'error', 'consistency', "`mode` disagrees with the resource: data sources have no deposed or tainted objects and no create_before_destroy."),
  rule('TV014', 'lineage', 'error', 'consistency', '`lineage` is not a UUID.'),
  rule('TV015', 'serial', 'error', 'consistency', '`serial` is not an integer ≥ 0.'),
  rule('TV016', 'deposed-key', 'error', 'consistency', 'A `deposed` key is not 8 hexadecimal digits.'),
  rule('TV017', 'instance-status', 'error', 'consistency', 'An instance `status` other than `tainted`.'),
  rule('TV018', 'module-path', 'error', 'consistency', 'A `module` path that does not parse as module.NAME[KEY]… .'),
  rule('TV019', 'duplicate-json-key', 'error', 'consistency', 'An object has the same key twice: parsers disagree about which value counts.'),
  // Dependencies
  rule('TV020', 'dangling-dependency', 'warning', 'dependencies', 'A `dependencies` entry names a resource that is not in the state.'),
  rule('TV021', 'dependency-cycle', 'error', 'dependencies', 'Resources depend on each other in a cycle.'),
  rule('TV022', 'dependency-address', 'error', 'dependencies', 'A `dependencies` entry is not a resource address.'),
  // References
  rule('TV030', 'check-result-reference', 'error', 'references', 'A `check_results` object refers to a resource, output or check that is not in the state.'),
  rule('TV031', 'output-type', 'error', 'references', "An output's `value` does not match its `type`."),
  rule('TV032', 'sensitive-path', 'warning', 'references', 'A `sensitive_attributes` path names no attribute of its instance.'),
  // Security
  rule('TV040', 'private-key', 'error', 'security', 'A PEM private key in plaintext (not covered by sensitive_attributes, or in an output not marked sensitive).'),
  rule('TV041', 'aws-access-key', 'error', 'security', 'An AWS access key ID in plaintext, with its secret access key when that is there too.'),
  rule('TV042', 'service-token', 'error', 'security', 'A GitHub, GitLab or Slack token in plaintext.'),
  rule('TV043', 'jwt', 'error', 'security', 'A JSON Web Token in plaintext.'),
  rule('TV044', 'connection-string-password', 'error', 'security', 'A connection string (URL or key=value) with a password in plaintext.'),
  rule('TV045', 'secret-named-attribute', 'warning', 'security', 'An attribute named like a password, secret or token holds a non-empty value that is not marked sensitive.'),
  rule('TV046', 'high-entropy-string', 'warning', 'security', 'A long random-looking string, probably a key or token, not marked sensitive.'),
]);

const BY_ID = new Map(BUILTIN_RULES.map((meta) => [meta.id, meta]));

export function builtinRule(id: string): RuleMeta {
  const meta = BY_ID.get(id);
  if (!meta) throw new Error(`no built-in rule ${id}`);
  return meta;
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };
