import type { JsonObject } from '../json/json-value.js';
import { ACCOUNT, REGION, ZONES, ami, bucket, dbInstance, ec2, securityGroup } from './large-state-attributes.js';
import { monitoringResources } from './large-state-monitoring.js';
import type { SeededRandom } from './random.js';

// Shapes modelled on the aws provider's resources as they appear in
// fixtures/terraform/generated/aws-6-services.tfstate. Two invariants the
// byte-identical round trip depends on:
// - objects are built in Terraform's key order: resource and instance keys in
//   the order of FORMATS.md, attribute keys sorted (cty objects and maps are);
// - no object has integer-like keys, which JS would reorder.

const AWS = 'provider["registry.terraform.io/hashicorp/aws"]';
const OWNERS = ['search', 'payments', 'platform', 'identity', 'growth', 'data'];
const SG_TIMEOUTS_PRIVATE = 'eyJlMmJmYjczMC1lY2FhLTExZTYtOGY4OC0zNDM2M2JjN2M0YzAiOnsiY3JlYXRlIjo2MDAwMDAwMDAwMDAsImRlbGV0ZSI6OTAwMDAwMDAwMDAwfSwic2NoZW1hX3ZlcnNpb24iOiIxIn0=';
const INSTANCE_PRIVATE = 'eyJlMmJmYjczMC1lY2FhLTExZTYtOGY4OC0zNDM2M2JjN2M0YzAiOnsiY3JlYXRlIjo2MDAwMDAwMDAwMDAsImRlbGV0ZSI6MTIwMDAwMDAwMDAwMCwicmVhZCI6OTAwMDAwMDAwMDAwLCJ1cGRhdGUiOjYwMDAwMDAwMDAwMH0sInNjaGVtYV92ZXJzaW9uIjoiMSJ9';

/** One step of a sensitive path: an attribute name, or an index into a list (number) or map (string). */
export type SensitiveStep = string | { index: number | string };

/** One object of a resource: the current object of an instance, or a deposed one. */
export interface InstanceSpec {
  indexKey?: number | string;
  /** Written as `"status": "tainted"`, as `terraform taint` leaves it. */
  tainted?: boolean;
  deposed?: string;
  schemaVersion: number;
  attributes: JsonObject;
  sensitive?: SensitiveStep[][];
  private?: string;
  dependencies?: string[];
  createBeforeDestroy?: boolean;
}

/**
 * A resource as the generator builds it: typed, so a mutation can find its
 * instances and keys; `resourceJson` turns it into what the state holds.
 */
export interface ResourceSpec {
  /** The module instance address; absent for the root module. */
  module?: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  instances: InstanceSpec[];
}

/** The resource object in Terraform's key order. */
export function resourceJson(spec: ResourceSpec): JsonObject {
  const out: JsonObject = {};
  if (spec.module !== undefined) out.module = spec.module;
  out.mode = spec.mode;
  out.type = spec.type;
  out.name = spec.name;
  out.provider = AWS;
  out.instances = spec.instances.map(instanceJson);
  return out;
}

function instanceJson(spec: InstanceSpec): JsonObject {
  const out: JsonObject = {};
  if (spec.indexKey !== undefined) out.index_key = spec.indexKey;
  if (spec.tainted) out.status = 'tainted';
  if (spec.deposed !== undefined) out.deposed = spec.deposed;
  out.schema_version = spec.schemaVersion;
  out.attributes = spec.attributes;
  out.sensitive_attributes = (spec.sensitive ?? []).map((path) => path.map(sensitiveStepJson));
  if (spec.private !== undefined) out.private = spec.private;
  if (spec.dependencies !== undefined && spec.dependencies.length > 0) out.dependencies = [...spec.dependencies].sort();
  if (spec.createBeforeDestroy) out.create_before_destroy = true;
  return out;
}

// Terraform 1.11 writes an index step's key as cty's dynamic JSON,
// {"value": 0, "type": "number"}, checked with terraform_data and a
// sensitive variable inside a list and a map.
function sensitiveStepJson(step: SensitiveStep): JsonObject {
  if (typeof step === 'string') return { type: 'get_attr', value: step };
  return { type: 'index', value: { value: step.index, type: typeof step.index === 'number' ? 'number' : 'string' } };
}

