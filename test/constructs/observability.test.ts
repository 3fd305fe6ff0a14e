import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { NagSuppressions } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUSINESS_METRICS } from '../../app/src/plugins/metrics';
import {
  BUSINESS_METRIC_NAMES,
  DASHBOARD_SECTIONS,
  Observability,
  type ObservabilityProps,
  RUNBOOK_PATH,
  runbookAnchor,
} from '../../lib/constructs/observability';
import { WebService } from '../../lib/constructs/web-service';
import { applyNag, expectNoNagFindings } from '../support/nag';

const metric = (namespace: string) => (metricName: string) => (props?: cloudwatch.MetricOptions) =>
  new cloudwatch.Metric({ namespace, metricName, period: Duration.minutes(1), ...props });
const rds = metric('AWS/RDS');
const waf = metric('AWS/WAFV2');
const ops = metric('Bulwark/Operations');
const perFamily = (name: string) => (family: string, props?: cloudwatch.MetricOptions) =>
  new cloudwatch.Metric({ namespace: 'Bulwark/Operations', metricName: name, dimensionsMap: { AddressFamily: family }, period: Duration.hours(1), ...props });

/** Stand-ins for the other constructs: the Observability props are interfaces of metric methods. */
const sources = {
  database: {
    isServerless: true,
    metricCPUUtilization: rds('CPUUtilization'),
    metricDatabaseConnections: rds('DatabaseConnections'),
    metricFreeableMemory: rds('FreeableMemory'),
    metricReplicaLag: rds('AuroraReplicaLagMaximum'),
    metricDeadlocks: rds('Deadlocks'),
    metricCommitLatency: rds('CommitLatency'),
    metricACUUtilization: rds('ACUUtilization'),
    metricServerlessDatabaseCapacity: rds('ServerlessDatabaseCapacity'),
  },
  webAcl: {
    ruleNames: ['AllowList', 'BlockList', 'RateLimitPerIp'],
    metricAllowedRequests: waf('AllowedRequests'),
    metricBlockedRequests: waf('BlockedRequests'),
    metricCountedRequests: waf('CountedRequests'),
    metricRuleBlockedRequests: (rule: string, props?: cloudwatch.MetricOptions) => waf('BlockedRequests')({ dimensionsMap: { Rule: rule }, ...props }),
    metricRuleCountedRequests: (rule: string, props?: cloudwatch.MetricOptions) => waf('CountedRequests')({ dimensionsMap: { Rule: rule }, ...props }),
    metricRateLimitedPerIp: waf('RateLimitPerIp'),
    metricRateLimitedPerUser: waf('RateLimitPerUser'),
  },
  ipSetSync: {
    metricSyncFailures: (props?: cloudwatch.MetricOptions) => ops('IpSetSyncFailures')({ statistic: 'Sum', ...props }),
    metricSyncRejectedEntries: ops('IpSetRejectedEntries'),
    metricSyncEntries: perFamily('IpSetEntries'),
    metricSyncShrinkRefused: perFamily('IpSetShrinkRefused'),
    metricSyncTruncated: perFamily('IpSetTruncated'),
  },
  backups: {
    metricSnapshotCopyAgeSeconds: (props?: cloudwatch.MetricOptions) => ops('SnapshotCopyAgeSeconds')({ statistic: 'Maximum', ...props }),
    metricCopiesStarted: ops('SnapshotCopiesStarted'),
    metricCopyFailures: (props?: cloudwatch.MetricOptions) => ops('SnapshotCopyFailures')({ statistic: 'Sum', ...props }),
    metricCopiesPruned: ops('SnapshotCopiesPruned'),
    metricPruneFailures: (props?: cloudwatch.MetricOptions) => ops('SnapshotPruneFailures')({ statistic: 'Sum', ...props }),
  },
};

