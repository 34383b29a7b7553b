import type { JsonObject } from '../json/json-value.js';
import { ACCOUNT, REGION, ZONES, ami, bucket, dbInstance, ec2, securityGroup } from './large-state-attributes.js';
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

export interface ResourceSpec {
  module?: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  instances: JsonObject[];
}

/** A resource object in Terraform's key order. */
export function resourceObject(spec: ResourceSpec): JsonObject {
  const out: JsonObject = {};
  if (spec.module !== undefined) out.module = spec.module;
  out.mode = spec.mode;
  out.type = spec.type;
  out.name = spec.name;
  out.provider = AWS;
  out.instances = spec.instances;
  return out;
}

interface InstanceSpec {
  indexKey?: number | string;
  deposed?: string;
  schemaVersion: number;
  attributes: JsonObject;
  sensitive?: string[][];
  private?: string;
  dependencies?: string[];
  createBeforeDestroy?: boolean;
}

function instance(spec: InstanceSpec): JsonObject {
  const out: JsonObject = {};
  if (spec.indexKey !== undefined) out.index_key = spec.indexKey;
  if (spec.deposed !== undefined) out.deposed = spec.deposed;
  out.schema_version = spec.schemaVersion;
  out.attributes = spec.attributes;
  out.sensitive_attributes = (spec.sensitive ?? []).map((path) => path.map((step) => ({ type: 'get_attr', value: step })));
  if (spec.private !== undefined) out.private = spec.private;
  if (spec.dependencies !== undefined && spec.dependencies.length > 0) out.dependencies = [...spec.dependencies].sort();
  if (spec.createBeforeDestroy) out.create_before_destroy = true;
  return out;
}

/** The root module's resources, written once before the modules. */
export function rootResources(random: SeededRandom): JsonObject[] {
  const vpcId = `vpc-${random.hex(17)}`;
  const policy = JSON.stringify({
    Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } }],
    Version: '2012-10-17',
  });
  return [
    resourceObject({
      mode: 'data',
      type: 'aws_caller_identity',
      name: 'current',
      instances: [
        instance({
          schemaVersion: 0,
          attributes: {
            account_id: ACCOUNT,
            arn: `arn:aws:sts::${ACCOUNT}:assumed-role/terraform/ci`,
            id: ACCOUNT,
            user_id: `AROA${random.hex(17).toUpperCase()}:ci`,
          },
        }),
      ],
    }),
    resourceObject({
      mode: 'managed',
      type: 'aws_iam_role',
      name: 'ec2',
      instances: [
        instance({
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
        }),
      ],
    }),
    resourceObject({
      mode: 'managed',
      type: 'aws_subnet',
      name: 'private',
      instances: ZONES.map((zone, i) =>
        instance({
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
        }),
      ),
    }),
    resourceObject({
      mode: 'managed',
      type: 'aws_vpc',
      name: 'main',
      instances: [
        instance({
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
        }),
      ],
    }),
  ];
}

/**
 * One `module.service["svc-…"]` instance: six resources, sorted as Terraform
 * sorts them (mode, then type, then name) and about 30 KB of JSON.
 */
export function serviceResources(index: number, random: SeededRandom): JsonObject[] {
  const service = `svc-${String(index).padStart(8, '0')}`;
  const module = `module.service[${JSON.stringify(service)}]`;
  const owner = random.pick(OWNERS);
  const amiId = `ami-${random.hex(17)}`;
  const sgId = `sg-${random.hex(17)}`;
  const deps = ['aws_iam_role.ec2', 'aws_subnet.private', 'aws_vpc.main', 'module.service.aws_security_group.app'];
  return [
    resourceObject({ module, mode: 'data', type: 'aws_ami', name: 'ubuntu', instances: [instance({ schemaVersion: 0, attributes: ami(amiId, random) })] }),
    resourceObject({
      module,
      mode: 'managed',
      type: 'aws_db_instance',
      name: 'db',
      instances: [
        instance({
          schemaVersion: 2,
          attributes: dbInstance(service, owner, index, random),
          sensitive: [['password']],
          private: INSTANCE_PRIVATE,
          dependencies: ['module.service.aws_security_group.app'],
        }),
      ],
    }),
    resourceObject({ module, mode: 'managed', type: 'aws_instance', name: 'app', instances: appInstances(service, owner, index, amiId, sgId, deps, random) }),
    resourceObject({
      module,
      mode: 'managed',
      type: 'aws_route53_record',
      name: 'dns',
      // for_each keys are strings; instances are sorted by key.
      instances: ['api', 'www'].map((key) =>
        instance({
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
        }),
      ),
    }),
    resourceObject({ module, mode: 'managed', type: 'aws_s3_bucket', name: 'logs', instances: [instance({ schemaVersion: 0, attributes: bucket(service, owner, random) })] }),
    resourceObject({
      module,
      mode: 'managed',
      type: 'aws_security_group',
      name: 'app',
      instances: [instance({ schemaVersion: 1, attributes: securityGroup(service, owner, sgId, random), private: SG_TIMEOUTS_PRIVATE, dependencies: ['aws_vpc.main'] })],
    }),
  ];
}

function appInstances(
  service: string,
  owner: string,
  index: number,
  amiId: string,
  sgId: string,
  deps: string[],
  random: SeededRandom,
): JsonObject[] {
  const out: JsonObject[] = [];
  for (let n = 0; n < 3; n++) {
    const base = { indexKey: n, schemaVersion: 1, private: INSTANCE_PRIVATE, dependencies: deps, createBeforeDestroy: true };
    out.push(instance({ ...base, attributes: ec2(service, owner, n, amiId, sgId, random) }));
    // Now and then a failed create_before_destroy leaves a deposed object
    // right after the current one.
    if (n === 0 && index % 25 === 0) out.push(instance({ ...base, deposed: random.hex(8), attributes: ec2(service, owner, n, amiId, sgId, random) }));
  }
  return out;
}
