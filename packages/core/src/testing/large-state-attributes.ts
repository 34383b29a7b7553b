import { JsonNumber, type JsonObject, type JsonValue } from '../json/json-value.js';
import type { SeededRandom } from './random.js';

// Attribute objects of the aws resources the large-state generator writes,
// modelled on fixtures/terraform/generated/aws-6-services.tfstate. Keys are
// sorted, as cty writes object attributes and maps; the generator's tests
// check it.

export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';
export const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
const CITIES = ['Zürich', 'São Paulo', 'Kraków', 'Montréal'];
/** Unix nanoseconds are beyond 2^53: they only survive as exact number text. */
const NANO_EPOCH = 1715428800123456789n;

export function tags(service: string, name: string, owner: string, random: SeededRandom): { tags: JsonObject; tags_all: JsonObject } {
  const tagSet: JsonObject = {
    CostCenter: `cc-${random.int(1000, 9999)}`,
    Environment: 'prod',
    Location: random.pick(CITIES),
    ManagedBy: 'terraform',
    Name: name,
    Owner: owner,
    Service: service,
  };
  return { tags: tagSet, tags_all: { ...tagSet, Terraform: 'true' } };
}

export function ami(amiId: string, random: SeededRandom): JsonObject {
  return {
    architecture: 'x86_64',
    arn: `arn:aws:ec2:${REGION}::image/${amiId}`,
    block_device_mappings: [
      {
        device_name: '/dev/sda1',
        ebs: { delete_on_termination: 'true', encrypted: 'false', iops: '0', snapshot_id: `snap-${random.hex(17)}`, volume_size: '8', volume_type: 'gp2' },
        no_device: '',
        virtual_name: '',
      },
    ],
    creation_date: '2024-05-01T12:00:00.000Z',
    description: 'Canonical, Ubuntu, 22.04 LTS, amd64 jammy image',
    filter: [
      { name: 'name', values: ['ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*'] },
      { name: 'virtualization-type', values: ['hvm'] },
    ],
    id: amiId,
    most_recent: true,
    name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240501',
    owners: ['099720109477'],
    root_device_type: 'ebs',
    tags: {},
    timeouts: null,
  };
}