function observabilityStack(overrides: Partial<ObservabilityProps> = {}) {
  const stack = new Stack(new App(), 'Monitoring', { env: { account: '123456789012', region: 'eu-west-1' } });
  applyNag(stack);
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
  NagSuppressions.addResourceSuppressions(vpc, [
    { id: 'AwsSolutions-VPC7', reason: 'Test scaffolding: the Network construct owns flow logs; this VPC only hosts the WebService the alarms watch.' },
  ]);
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0000000000000TEST001', zoneName: 'example.com' });
  const webService = new WebService(stack, 'Web', {
    vpc,
    stage: 'test',
    domainName: 'api.example.com',
    hostedZone,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:24-alpine'),
    deletionProtection: false,
    // The alarms and the dashboard read the bounds from here: no taskCount to restate.
    minTasks: 2,
    maxTasks: 50,
  });
  const observability = new Observability(stack, 'Observability', {
    webService,
    database: { metrics: sources.database, maxConnections: 900, memoryBytes: 8 * 2 ** 30 },
    webAcl: sources.webAcl,
    ipSetSync: { ...sources.ipSetSync, syncInterval: Duration.hours(1) },
    shieldProtectedResourceArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef',
    backups: sources.backups,
    functions: {
      'snapshot-copier': lambda.Function.fromFunctionName(stack, 'Copier', 'bulwark-test-copier'),
      'ip-set-sync': lambda.Function.fromFunctionName(stack, 'Sync', 'bulwark-test-sync'),
    },
    businessMetrics: { namespace: 'Bulwark/Business', stage: 'test' },
    alarmEmails: ['oncall@example.com'],
    runbookUrl: RUNBOOK_PATH,
    alarmNamePrefix: 'Bulwark-test',
    dashboardName: 'Bulwark-test',
    ...overrides,
  });
  return { stack, observability };
}

/** The alarm resource named `Bulwark-test-<name>`. */
function alarmNamed(template: Template, name: string, type = 'AWS::CloudWatch::Alarm'): Record<string, any> {
  const found = Object.values(template.findResources(type)).filter((alarm) => (alarm.Properties.AlarmName ?? alarm.Properties.AlarmName) === `Bulwark-test-${name}`);
  expect(found, `alarm ${name}`).toHaveLength(1);
  return found[0].Properties;
}

/** The (single) metric of a plain metric alarm. */
function expectSingleMetric(alarm: Record<string, any>, expected: { namespace: string; metricName: string; statistic?: string; extendedStatistic?: string; period: number }) {
  // A labelled metric renders as a one-element Metrics list rather than the classic fields.
  if (alarm.Metrics) {
    expect(alarm.Metrics).toHaveLength(1);
    const { MetricStat: stat } = alarm.Metrics[0];
    expect(stat.Metric.Namespace).toBe(expected.namespace);
    expect(stat.Metric.MetricName).toBe(expected.metricName);
    expect(stat.Stat).toBe(expected.statistic ?? expected.extendedStatistic);
    expect(stat.Period).toBe(expected.period);
    return;
  }
  expect(alarm.Namespace).toBe(expected.namespace);
  expect(alarm.MetricName).toBe(expected.metricName);
  if (expected.statistic) expect(alarm.Statistic).toBe(expected.statistic);
  if (expected.extendedStatistic) expect(alarm.ExtendedStatistic).toBe(expected.extendedStatistic);
  expect(alarm.Period).toBe(expected.period);
}

/** Dimensions of a single-metric alarm, in either rendering. */
const dimensionsOf = (alarm: Record<string, any>) => alarm.Dimensions ?? alarm.Metrics[0].MetricStat.Metric.Dimensions;

/** Evaluation, comparison, missing-data policy and the topic as the action on ALARM and OK. */
function expectEvaluation(
  alarm: Record<string, any>,
  expected: { threshold: number; comparison: string; evaluationPeriods: number; datapoints?: number; missing: string; notifies?: boolean },
) {
  expect(alarm.Threshold).toBe(expected.threshold);
  expect(alarm.ComparisonOperator).toBe(expected.comparison);
  expect(alarm.EvaluationPeriods).toBe(expected.evaluationPeriods);
  expect(alarm.DatapointsToAlarm).toBe(expected.datapoints ?? expected.evaluationPeriods);
  expect(alarm.TreatMissingData).toBe(expected.missing);
  if (expected.notifies === false) {
    expect(alarm.AlarmActions).toBeUndefined();
  } else {
    expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^ObservabilityAlarmTopic/) }]);
    expect(alarm.OKActions).toEqual([{ Ref: expect.stringMatching(/^ObservabilityAlarmTopic/) }]);
  }
}

