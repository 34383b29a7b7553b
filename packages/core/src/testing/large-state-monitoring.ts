import type { JsonObject } from '../json/json-value.js';
import { ACCOUNT, REGION, tags } from './large-state-attributes.js';
import type { ResourceSpec } from './large-state-resources.js';
import type { SeededRandom } from './random.js';

// The nested module every service calls: `module.service["svc-…"].module.monitoring`.
// It brings what the service module alone lacks: a module inside a module
// instance, a data source other than the AMI lookup, and a count of 12 or
// more, where Terraform's numeric key order ([2] before [10]) and a
// string order ([10] before [2]) part ways. Attribute keys are sorted, as
// in large-state-attributes.ts.

const CONFIG = 'module.service.module.monitoring';
/** {"schema_version":"1"}: what the aws provider keeps in `private` for alarms. */
const ALARM_PRIVATE = 'eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ==';

export interface MonitoringModule {
  /** The calling module instance, e.g. `module.service["svc-00000001"]`. */
  parent: string;
  service: string;
  index: number;
  owner: string;
  /** The service's EC2 instance ids; the alarms watch them in turn. */
  instanceIds: readonly string[];
}

/** The nested module's resources, in Terraform's order (data before managed, then type, then name). */
export function monitoringResources(spec: MonitoringModule, random: SeededRandom): ResourceSpec[] {
  const module = `${spec.parent}.module.monitoring`;
  const topicName = `${spec.service}-alerts`;
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${topicName}`;
  const document = policyDocument(topicArn);
  // One alarm per instance, and a dozen for every fourth service (a bigger
  // fleet): two-digit keys, while keeping each service under 64 KiB.
  const alarms = spec.index % 4 === 2 ? 12 : 3;
  return [
    { module, mode: 'data', type: 'aws_iam_policy_document', name: 'topic', instances: [{ schemaVersion: 0, attributes: document }] },
    {
      module,
      mode: 'managed',
      type: 'aws_cloudwatch_metric_alarm',
      name: 'cpu',
      instances: Array.from({ length: alarms }, (_, n) => ({
        indexKey: n,
        schemaVersion: 1,
        attributes: metricAlarm(spec, n, topicArn, random),
        private: ALARM_PRIVATE,
        dependencies: ['module.service.aws_instance.app', `${CONFIG}.aws_sns_topic.alerts`],
      })),
    },
    {
      module,
      mode: 'managed',
      type: 'aws_sns_topic',
      name: 'alerts',
      instances: [{ schemaVersion: 0, attributes: snsTopic(spec, topicName, topicArn, document, random), dependencies: [`${CONFIG}.data.aws_iam_policy_document.topic`] }],
    },
    {
      module,
      mode: 'managed',
      type: 'aws_sns_topic_subscription',
      name: 'pager',
      instances: [
        {
          schemaVersion: 0,
          attributes: snsSubscription(topicArn, random),
          // The endpoint URL carries the paging service's integration key.
          sensitive: [['endpoint']],
          dependencies: [`${CONFIG}.aws_sns_topic.alerts`],
        },
      ],
    },
  ];
}

function policyDocument(topicArn: string): JsonObject {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowCloudWatchAlarms',
        Effect: 'Allow',
        Action: 'SNS:Publish',
        Resource: topicArn,
        Principal: { Service: 'cloudwatch.amazonaws.com' },
      },
    ],
  };
  const json = JSON.stringify(policy, null, 2);
  return {
    // The provider's id is a hash of the document.
    id: String(hashCode(json)),
    // The provider pretty-prints `json`: newlines inside a string, escaped as \n.
    json,
    minified_json: JSON.stringify(policy),
    override_policy_documents: null,
    policy_id: null,
    source_policy_documents: null,
    statement: [
      {
        actions: ['SNS:Publish'],
        condition: [],
        effect: 'Allow',
        not_actions: [],
        not_principals: [],
        not_resources: [],
        principals: [{ identifiers: ['cloudwatch.amazonaws.com'], type: 'Service' }],
        resources: [topicArn],
        sid: 'AllowCloudWatchAlarms',
      },
    ],
    version: '2012-10-17',
  };
}

function metricAlarm(spec: MonitoringModule, n: number, topicArn: string, random: SeededRandom): JsonObject {
  const name = `${spec.service}-cpu-${n}`;
  const threshold = random.pick([70, 80, 90]);
  return {
    actions_enabled: true,
    alarm_actions: [topicArn],
    alarm_description: `CPU of ${spec.service} above ${threshold}% for 10 minutes`,
    alarm_name: name,
    arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
    comparison_operator: 'GreaterThanOrEqualToThreshold',
    datapoints_to_alarm: 0,
    dimensions: { InstanceId: spec.instanceIds[n % spec.instanceIds.length] ?? `i-${random.hex(17)}` },
    evaluate_low_sample_count_percentiles: '',
    evaluation_periods: 2,
    extended_statistic: '',
    id: name,
    insufficient_data_actions: [],
    metric_name: 'CPUUtilization',
    metric_query: [],
    namespace: 'AWS/EC2',
    ok_actions: [topicArn],
    period: 300,
    statistic: 'Average',
    tags: {},
    tags_all: {},
    threshold,
    threshold_metric_id: '',
    treat_missing_data: random.pick(['missing', 'breaching', 'notBreaching']),
    unit: '',
  };
}

function snsTopic(spec: MonitoringModule, name: string, arn: string, document: JsonObject, random: SeededRandom): JsonObject {
  return {
    application_failure_feedback_role_arn: '',
    application_success_feedback_role_arn: '',
    application_success_feedback_sample_rate: 0,
    archive_policy: '',
    arn,
    beginning_archive_time: '',
    content_based_deduplication: false,
    delivery_policy: '',
    display_name: `Alerts for ${spec.service}`,
    fifo_throughput_scope: '',
    fifo_topic: false,
    firehose_failure_feedback_role_arn: '',
    id: arn,
    kms_master_key_id: 'alias/aws/sns',
    name,
    name_prefix: '',
    owner: ACCOUNT,
    policy: document['minified_json'] ?? null,
    signature_version: 0,
    ...tags(spec.service, name, spec.owner, random),
    tracing_config: '',
  };
}

function snsSubscription(topicArn: string, random: SeededRandom): JsonObject {
  const arn = `${topicArn}:${random.uuid()}`;
  return {
    arn,
    confirmation_timeout_in_minutes: 1,
    confirmation_was_authenticated: true,
    delivery_policy: '',
    endpoint: `https://events.pagerduty.com/integration/${random.hex(32)}/enqueue`,
    endpoint_auto_confirms: false,
    filter_policy: '',
    filter_policy_scope: '',
    id: arn,
    owner_id: ACCOUNT,
    pending_confirmation: false,
    protocol: 'https',
    raw_message_delivery: false,
    redrive_policy: '',
    replay_policy: '',
    subscription_role_arn: '',
    topic_arn: topicArn,
  };
}

/** Java's String.hashCode, unsigned: a stable number for the data source's id. */
function hashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash >>> 0;
}
