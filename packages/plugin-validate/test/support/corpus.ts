import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The corpus of broken states: the main Terraform fixture with exactly one
 * thing wrong each, named by the rule it must trigger. Built at test time
 * from the fixture, so each case is a readable edit rather than a file.
 */
export const FIXTURE = fileURLToPath(new URL('../../../../fixtures/terraform/terraform.tfstate', import.meta.url));

type State = {
  resources: Resource[];
  outputs: Record<string, unknown>;
  check_results?: unknown;
  [key: string]: unknown;
};
type Resource = { module?: string; mode: string; type: string; name: string; instances: Instance[]; [key: string]: unknown };
type Instance = { attributes: Record<string, unknown>; dependencies?: string[]; [key: string]: unknown };

export interface CorpusCase {
  rule: string;
  /** What is broken, for the test name. */
  what: string;
  /** Edits the parsed fixture, or returns new text for breakage JSON cannot express. */
  edit: (state: State, text: string) => string | void;
}

const find = (state: State, address: string): Resource => {
  const found = state.resources.find((r) => `${r.module ? `${r.module}.` : ''}${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}` === address);
  if (!found) throw new Error(`no ${address} in the fixture`);
  return found;
};
const first = (resource: Resource): Instance => {
  const instance = resource.instances[0];
  if (!instance) throw new Error(`${resource.name} has no instance`);
  return instance;
};
/** A plaintext value planted in a resource that has no sensitive attributes. */
const plant = (state: State, name: string, value: unknown) => {
  first(find(state, 'terraform_data.network')).attributes[name] = value;
};

const PEM = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', '-----END RSA PRIVATE KEY-----'].join('\n');

export const CORPUS: readonly CorpusCase[] = [
  { rule: 'TV001', what: 'the text is cut off', edit: (_s, text) => text.slice(0, Math.floor(text.length / 2)) },
  { rule: 'TV002', what: 'outputs is an array', edit: (s) => void (s.outputs = [] as unknown as Record<string, unknown>) },
  { rule: 'TV003', what: 'an unknown top-level key', edit: (s) => void (s['extra'] = 1) },
  { rule: 'TV004', what: 'version 3', edit: (s) => void (s['version'] = 3) },
  { rule: 'TV005', what: 'terraform_version is not a version', edit: (s) => void (s['terraform_version'] = 'latest!') },
  { rule: 'TV006', what: 'schema_version is a string', edit: (s) => void (first(find(s, 'terraform_data.network'))['schema_version'] = 'zero') },
  { rule: 'TV010', what: 'a resource listed twice', edit: (s) => void s.resources.push(structuredClone(find(s, 'terraform_data.network'))) },
  {
    rule: 'TV011',
    what: 'an instance key listed twice',
    edit: (s) => {
      const member = find(s, 'module.app_blue.terraform_data.member');
      member.instances.push(structuredClone(first(member)));
    },
  },
  { rule: 'TV012', what: 'a string key in a count resource', edit: (s) => void (find(s, 'module.app_blue.terraform_data.member').instances[1]!['index_key'] = 'x') },
  { rule: 'TV013', what: 'a tainted data source', edit: (s) => void (first(find(s, 'data.terraform_remote_state.upstream'))['status'] = 'tainted') },
  { rule: 'TV014', what: 'lineage is not a UUID', edit: (s) => void (s['lineage'] = 'not-a-uuid') },
  { rule: 'TV015', what: 'serial is negative', edit: (s) => void (s['serial'] = -1) },
  {
    rule: 'TV016',
    what: 'a deposed key that is not 8 hex digits',
    edit: (s) => {
      const network = find(s, 'terraform_data.network');
      network.instances.push({ ...structuredClone(first(network)), deposed: 'zz' });
    },
  },
  { rule: 'TV017', what: 'status "ready"', edit: (s) => void (first(find(s, 'terraform_data.network'))['status'] = 'ready') },
  { rule: 'TV018', what: 'a module path that does not parse', edit: (s) => void (find(s, 'module.app_blue.terraform_data.member').module = 'module.app_blue[') },
  {
    rule: 'TV019',
    what: 'a key twice in one object',
    edit: (_s, text) => text.replace('"schema_version": 0,', '"schema_version": 0,\n          "schema_version": 0,'),
  },
  { rule: 'TV020', what: 'a dependency on a resource not in the state', edit: (s) => void (first(find(s, 'terraform_data.network')).dependencies = ['terraform_data.ghost']) },
  {
    rule: 'TV021',
    what: 'two resources depending on each other',
    edit: (s) => {
      first(find(s, 'terraform_data.network')).dependencies = ['terraform_data.secret'];
      first(find(s, 'terraform_data.secret')).dependencies = ['terraform_data.network'];
    },
  },
  { rule: 'TV022', what: 'a dependency that is not an address', edit: (s) => void (first(find(s, 'terraform_data.network')).dependencies = ['not an address!']) },
  {
    rule: 'TV030',
    what: 'a check result for a resource not in the state',
    edit: (s) => void (s.check_results = [{ object_kind: 'resource', config_addr: 'terraform_data.ghost', status: 'pass', objects: null }]),
  },
  { rule: 'TV031', what: 'an output whose value is not its type', edit: (s) => void (s.outputs['wrong'] = { value: 1, type: 'string' }) },
  {
    rule: 'TV032',
    what: 'a sensitive path to no attribute',
    edit: (s) => void (first(find(s, 'terraform_data.network'))['sensitive_attributes'] = [[{ type: 'get_attr', value: 'nothing_here' }]]),
  },
  { rule: 'TV040', what: 'a PEM private key', edit: (s) => plant(s, 'pem', PEM) },
  { rule: 'TV041', what: 'an AWS access key ID', edit: (s) => plant(s, 'creds', { id: 'AKIAIOSFODNN7EXAMPLE', key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }) },
  { rule: 'TV042', what: 'a GitHub token', edit: (s) => plant(s, 'gh', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789') },
  { rule: 'TV043', what: 'a JWT', edit: (s) => plant(s, 'bearer', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk') },
  { rule: 'TV044', what: 'a connection string with a password', edit: (s) => plant(s, 'dsn', 'postgres://admin:hunter2secret@db.internal:5432/app') },
  { rule: 'TV045', what: 'a password attribute not marked sensitive', edit: (s) => plant(s, 'db_password', 'hunter2') },
  { rule: 'TV046', what: 'a random-looking string', edit: (s) => plant(s, 'blob', 'q8Zr3Lx0VbN7TpK2WmYc9Hs4Jd6Ff1GaQe5Ru8Io') },
];

/** Writes the fixture with `edit` applied to a temporary file and returns its path. */
export async function writeEdited(edit: CorpusCase['edit'], label: string): Promise<string> {
  const text = await readFile(FIXTURE, 'utf8');
  const state = JSON.parse(text) as State;
  const replaced = edit(state, text);
  const dir = await mkdtemp(join(tmpdir(), 'tempeh-validate-'));
  const path = join(dir, `${label}.tfstate`);
  await writeFile(path, typeof replaced === 'string' ? replaced : `${JSON.stringify(state, null, 2)}\n`);
  return path;
}

/** Named states with several problems at once, for the output-format tests. */
export async function writeCorpusState(name: 'secrets-and-cycles'): Promise<string> {
  const picked = CORPUS.filter((c) => ['TV021', 'TV040', 'TV044', 'TV045', 'TV046', 'TV003'].includes(c.rule));
  return writeEdited((state, text) => {
    for (const c of picked) c.edit(state, text);
  }, name);
}