/** The expression and the math inputs (id → metric name, stat, period) of a metric-math alarm. */
function mathOf(alarm: Record<string, any>) {
  const metrics: Array<Record<string, any>> = alarm.Metrics;
  const expression = metrics.find((m) => m.ReturnData !== false && m.Expression)?.Expression;
  const inputs = Object.fromEntries(
    metrics.filter((m) => m.MetricStat).map((m) => [m.Id, { metricName: m.MetricStat.Metric.MetricName, stat: m.MetricStat.Stat, period: m.MetricStat.Period }]),
  );
  return { expression, inputs };
}

const runbook = readFileSync(path.join(__dirname, '..', '..', 'docs', 'runbook.md'), 'utf8');
const runbookAnchors = new Set([...runbook.matchAll(/^#{1,6} (.+)$/gm)].map((match) => runbookAnchor(match[1])));

describe('Observability', () => {
  let stack: Stack;
  let observability: Observability;
  let template: Template;
  beforeAll(() => {
    ({ stack, observability } = observabilityStack());
    template = Template.fromStack(stack);
  });

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(stack);
  });

  describe('alarm topic', () => {
    it('is encrypted with a rotating key that CloudWatch alarms of this account may use', () => {
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObservabilityAlarmTopicKey'), 'Arn'] } });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'AllowCloudWatchAlarmsToPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
            }),
          ]),
        },
      });
    });

    it('refuses publishing without TLS and lets CloudWatch of this account publish', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Sid: 'AllowCloudWatchAlarmsOfThisAccount',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: Match.stringLikeRegexp('^ObservabilityAlarmTopic[0-9A-F]{8}$') },
            }),
          ]),
        },
      });
    });

    it('mails the on-call address', () => {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: Match.stringLikeRegexp('^ObservabilityAlarmTopic') } });
    });
  });

  describe('web tier alarms', () => {
    it('service-latency-p99: p99 TargetResponseTime above 50 ms for 3 of 3 minutes, with its runbook link', () => {
      const alarm = alarmNamed(template, 'service-latency-p99');
      expectSingleMetric(alarm, { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', extendedStatistic: 'p99', period: 60 });
      expectEvaluation(alarm, { threshold: 0.05, comparison: 'GreaterThanThreshold', evaluationPeriods: 3, missing: 'notBreaching' });
      expect(alarm.AlarmDescription).toMatch(/latency promise is broken now\..*Runbook: docs\/runbook\.md#service-latency-p99$/);
    });

    it('service-target-5xx: target + ELB 5xx above 1 % of requests for 3 of 3 minutes, quiet minutes excluded', () => {
      const alarm = alarmNamed(template, 'service-target-5xx');
      const { expression, inputs } = mathOf(alarm);
      expect(expression).toBe('IF(FILL(requests, 0) >= 50, 100 * (FILL(targetErrors, 0) + FILL(elbErrors, 0)) / FILL(requests, 0), 0)');
      expect(inputs).toEqual({
        requests: { metricName: 'RequestCount', stat: 'Sum', period: 60 },
        targetErrors: { metricName: 'HTTPCode_Target_5XX_Count', stat: 'Sum', period: 60 },
        elbErrors: { metricName: 'HTTPCode_ELB_5XX_Count', stat: 'Sum', period: 60 },
      });
      expectEvaluation(alarm, { threshold: 1, comparison: 'GreaterThanThreshold', evaluationPeriods: 3, missing: 'notBreaching' });
    });

    it('service-unhealthy-hosts: UnHealthyHostCount (max) at least 1 for 5 minutes', () => {
      const alarm = alarmNamed(template, 'service-unhealthy-hosts');
      expectSingleMetric(alarm, { namespace: 'AWS/ApplicationELB', metricName: 'UnHealthyHostCount', statistic: 'Maximum', period: 60 });
      expectEvaluation(alarm, { threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 5, missing: 'notBreaching' });
    });

    it('exposes the service alarms, named from the prefix', () => {
      expect((observability.serviceAlarms.http5xx.node.defaultChild as cloudwatch.CfnAlarm).alarmName).toBe('Bulwark-test-service-target-5xx');
      expect((observability.serviceAlarms.latencyP99.node.defaultChild as cloudwatch.CfnAlarm).alarmName).toBe('Bulwark-test-service-latency-p99');
    });
  });

  describe('ECS alarms', () => {
    it('ecs-tasks-below-minimum: RunningTaskCount (min) below 2 for 5 minutes; no data breaches', () => {
      const alarm = alarmNamed(template, 'ecs-tasks-below-minimum');
      expectSingleMetric(alarm, { namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', statistic: 'Minimum', period: 60 });
      expectEvaluation(alarm, { threshold: 2, comparison: 'LessThanThreshold', evaluationPeriods: 5, missing: 'breaching' });
    });

    it('ecs-tasks-at-maximum: RunningTaskCount (min) at 50 for 15 minutes', () => {
      const alarm = alarmNamed(template, 'ecs-tasks-at-maximum');
      expectSingleMetric(alarm, { namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', statistic: 'Minimum', period: 60 });
      expectEvaluation(alarm, { threshold: 50, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 15, missing: 'notBreaching' });
    });

    it('ecs-cpu-saturation: average CPU above 85 % for 5 minutes', () => {
      const alarm = alarmNamed(template, 'ecs-cpu-saturation');
      expectSingleMetric(alarm, { namespace: 'AWS/ECS', metricName: 'CPUUtilization', statistic: 'Average', period: 60 });
      expectEvaluation(alarm, { threshold: 85, comparison: 'GreaterThanThreshold', evaluationPeriods: 5, missing: 'notBreaching' });
    });

    it('ecs-memory-saturation: busiest task memory above 90 % for 5 minutes', () => {
      const alarm = alarmNamed(template, 'ecs-memory-saturation');
      expectSingleMetric(alarm, { namespace: 'AWS/ECS', metricName: 'MemoryUtilization', statistic: 'Maximum', period: 60 });
      expectEvaluation(alarm, { threshold: 90, comparison: 'GreaterThanThreshold', evaluationPeriods: 5, missing: 'notBreaching' });
    });
  });

  describe('SLO burn-rate alarms', () => {
    const windows = [
      { slo: 'availability', pair: 'fast', window: '1h', period: 3600, threshold: 0.0144 },
      { slo: 'availability', pair: 'fast', window: '5m', period: 300, threshold: 0.0144 },
      { slo: 'availability', pair: 'slow', window: '6h', period: 21600, threshold: 0.006 },
      { slo: 'availability', pair: 'slow', window: '30m', period: 1800, threshold: 0.006 },
      { slo: 'latency', pair: 'fast', window: '1h', period: 3600, threshold: 0.144 },
      { slo: 'latency', pair: 'fast', window: '5m', period: 300, threshold: 0.144 },
      { slo: 'latency', pair: 'slow', window: '6h', period: 21600, threshold: 0.06 },
      { slo: 'latency', pair: 'slow', window: '30m', period: 1800, threshold: 0.06 },
    ];

    it.each(windows)('slo-$slo-$pair-burn-$window: bad ratio over $period s at or above $threshold, silent', ({ slo, pair, window, period, threshold }) => {
      const alarm = alarmNamed(template, `slo-${slo}-${pair}-burn-${window}`);
      const { expression, inputs } = mathOf(alarm);
      if (slo === 'availability') {
        expect(expression).toBe('IF(FILL(requests, 0) > 0, (FILL(targetErrors, 0) + FILL(elbErrors, 0)) / FILL(requests, 0), 0)');
        expect(inputs).toEqual({
          requests: { metricName: 'RequestCount', stat: 'Sum', period },
          targetErrors: { metricName: 'HTTPCode_Target_5XX_Count', stat: 'Sum', period },
          elbErrors: { metricName: 'HTTPCode_ELB_5XX_Count', stat: 'Sum', period },
        });
      } else {
        expect(expression).toBe('IF(FILL(requests, 0) > 0, (100 - FILL(fastShare, 100)) / 100, 0)');
        expect(inputs).toEqual({
          requests: { metricName: 'RequestCount', stat: 'Sum', period },
          fastShare: { metricName: 'TargetResponseTime', stat: 'PR(:0.05)', period },
        });
      }
      expectEvaluation(alarm, { threshold, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 1, missing: 'notBreaching', notifies: false });
      expect(alarm.AlarmDescription).toContain(`Runbook: docs/runbook.md#slo-${slo}-${pair}-burn`);
    });

    it.each([
      ['availability', 'fast', '1h', '5m'],
      ['availability', 'slow', '6h', '30m'],
      ['latency', 'fast', '1h', '5m'],
      ['latency', 'slow', '6h', '30m'],
    ])('slo-%s-%s-burn: ALARM(long) AND ALARM(short), notifying the topic', (slo, pair, long, short) => {
      const composite = alarmNamed(template, `slo-${slo}-${pair}-burn`, 'AWS::CloudWatch::CompositeAlarm');
      const rule = JSON.stringify(stack.resolve(composite.AlarmRule));
      const logicalId = (name: string) =>
        Object.entries(template.findResources('AWS::CloudWatch::Alarm')).find(([, alarm]) => alarm.Properties.AlarmName === `Bulwark-test-${name}`)![0];
      expect(rule).toBe(
        JSON.stringify({
          'Fn::Join': ['', ['(ALARM("', { 'Fn::GetAtt': [logicalId(`slo-${slo}-${pair}-burn-${long}`), 'Arn'] }, '") AND ALARM("', { 'Fn::GetAtt': [logicalId(`slo-${slo}-${pair}-burn-${short}`), 'Arn'] }, '"))']],
        }),
      );
      expect(composite.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^ObservabilityAlarmTopic/) }]);
      expect(composite.AlarmDescription).toMatch(new RegExp(`Runbook: docs/runbook\\.md#slo-${slo}-${pair}-burn$`));
    });
  });

  describe('Aurora alarms', () => {
    it.each([
      ['database-cpu', 'CPUUtilization', 80, 'GreaterThanThreshold', 10],
      ['database-freeable-memory', 'FreeableMemory', Math.round(8 * 2 ** 30 * 0.1), 'LessThanThreshold', 5],
      ['database-connections', 'DatabaseConnections', 720, 'GreaterThanThreshold', 5],
      ['database-replica-lag', 'AuroraReplicaLagMaximum', 1000, 'GreaterThanThreshold', 5],
      ['database-capacity', 'ACUUtilization', 90, 'GreaterThanThreshold', 10],
    ] as const)('%s: %s %s %s for %s minutes', (name, metricName, threshold, comparison, minutes) => {
      const alarm = alarmNamed(template, name);
      expectSingleMetric(alarm, { namespace: 'AWS/RDS', metricName, period: 60 });
      expectEvaluation(alarm, { threshold, comparison, evaluationPeriods: minutes, missing: 'notBreaching' });
    });
  });

  describe('edge alarms', () => {
    it('waf-blocked-spike: above the anomaly band AND over 500 blocked in 5 minutes', () => {
      const floor = alarmNamed(template, 'waf-blocked-floor');
      expectSingleMetric(floor, { namespace: 'AWS/WAFV2', metricName: 'BlockedRequests', period: 300 });
      expectEvaluation(floor, { threshold: 500, comparison: 'GreaterThanThreshold', evaluationPeriods: 1, missing: 'notBreaching', notifies: false });
      const anomaly = alarmNamed(template, 'waf-blocked-anomaly');
      expect(anomaly.ComparisonOperator).toBe('GreaterThanUpperThreshold');
      expect(anomaly.ThresholdMetricId).toBeDefined();
      expect(anomaly.Metrics).toEqual(expect.arrayContaining([expect.objectContaining({ Expression: `ANOMALY_DETECTION_BAND(${anomaly.Metrics.find((m: any) => m.MetricStat).Id}, 3)` })]));
      expect(anomaly.AlarmActions).toBeUndefined();
      const composite = alarmNamed(template, 'waf-blocked-spike', 'AWS::CloudWatch::CompositeAlarm');
      expect(JSON.stringify(stack.resolve(composite.AlarmRule))).toMatch(/^\{"Fn::Join":\["",\["\(ALARM\(\\"",\{"Fn::GetAtt":\["ObservabilityWafBlockedAnomalyAlarm.*"\) AND ALARM\(\\"",\{"Fn::GetAtt":\["ObservabilityWafBlockedFloorAlarm/);
      expect(composite.AlarmActions).toHaveLength(1);
    });

    it('shield-ddos-detected: DDoSDetected for the load balancer at 1 within a minute', () => {
      const alarm = alarmNamed(template, 'shield-ddos-detected');
      expectSingleMetric(alarm, { namespace: 'AWS/DDoSProtection', metricName: 'DDoSDetected', statistic: 'Maximum', period: 60 });
      expect(dimensionsOf(alarm)).toEqual([{ Name: 'ResourceArn', Value: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef' }]);
      expectEvaluation(alarm, { threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 1, missing: 'notBreaching' });
    });
  });

  describe('backup, sync and function alarms', () => {
    it('backup-snapshot-copy-age: newest copy older than 32 h for two hourly reports; two hours without a report breach', () => {
      const alarm = alarmNamed(template, 'backup-snapshot-copy-age');
      expectSingleMetric(alarm, { namespace: 'Bulwark/Operations', metricName: 'SnapshotCopyAgeSeconds', statistic: 'Maximum', period: 3600 });
      expectEvaluation(alarm, { threshold: 115200, comparison: 'GreaterThanThreshold', evaluationPeriods: 2, missing: 'breaching' });
    });

    it('backup-copier-failures: copy + prune failures at least 1 in an hour', () => {
      const alarm = alarmNamed(template, 'backup-copier-failures');
      const { expression, inputs } = mathOf(alarm);
      expect(expression).toBe('FILL(copyFailures, 0) + FILL(pruneFailures, 0)');
      expect(inputs).toEqual({
        copyFailures: { metricName: 'SnapshotCopyFailures', stat: 'Sum', period: 3600 },
        pruneFailures: { metricName: 'SnapshotPruneFailures', stat: 'Sum', period: 3600 },
      });
      expectEvaluation(alarm, { threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 1, missing: 'notBreaching' });
    });

    it('ip-set-sync-failures: failures in 2 consecutive windows of two sync intervals; silence breaches', () => {
      const alarm = alarmNamed(template, 'ip-set-sync-failures');
      expectSingleMetric(alarm, { namespace: 'Bulwark/Operations', metricName: 'IpSetSyncFailures', statistic: 'Sum', period: 7200 });
      expectEvaluation(alarm, { threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 2, missing: 'breaching' });
    });

    it.each(['snapshot-copier', 'ip-set-sync'])('lambda-%s-errors and -throttles', (name) => {
      const errors = alarmNamed(template, `lambda-${name}-errors`);
      expectSingleMetric(errors, { namespace: 'AWS/Lambda', metricName: 'Errors', statistic: 'Sum', period: 3600 });
      expect(dimensionsOf(errors)).toHaveLength(1);
      expect(dimensionsOf(errors)[0].Name).toBe('FunctionName');
      expect(JSON.stringify(dimensionsOf(errors)[0].Value)).toContain(`function:bulwark-test-${name === 'ip-set-sync' ? 'sync' : 'copier'}`);
      expectEvaluation(errors, { threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 1, missing: 'notBreaching' });
      const throttles = alarmNamed(template, `lambda-${name}-throttles`);
      expectSingleMetric(throttles, { namespace: 'AWS/Lambda', metricName: 'Throttles', statistic: 'Sum', period: 3600 });
      expectEvaluation(throttles, { threshold: 5, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 2, missing: 'notBreaching' });
    });
  });

  describe('business alarm', () => {
    it('business-no-notes-created: busy hours without a NotesCreated event, 3 hours running', () => {
      const alarm = alarmNamed(template, 'business-no-notes-created');
      const { expression, inputs } = mathOf(alarm);
      expect(expression).toBe('IF(FILL(requests, 0) >= 1000 AND FILL(notesCreated, 0) == 0, 1, 0)');
      expect(inputs).toEqual({
        requests: { metricName: 'RequestCount', stat: 'Sum', period: 3600 },
        notesCreated: { metricName: 'NotesCreated', stat: 'Sum', period: 3600 },
      });
      const notes = alarm.Metrics.find((m: any) => m.Id === 'notesCreated').MetricStat.Metric;
      expect(notes).toEqual({ Namespace: 'Bulwark/Business', MetricName: 'NotesCreated', Dimensions: [{ Name: 'Stage', Value: 'test' }] });
      expectEvaluation(alarm, { threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 3, missing: 'notBreaching' });
    });

    it('counts the events the app publishes', () => {
      expect([...BUSINESS_METRIC_NAMES]).toEqual([...BUSINESS_METRICS]);
    });
  });

  it('makes exactly the alarms listed above, each linking an existing runbook section', () => {
    const names = Object.keys(observability.alarms).sort();
    expect(names).toEqual(
      [
        'service-latency-p99', 'service-target-5xx', 'service-unhealthy-hosts',
        'ecs-tasks-below-minimum', 'ecs-tasks-at-maximum', 'ecs-cpu-saturation', 'ecs-memory-saturation',
        ...['availability', 'latency'].flatMap((slo) => ['fast-burn', 'fast-burn-1h', 'fast-burn-5m', 'slow-burn', 'slow-burn-6h', 'slow-burn-30m'].map((s) => `slo-${slo}-${s}`)),
        'database-cpu', 'database-freeable-memory', 'database-connections', 'database-replica-lag', 'database-capacity',
        'waf-blocked-anomaly', 'waf-blocked-floor', 'waf-blocked-spike', 'shield-ddos-detected',
        'backup-snapshot-copy-age', 'backup-copier-failures', 'ip-set-sync-failures',
        'lambda-snapshot-copier-errors', 'lambda-snapshot-copier-throttles', 'lambda-ip-set-sync-errors', 'lambda-ip-set-sync-throttles',
        'business-no-notes-created',
      ].sort(),
    );
    // The WebService's own scaling alarms are not this construct's.
    const all = Object.fromEntries(
      Object.entries({ ...template.findResources('AWS::CloudWatch::Alarm'), ...template.findResources('AWS::CloudWatch::CompositeAlarm') }).filter(([id]) => id.startsWith('Observability')),
    );
    expect(Object.keys(all)).toHaveLength(names.length);
    for (const alarm of Object.values(all)) {
      const description: string = alarm.Properties.AlarmDescription;
      const anchor = /Runbook: docs\/runbook\.md#([a-z0-9-]+)$/.exec(description)?.[1];
      expect(anchor, description).toBeDefined();
      expect(runbookAnchors.has(anchor!), `runbook has no section #${anchor}`).toBe(true);
      expect(description.length).toBeLessThanOrEqual(1024);
    }
  });

  it('makes every alarm that is not a composite building block notify the topic', () => {
    const silent = Object.entries(observability.alarms).filter(([, alarm]) => !observability.notifyingAlarms.includes(alarm)).map(([name]) => name).sort();
    expect(silent).toEqual(['slo-availability-fast-burn-1h', 'slo-availability-fast-burn-5m', 'slo-availability-slow-burn-30m', 'slo-availability-slow-burn-6h',
      'slo-latency-fast-burn-1h', 'slo-latency-fast-burn-5m', 'slo-latency-slow-burn-30m', 'slo-latency-slow-burn-6h', 'waf-blocked-anomaly', 'waf-blocked-floor'].sort());
  });

  describe('dashboard', () => {
    let body: any;
    beforeAll(() => {
      const dashboard = template.findResources('AWS::CloudWatch::Dashboard');
      const [resource] = Object.values(dashboard);
      expect(resource.Properties.DashboardName).toBe('Bulwark-test');
      const joined = stack.resolve(resource.Properties.DashboardBody)['Fn::Join'][1]
        .map((part: unknown) => (typeof part === 'string' ? part : JSON.stringify(part).replace(/"/g, "'")))
        .join('');
      body = JSON.parse(joined);
    });

    it('has every section, top-down in reading order', () => {
      const headers = body.widgets.filter((w: any) => w.type === 'text').map((w: any) => ({ title: /^## (.+)$/m.exec(w.properties.markdown)![1], y: w.y }));
      expect(headers.map((h: any) => h.title)).toEqual([
        DASHBOARD_SECTIONS.slo, DASHBOARD_SECTIONS.traffic, DASHBOARD_SECTIONS.latency, DASHBOARD_SECTIONS.ecs, DASHBOARD_SECTIONS.database,
        DASHBOARD_SECTIONS.waf, DASHBOARD_SECTIONS.shield, DASHBOARD_SECTIONS.backups, DASHBOARD_SECTIONS.business,
      ]);
      const ys = headers.map((h: any) => h.y);
      expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    });

    const titled = (title: string) => body.widgets.find((w: any) => w.properties.title === title);

    it('shows SLO status with the error budget left over 30 days', () => {
      const budget = titled('Availability error budget left (%)');
      expect(budget.properties.view).toBe('singleValue');
      expect(budget.properties.start).toBe('-P30D');
      expect(budget.properties.setPeriodToTimeRange).toBe(true);
      expect(budget.properties.metrics[0][0].expression).toBe(
        '100 * (1 - (IF(FILL(requests, 0) > 0, (FILL(targetErrors, 0) + FILL(elbErrors, 0)) / FILL(requests, 0), 0)) / 0.001)',
      );
      expect(titled('Latency error budget left (%)').properties.metrics[0][0].expression).toContain('/ 0.01)');
      expect(titled('Paging alarms: SLO burn and deployment rollback').properties.alarms).toHaveLength(6);
    });

    it('graphs latency p50/p90/p99 against a 50 ms line', () => {
      const latency = titled('Target response time p50 / p90 / p99 (ms)');
      expect(latency.properties.metrics.filter((m: any) => m[0].expression).map((m: any) => m[0].label)).toEqual(['p50 (ms)', 'p90 (ms)', 'p99 (ms)']);
      expect(latency.properties.annotations.horizontal).toEqual([expect.objectContaining({ value: 50 })]);
    });

    it('graphs running vs desired tasks against the 2..50 bounds', () => {
      const tasks = titled('Tasks: running, desired, pending');
      expect(tasks.properties.annotations.horizontal.map((a: any) => a.value)).toEqual([2, 50]);
      expect(JSON.stringify(tasks.properties.metrics)).toContain('DesiredTaskCount');
    });

    it('graphs traffic by status class, WAF by rule, Shield, backups and business events', () => {
      expect(JSON.stringify(titled('Responses by status class (per minute)').properties.metrics)).toMatch(/2XX.*3XX.*4XX.*5XX.*ELB_4XX.*ELB_5XX/);
      expect(titled('Blocked by rule').properties.metrics).toHaveLength(3);
      expect(JSON.stringify(titled('Rate-limit hits').properties.metrics)).toContain('RateLimitPerIp');
      expect(JSON.stringify(titled('DDoS detected').properties.metrics)).toContain('AWS/DDoSProtection');
      expect(titled('Newest snapshot copy age (hours)').properties.annotations.horizontal[0].value).toBe(32);
      expect(JSON.stringify(titled('Business events (per 5 minutes)').properties.metrics)).toMatch(/UsersRegistered.*NotesCreated.*DataExports.*UsersErased/);
    });
  });
});

describe('Observability props', () => {
  it('refuses a database whose limits are unknown, naming them', () => {
    expect(() => observabilityStack({ database: { metrics: sources.database } })).toThrow(
      /database\.maxConnections must be greater than 0 \(got undefined; unknown for this instance class[\s\S]*database\.memoryBytes must be greater than 0/,
    );
  });

  it('links no runbook when runbookUrl is absent', () => {
    const { stack } = observabilityStack({ runbookUrl: undefined });
    const descriptions = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((alarm) => String(alarm.Properties.AlarmDescription));
    expect(descriptions.length).toBeGreaterThan(10);
    for (const description of descriptions) expect(description).not.toContain('Runbook:');
  });

  it('reads the task bounds of the web service it watches', () => {
    const { stack, observability } = observabilityStack();
    const template = Template.fromStack(stack);
    expect(alarmNamed(template, 'ecs-tasks-below-minimum').Threshold).toBe(2);
    expect(alarmNamed(template, 'ecs-tasks-at-maximum').Threshold).toBe(50);
    expect(observability.alarms['ecs-tasks-at-maximum']).toBeDefined();
  });

  it('takes the sync interval of the IP-set sync as the window of its alarm', () => {
    const { stack } = observabilityStack({ ipSetSync: { ...sources.ipSetSync, syncInterval: Duration.minutes(15) } });
    expect(alarmNamed(Template.fromStack(stack), 'ip-set-sync-failures').Period).toBe(30 * 60);
  });

  it('names the prop at fault', () => {
    expect(() => observabilityStack({ ipSetSync: sources.ipSetSync })).toThrow(/ipSetSync has no syncInterval: an EdgeProtection without blocklistSource builds no sync/);
    expect(() => observabilityStack({ availabilityTarget: 1 })).toThrow(/availabilityTarget must be between 0 and 1/);
    expect(() => observabilityStack({ functions: { Copier: lambda.Function.fromFunctionArn(new Stack(), 'F', 'arn:aws:lambda:eu-west-1:123456789012:function:x') } })).toThrow(/functions\.Copier/);
  });
});