/** The root module's resources, written once before the modules. */
export function rootResources(random: SeededRandom): ResourceSpec[] {
  const vpcId = `vpc-${random.hex(17)}`;
  const policy = JSON.stringify({
    Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } }],
    Version: '2012-10-17',
  });
  return [
    {
      mode: 'data',
      type: 'aws_caller_identity',
      name: 'current',
      instances: [
        {
          schemaVersion: 0,
          attributes: {
            account_id: ACCOUNT,
            arn: `arn:aws:sts::${ACCOUNT}:assumed-role/terraform/ci`,
            id: ACCOUNT,
            user_id: `AROA${random.hex(17).toUpperCase()}:ci`,
          },
        },
      ],
    },
    {
      mode: 'managed',
      type: 'aws_iam_role',
      name: 'ec2',
      instances: [
        {
          schemaVersion: 0,
          attributes: {
            arn: `arn:aws:iam::${ACCOUNT}:role/app-ec2`,
            assume_role_policy: policy,
            create_date: '2024-01-15T10:00:00Z',
            description: 'EC2 role for <all> services & workers',
            force_detach_policies: false,
            id: 'app-ec2',
            inline_policy: [],
            managed_policy_arns: ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'],
            max_session_duration: 3600,
            name: 'app-ec2',
            path: '/',
            tags: {},
            tags_all: {},
          },
        },
      ],
    },
    {
      mode: 'managed',
      type: 'aws_subnet',
      name: 'private',
      instances: ZONES.map((zone, i) => ({
        indexKey: i,
        schemaVersion: 1,
        attributes: {
          availability_zone: zone,
          cidr_block: `10.3.${i * 64}.0/18`,
          id: `subnet-${random.hex(17)}`,
          map_public_ip_on_launch: false,
          tags: { Name: `private-${zone}` },
          vpc_id: vpcId,
        },
        dependencies: ['aws_vpc.main'],
      })),
    },
    {
      mode: 'managed',
      type: 'aws_vpc',
      name: 'main',
      instances: [
        {
          schemaVersion: 1,
          attributes: {
            arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/${vpcId}`,
            cidr_block: '10.3.0.0/16',
            enable_dns_hostnames: true,
            enable_dns_support: true,
            id: vpcId,
            instance_tenancy: 'default',
            tags: { Name: 'main' },
          },
        },
      ],
    },
  ];
}

/**
 * One `module.service["svc-…"]` instance: six resources, sorted as Terraform
 * sorts them (mode, then type, then name), then its nested
 * `module.monitoring`, which sorts right after them (its address extends
 * theirs); 40 to 60 KB of JSON in all.
 */
export function serviceResources(index: number, random: SeededRandom): ResourceSpec[] {
  const service = `svc-${String(index).padStart(8, '0')}`;
  const module = `module.service[${JSON.stringify(service)}]`;
  const owner = random.pick(OWNERS);
  const amiId = `ami-${random.hex(17)}`;
  const sgId = `sg-${random.hex(17)}`;
  const deps = ['aws_iam_role.ec2', 'aws_subnet.private', 'aws_vpc.main', 'module.service.aws_security_group.app'];
  const app = appInstances(service, owner, index, amiId, sgId, deps, random);
  return [
    { module, mode: 'data', type: 'aws_ami', name: 'ubuntu', instances: [{ schemaVersion: 0, attributes: ami(amiId, random) }] },
    {
      module,
      mode: 'managed',
      type: 'aws_db_instance',
      name: 'db',
      instances: [
        {
          schemaVersion: 2,
          attributes: dbInstance(service, owner, index, random),
          sensitive: [['password']],
          private: INSTANCE_PRIVATE,
          dependencies: ['module.service.aws_security_group.app'],
        },
      ],
    },
    { module, mode: 'managed', type: 'aws_instance', name: 'app', instances: app },
    {
      module,
      mode: 'managed',
      type: 'aws_route53_record',
      name: 'dns',
      // for_each keys are strings; instances are sorted by key.
      instances: ['api', 'www'].map((key) => ({
        indexKey: key,
        schemaVersion: 2,
        attributes: {
          alias: [],
          fqdn: `${key}.${service}.example.com`,
          id: `Z${random.hex(13).toUpperCase()}_${key}.${service}.example.com_A`,
          name: `${key}.${service}.example.com`,
          records: [`10.3.${random.int(0, 255)}.${random.int(1, 254)}`],
          ttl: 300,
          type: 'A',
          zone_id: `Z${random.hex(13).toUpperCase()}`,
        },
        dependencies: ['module.service.aws_instance.app'],
      })),
    },
    { module, mode: 'managed', type: 'aws_s3_bucket', name: 'logs', instances: [{ schemaVersion: 0, attributes: bucket(service, owner, random) }] },
    {
      module,
      mode: 'managed',
      type: 'aws_security_group',
      name: 'app',
      instances: [{ schemaVersion: 1, attributes: securityGroup(service, owner, sgId, random), private: SG_TIMEOUTS_PRIVATE, dependencies: ['aws_vpc.main'] }],
    },
    ...monitoringResources({ parent: module, service, index, owner, instanceIds: app.flatMap(currentInstanceId) }, random),
  ];
}

// A KMS key fed from a sensitive variable: Terraform marks the nested
// attribute, so the path goes through the block list's first element.
const ROOT_VOLUME_KEY: SensitiveStep[] = ['root_block_device', { index: 0 }, 'kms_key_id'];

function appInstances(
  service: string,
  owner: string,
  index: number,
  amiId: string,
  sgId: string,
  deps: string[],
  random: SeededRandom,
): InstanceSpec[] {
  const out: InstanceSpec[] = [];
  const sensitive = index % 4 === 1 ? [ROOT_VOLUME_KEY] : [];
  for (let n = 0; n < 3; n++) {
    const base = { indexKey: n, schemaVersion: 1, sensitive, private: INSTANCE_PRIVATE, dependencies: deps, createBeforeDestroy: true };
    // Now and then an instance is tainted (a failed provisioner, `terraform taint`).
    out.push({ ...base, tainted: n === 1 && index % 20 === 3, attributes: ec2(service, owner, n, amiId, sgId, random) });
    // Now and then a failed create_before_destroy leaves a deposed object
    // right after the current one.
    if (n === 0 && index % 25 === 0) out.push({ ...base, deposed: random.hex(8), attributes: ec2(service, owner, n, amiId, sgId, random) });
  }
  return out;
}

function currentInstanceId(instance: InstanceSpec): string[] {
  const id = instance.attributes['id'];
  return instance.deposed === undefined && typeof id === 'string' ? [id] : [];
}
