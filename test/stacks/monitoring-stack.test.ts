import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStageConfig, type StageConfig } from '../../lib/config';
import { DASHBOARD_SECTIONS } from '../../lib/constructs/observability';
import { MonitoringStack, databaseMaxConnections, databaseMemoryBytes } from '../../lib/stacks/monitoring-stack';
import { createStage } from '../../lib/stacks/stage';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';

const GIB = 2 ** 30;

/** The stage's Monitoring stack, built with the rest of the stage exactly as bin/ builds it. */
function buildMonitoringStack(config: StageConfig): MonitoringStack {
  const { monitoring } = createStage(testApp({ stage: config.stage }), config);
  applyNag(monitoring);
  return monitoring;
}

describe('database limits from the config', () => {
  it('derives instance memory and max_connections', () => {
    expect(databaseMemoryBytes(loadStageConfig('prod').database)).toBe(32 * GIB);
    expect(databaseMemoryBytes(loadStageConfig('dev').database)).toBe(8 * GIB);
    expect(databaseMemoryBytes({ ...loadStageConfig('prod').database, instanceClass: 'db.r7g.large' })).toBe(16 * GIB);
    expect(databaseMemoryBytes({ ...loadStageConfig('prod').database, instanceClass: 'r6g.4xlarge' })).toBe(128 * GIB);
    expect(databaseMaxConnections(32 * GIB)).toBe(3604);
    expect(databaseMaxConnections(1024 * GIB)).toBe(5000);
    expect(() => databaseMemoryBytes({ ...loadStageConfig('prod').database, instanceClass: 'serverless' })).toThrow(/instanceClass/);
  });
});

describe.each(['prod', 'dev'])('MonitoringStack (%s)', (stage) => {
  const config = loadStageConfig(stage);
  let stack: MonitoringStack;
  let template: Template;
  beforeAll(() => {
    stack = buildMonitoringStack(config);
    template = Template.fromStack(stack);
  });

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(stack);
  });

  it('is named from the config and deployed to the primary region', () => {
    expect(stack.stackName).toBe(`Bulwark-${stage}-Monitoring`);
    expect(stack.region).toBe(config.region);
  });

  it('names the paging alarms on 5xx and p99 after the stage', () => {
    const names = { http5xx: `Bulwark-${stage}-service-target-5xx`, latencyP99: `Bulwark-${stage}-service-latency-p99` };
    const alarmNames = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties.AlarmName);
    expect(alarmNames).toContain(names.http5xx);
    expect(alarmNames).toContain(names.latencyP99);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: names.latencyP99, Threshold: config.service.p99LatencyTargetMs / 1000 });
  });

  it('alarms on failed AWS Backup copy jobs exactly when the stage runs the AWS Backup plan', () => {
    const copyJobAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.AlarmName === `Bulwark-${stage}-backup-aws-backup-copy-failures`,
    );
    expect(copyJobAlarms).toHaveLength(config.backup.awsBackupEnabled ? 1 : 0);
    if (config.backup.awsBackupEnabled) {
      expect(copyJobAlarms[0].Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Metrics: [{ Expression: 'SELECT SUM(NumberOfCopyJobsFailed) FROM "AWS/Backup" WHERE ResourceType = \'Aurora\'', Period: 3600, ReturnData: true }],
      });
    }
  });

  it('mails the stage\'s on-call address through an encrypted topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: config.observability.alarmEmail });
    expect(Object.values(template.findResources('AWS::SNS::Topic'))[0].Properties.KmsMasterKeyId).toBeDefined();
  });

  it('alarms on task counts outside the configured bounds', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `Bulwark-${stage}-ecs-tasks-below-minimum`, Threshold: config.service.minTasks });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `Bulwark-${stage}-ecs-tasks-at-maximum`, Threshold: config.service.maxTasks });
  });

  it('sets the SLO thresholds from the availability target', () => {
    const budget = Number((1 - config.observability.availabilityTarget).toPrecision(12));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `Bulwark-${stage}-slo-availability-fast-burn-1h`, Threshold: Number((14.4 * budget).toPrecision(12)) });
    expect(Object.keys(template.findResources('AWS::CloudWatch::CompositeAlarm'))).toHaveLength(5);
  });

  it('alarms on Shield only where Shield Advanced is on, and on capacity only for Serverless v2', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties.AlarmName);
    expect(names.includes(`Bulwark-${stage}-shield-ddos-detected`)).toBe(config.shield.advanced);
    expect(names.includes(`Bulwark-${stage}-database-capacity`)).toBe(config.database.serverless !== undefined);
    expect(names).toEqual(expect.arrayContaining([`Bulwark-${stage}-lambda-snapshot-copier-errors`, `Bulwark-${stage}-lambda-ip-set-sync-errors`, `Bulwark-${stage}-ip-set-sync-failures`]));
  });

  it('builds the dashboard with every section', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard.Properties.DashboardName).toBe(`Bulwark-${stage}`);
    const literal = stack.resolve(dashboard.Properties.DashboardBody)['Fn::Join'][1].filter((part: unknown) => typeof part === 'string').join('');
    const expected = Object.values(DASHBOARD_SECTIONS).filter((title) => title !== DASHBOARD_SECTIONS.rum && (title !== DASHBOARD_SECTIONS.shield || config.shield.advanced));
    for (const title of expected) expect(literal).toContain(`## ${title}`);
    if (!config.shield.advanced) expect(literal).not.toContain(`## ${DASHBOARD_SECTIONS.shield}`);
  });
});

describe('the security baseline switch', () => {
  it('runs the baseline in prod: GuardDuty, Security Hub, Config and Inspector, findings to the alarm topic and the dashboard', () => {
    const monitoring = buildMonitoringStack(loadStageConfig('prod'));
    const template = Template.fromStack(monitoring);
    template.resourceCountIs('AWS::GuardDuty::Detector', 1);
    template.resourceCountIs('AWS::SecurityHub::Hub', 1);
    template.resourceCountIs('AWS::Config::ConfigurationRecorder', 1);
    expect(monitoring.securityBaseline?.inspector).toBeDefined();
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => String(r.Properties.Description).includes('findings'));
    expect(rules.map((r) => r.Properties.Targets[0].Arn)).toEqual([{ Ref: topic }, { Ref: topic }, { Ref: topic }]);
    expect(monitoring.observability.dashboard.sections).toContain('Security findings');
  });

  it('leaves dev without it, and creates only what the organization does not manage', () => {
    const dev = Template.fromStack(buildMonitoringStack(loadStageConfig('dev')));
    dev.resourceCountIs('AWS::GuardDuty::Detector', 0);
    dev.resourceCountIs('AWS::Events::Rule', 0);
    const prod = loadStageConfig('prod');
    const managed = buildMonitoringStack({ ...prod, security: { ...prod.security, managedByOrganization: ['guardDuty', 'securityHub'] } });
    const template = Template.fromStack(managed);
    template.resourceCountIs('AWS::GuardDuty::Detector', 0);
    template.resourceCountIs('AWS::SecurityHub::Hub', 0);
    template.resourceCountIs('AWS::Config::ConfigurationRecorder', 1);
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: prod.security.configHistoryRetentionDays })] } });
  });
});
