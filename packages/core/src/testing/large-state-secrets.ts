import type { InstanceSpec, ResourceSpec } from './large-state-resources.js';
import { SeededRandom } from './random.js';

/** Plaintext secrets planted in a generated state, for testing secret scanners on states of any size. */
export interface LargeStateSecrets {
  /** Every Nth resource (in file order) gets a secret as the `id` of its first instance. */
  everyNth: number;
  /** Chooses the first resource and the secrets' values. Default 1. */
  seed?: number;
}

export type PlantedSecretKind = 'pem-private-key' | 'aws-access-key' | 'github-token' | 'gitlab-token' | 'slack-token' | 'jwt' | 'connection-string';

/** One planted secret: where it is and what it is (the value, so a test can check no output shows it). */
export interface PlantedSecret {
  /** The instance address as `terraform state list` prints it. */
  address: string;
  /** Always `attributes.id`: replacing a value keeps the attributes in Terraform's sorted order. */
  path: string;
  kind: PlantedSecretKind;
  value: string;
}

const KINDS: readonly PlantedSecretKind[] = ['pem-private-key', 'aws-access-key', 'github-token', 'gitlab-token', 'slack-token', 'jwt', 'connection-string'];
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64URL = `${ALNUM}-_`;

/** Replaces the `id` of every Nth resource's first instance with a secret of the next kind, and records it. */
export class SecretPlanter {
  private readonly everyNth: number;
  private readonly random: SeededRandom;
  private readonly phase: number;
  private resources = 0;
  private readonly planted: PlantedSecret[] = [];

  constructor(options: LargeStateSecrets) {
    if (!Number.isSafeInteger(options.everyNth) || options.everyNth < 1) throw new RangeError(`secrets.everyNth must be a positive integer, got ${options.everyNth}`);
    this.everyNth = options.everyNth;
    this.random = new SeededRandom((options.seed ?? 1) ^ 0x53454352);
    this.phase = this.random.int(0, this.everyNth - 1);
  }

  apply(resource: ResourceSpec): ResourceSpec {
    const position = this.resources++;
    if (position < this.phase || (position - this.phase) % this.everyNth !== 0) return resource;
    const [first, ...rest] = resource.instances;
    if (first === undefined || typeof first.attributes['id'] !== 'string' || first.sensitive?.some((path) => path[0] === 'id')) return resource;
    const kind = KINDS[this.planted.length % KINDS.length] ?? 'jwt';
    const value = this.secret(kind);
    const planted: InstanceSpec = { ...first, attributes: { ...first.attributes, id: value } };
    this.planted.push({ address: instanceAddress(resource, first), path: 'attributes.id', kind, value });
    return { ...resource, instances: [planted, ...rest] };
  }

  report(): PlantedSecret[] {
    return this.planted.map((secret) => ({ ...secret }));
  }

  private chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.random.int(0, alphabet.length - 1)];
    return out;
  }

  private secret(kind: PlantedSecretKind): string {
    switch (kind) {
      case 'pem-private-key':
        return `-----BEGIN RSA PRIVATE KEY-----\n${this.chars(ALNUM, 64)}\n${this.chars(ALNUM, 64)}\n-----END RSA PRIVATE KEY-----\n`;
      case 'aws-access-key':
        return `AKIA${this.chars(BASE32, 16)}`;
      case 'github-token':
        return `ghp_${this.chars(ALNUM, 36)}`;
      case 'gitlab-token':
        return `glpat-${this.chars(ALNUM, 20)}`;
      case 'slack-token':
        return `xoxb-${this.chars('0123456789', 12)}-${this.chars(ALNUM, 24)}`;
      case 'jwt':
        return `eyJhbGciOiJIUzI1NiJ9.eyJ${this.chars(BASE64URL, 30)}.${this.chars(BASE64URL, 43)}`;
      case 'connection-string':
        return `postgres://app:${this.chars(ALNUM, 18)}@db-${this.random.hex(6)}.internal:5432/app`;
    }
  }
}

function instanceAddress(resource: ResourceSpec, instance: InstanceSpec): string {
  const module = resource.module === undefined ? '' : `${resource.module}.`;
  const mode = resource.mode === 'data' ? 'data.' : '';
  const key = instance.indexKey === undefined ? '' : `[${typeof instance.indexKey === 'number' ? instance.indexKey : JSON.stringify(instance.indexKey)}]`;
  return `${module}${mode}${resource.type}.${resource.name}${key}`;
}