export function dbInstance(service: string, owner: string, index: number, random: SeededRandom): JsonObject {
  const id = `${service}-db`;
  return {
    allocated_storage: random.pick([20, 50, 100, 500]),
    arn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${id}`,
    backup_retention_period: 7,
    backup_window: '03:00-04:00',
    ca_cert_identifier: 'rds-ca-rsa2048-g1',
    endpoint: `${id}.c${random.hex(11)}.${REGION}.rds.amazonaws.com:5432`,
    engine: 'postgres',
    engine_version: '16.3',
    id: `db-${random.hex(26).toUpperCase()}`,
    instance_class: random.pick(['db.t3.micro', 'db.t3.medium', 'db.r6g.large']),
    // Beyond 2^53: a JS double would round this; the state must keep every digit.
    latest_restorable_time_unix_nano: new JsonNumber((NANO_EPOCH + BigInt(index) * 1_000_003n).toString()),
    max_allocated_storage: 1000,
    monitoring_interval: 0,
    multi_az: index % 3 === 0,
    parameter_group_name: 'default.postgres16',
    password: `pw-${random.hex(24)}`,
    performance_insights_retention_period: 0,
    port: 5432,
    storage_encrypted: true,
    storage_throughput: 0,
    storage_type: 'gp3',
    ...tags(service, id, owner, random),
    timeouts: null,
    username: 'app',
    vpc_security_group_ids: [`sg-${random.hex(17)}`],
  };
}

export function ec2(service: string, owner: string, n: number, amiId: string, sgId: string, random: SeededRandom): JsonObject {
  const instanceId = `i-${random.hex(17)}`;
  const ip = `10.3.${random.int(0, 255)}.${random.int(1, 254)}`;
  const volume = (device: string, size: number): JsonObject => ({
    delete_on_termination: true,
    device_name: device,
    encrypted: true,
    iops: 3000,
    kms_key_id: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${random.uuid()}`,
    tags: {},
    tags_all: {},
    throughput: 125,
    volume_id: `vol-${random.hex(17)}`,
    volume_size: size,
    volume_type: 'gp3',
  });
  return {
    ami: amiId,
    arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${instanceId}`,
    associate_public_ip_address: false,
    availability_zone: ZONES[n % ZONES.length] ?? REGION,
    cpu_core_count: 1,
    cpu_options: [{ amd_sev_snp: '', core_count: 1, threads_per_core: 2 }],
    credit_specification: [{ cpu_credits: 'unlimited' }],
    ebs_block_device: [volume('/dev/sdf', random.pick([50, 100, 200]))],
    ebs_optimized: false,
    iam_instance_profile: 'app-ec2-profile',
    id: instanceId,
    instance_state: 'running',
    instance_type: random.pick(['t3.micro', 't3.small', 'm6i.large']),
    ipv6_addresses: [],
    key_name: 'deploy-prod',
    metadata_options: [
      { http_endpoint: 'enabled', http_protocol_ipv6: 'disabled', http_put_response_hop_limit: 2, http_tokens: 'required', instance_metadata_tags: 'disabled' },
    ],
    monitoring: false,
    placement_partition_number: 0,
    primary_network_interface_id: `eni-${random.hex(17)}`,
    private_dns: `ip-${ip.replaceAll('.', '-')}.${REGION}.compute.internal`,
    private_ip: ip,
    root_block_device: [volume('/dev/xvda', 30)],
    spot_price_ratio: random.pick([0.25, 0.5, 0.75]),
    subnet_id: `subnet-${random.hex(17)}`,
    ...tags(service, `${service}-app-${n}`, owner, random),
    tenancy: 'default',
    timeouts: null,
    // A long opaque string, as cloud-init payloads are.
    user_data_base64: random.base64(1536),
    vpc_security_group_ids: [sgId],
  };
}

export function bucket(service: string, owner: string, random: SeededRandom): JsonObject {
  const name = `${service}-logs-${random.hex(8)}`;
  const policy = JSON.stringify({
    Statement: [
      {
        Action: ['s3:GetObject', 's3:PutObject'],
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Resource: `arn:aws:s3:::${name}/*`,
        Sid: 'S3ServerAccessLogsPolicy',
      },
    ],
    Version: '2012-10-17',
  });
  return {
    arn: `arn:aws:s3:::${name}`,
    bucket: name,
    bucket_domain_name: `${name}.s3.amazonaws.com`,
    force_destroy: false,
    hosted_zone_id: 'Z1BKCTXD74EZPE',
    id: name,
    lifecycle_rule: [
      {
        abort_incomplete_multipart_upload_days: 7,
        enabled: true,
        expiration: [{ date: '', days: random.pick([30, 90, 365]), expired_object_delete_marker: false }],
        id: 'expire-logs',
        prefix: 'logs/',
        transition: [{ date: '', days: 30, storage_class: 'STANDARD_IA' }],
      },
    ],
    policy,
    region: REGION,
    server_side_encryption_configuration: [{ rule: [{ apply_server_side_encryption_by_default: [{ kms_master_key_id: '', sse_algorithm: 'AES256' }], bucket_key_enabled: false }] }],
    ...tags(service, name, owner, random),
    versioning: [{ enabled: true, mfa_delete: false }],
  };
}

export function securityGroup(service: string, owner: string, sgId: string, random: SeededRandom): JsonObject {
  const rule = (port: number, description: string): JsonObject => ({
    cidr_blocks: ['10.3.0.0/16'],
    description,
    from_port: port,
    ipv6_cidr_blocks: [],
    prefix_list_ids: [],
    protocol: 'tcp',
    security_groups: [],
    self: false,
    to_port: port,
  });
  const ingress: JsonValue[] = [rule(443, 'HTTPS from the VPC'), rule(5432, `postgres <${service}> & replicas`), rule(random.int(8000, 8999), 'app port')];
  return {
    arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${sgId}`,
    description: `Security group for ${service}`,
    egress: [{ ...rule(0, ''), cidr_blocks: ['0.0.0.0/0'], protocol: '-1', to_port: 0 }],
    id: sgId,
    ingress,
    name: `${service}-app`,
    owner_id: ACCOUNT,
    revoke_rules_on_delete: false,
    ...tags(service, `${service}-app`, owner, random),
    timeouts: null,
    vpc_id: `vpc-${random.hex(17)}`,
  };
}
