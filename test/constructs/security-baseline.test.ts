import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlarmTopic } from '../../lib/constructs/observability/alarm-topic';
import { InspectorEnablement, SecurityBaseline, type SecurityBaselineProps } from '../../lib/constructs/security-baseline';
import { testApp } from '../support/app';
import { matchesEventPattern } from '../support/event-pattern';
import { applyNag, expectNoNagFindings } from '../support/nag';

const ACCOUNT = '123456789012';

function build(props: (stack: Stack) => SecurityBaselineProps = (stack) => ({ alarmTopic: new AlarmTopic(stack, 'Alarms') })) {
  const stack = new Stack(testApp(), 'Security', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  applyNag(stack);
  const baseline = new SecurityBaseline(stack, 'Baseline', props(stack));
  return { stack, baseline, template: Template.fromStack(stack) };
}

function logicalIdOf(template: Template, type: string, pathPart: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(pathPart));
  if (ids.length !== 1) throw new Error(`expected one ${type} with ${pathPart} in its id, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}

/** The rules whose one target is the topic whose logical id starts with `topicId`. */
function rulesTargeting(template: Template, topicId: string): Array<Record<string, any>> {
  const topic = logicalIdOf(template, 'AWS::SNS::Topic', topicId);
  return Object.values(template.findResources('AWS::Events::Rule')).filter((rule) => JSON.stringify(rule.Properties.Targets) === JSON.stringify([{ Arn: { Ref: topic }, Id: 'Target0' }]));
}

const guardDutyFinding = (severity: number) => ({ source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: { severity, type: 'Execution:Runtime/ReverseShell' } });
const inspectorFinding = (severity: string, status: string) => ({ source: 'aws.inspector2', 'detail-type': 'Inspector2 Finding', detail: { severity, status } });
/** A Security Hub import event of one finding in the AWS Security Finding Format. */
const securityHubFinding = (finding: object) => ({
  source: 'aws.securityhub',
  'detail-type': 'Security Hub Findings - Imported',
  detail: { findings: [{ Workflow: { Status: 'NEW' }, RecordState: 'ACTIVE', ...finding }] },
});

describe('SecurityBaseline with every service and an alarm topic', () => {
  let stack: Stack;
  let baseline: SecurityBaseline;
  let template: Template;
  beforeAll(() => ({ stack, baseline, template } = build()));

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(stack);
  });

  it('enables GuardDuty with Fargate runtime monitoring (managed agent), RDS login events and S3 data events', () => {
    template.resourceCountIs('AWS::GuardDuty::Detector', 1);
    template.hasResourceProperties('AWS::GuardDuty::Detector', {
      Enable: true,
      Features: [
        { Name: 'RUNTIME_MONITORING', Status: 'ENABLED', AdditionalConfiguration: [{ Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'ENABLED' }] },
        { Name: 'RDS_LOGIN_EVENTS', Status: 'ENABLED' },
        { Name: 'S3_DATA_EVENTS', Status: 'ENABLED' },
      ],
    });
  });

  it('enables Security Hub with exactly the regional FSBP and CIS 3.0 standards, after the hub and the Config recorder', () => {
    template.hasResourceProperties('AWS::SecurityHub::Hub', { EnableDefaultStandards: false, ControlFindingGenerator: 'SECURITY_CONTROL' });
    const standards = Object.values(template.findResources('AWS::SecurityHub::Standard'));
    expect(standards.map((s) => s.Properties.StandardsArn).sort()).toEqual([
      'arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0',
      'arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0',
    ]);
    const hub = logicalIdOf(template, 'AWS::SecurityHub::Hub', 'Hub');
    const recorder = logicalIdOf(template, 'AWS::Config::ConfigurationRecorder', 'Recorder');
    for (const standard of standards) expect(standard.DependsOn).toEqual(expect.arrayContaining([hub, recorder]));
    expect(baseline.standards).toHaveLength(2);
  });

  it('records every resource type with AWS Config into a versioned, KMS-encrypted bucket kept 730 days', () => {
    template.hasResourceProperties('AWS::Config::ConfigurationRecorder', { RecordingGroup: { AllSupported: true, IncludeGlobalResourceTypes: true } });
    const recorder = logicalIdOf(template, 'AWS::Config::ConfigurationRecorder', 'Recorder');
    template.hasResource('AWS::Config::DeliveryChannel', {
      Properties: { S3KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ConfigKey'), 'Arn'] }, ConfigSnapshotDeliveryProperties: { DeliveryFrequency: 'TwentyFour_Hours' } },
      DependsOn: [recorder],
    });
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } })] },
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 730, NoncurrentVersionExpiration: { NoncurrentDays: 730 } })] },
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('lets only AWS Config of this account use the recorder role and deliver to the bucket', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'config.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AllowConfigOfThisAccountToCheckTheBucket', Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }),
          Match.objectLike({ Sid: 'AllowConfigOfThisAccountToDeliver', Action: 's3:PutObject', Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT, 's3:x-amz-acl': 'bucket-owner-full-control' } } }),
        ]),
      },
    });
  });

  it('enables Inspector for ECR and Lambda at deployment and leaves it on at removal (other stacks of the account use it), with only that permission', () => {
    const [inspector] = Object.values(template.findResources('Custom::AWS'));
    const create = JSON.parse(inspector.Properties.Create);
    expect(create).toMatchObject({ service: 'Inspector2', action: 'enable', parameters: { accountIds: [ACCOUNT], resourceTypes: ['ECR', 'LAMBDA'] } });
    expect(inspector.Properties.Delete).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: 'inspector2:Enable', Effect: 'Allow', Resource: '*' },
          {
            Action: 'iam:CreateServiceLinkedRole',
            Effect: 'Allow',
            // Only Inspector's own service-linked role, in this account.
            Resource: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2`,
            Condition: { StringEquals: { 'iam:AWSServiceName': 'inspector2.amazonaws.com' } },
          },
        ],
      },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('inspector2:Disable');
  });

  it('reads no field of Enable\'s response: an already-enabled account may come back in failedAccounts, which must not fail an update', () => {
    const inspector = logicalIdOf(template, 'Custom::AWS', 'Inspector');
    const outputs = Object.values(template.findOutputs('*')).filter((output) => JSON.stringify(output.Value).includes(inspector));
    expect(outputs).toEqual([]);
    expect(JSON.stringify(template.toJSON()).includes(`"${inspector}","accounts.`)).toBe(false);
  });

  it('scans every repository of the registry with Inspector, on push and continuously, once Inspector is on', () => {
    const scanning = Object.values(template.findResources('AWS::ECR::RegistryScanningConfiguration'));
    expect(scanning).toHaveLength(1);
    expect(scanning[0].Properties).toEqual({ ScanType: 'ENHANCED', Rules: [{ ScanFrequency: 'CONTINUOUS_SCAN', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] }] });
    expect(scanning[0].DependsOn).toEqual(expect.arrayContaining([logicalIdOf(template, 'Custom::AWS', 'Inspector')]));
  });

  it('routes GuardDuty (>= 7), Security Hub and Inspector findings of HIGH and CRITICAL to the topic, without Security Hub repeating the other two or its own controls', () => {
    const patterns = rulesTargeting(template, 'Alarms').map((rule) => rule.Properties.EventPattern);
    expect(patterns).toHaveLength(3);
    const bySource = Object.fromEntries(patterns.map((pattern) => [pattern.source[0], pattern]));
    expect(bySource['aws.guardduty'].detail).toEqual({ severity: [{ numeric: ['>=', 7] }] });
    expect(bySource['aws.inspector2'].detail).toEqual({ severity: ['HIGH', 'CRITICAL'], status: ['ACTIVE'] });
    expect(bySource['aws.securityhub'].detail.findings).toMatchObject({ Severity: { Label: ['HIGH', 'CRITICAL'] }, ProductName: [{ 'anything-but': ['GuardDuty', 'Inspector', 'Security Hub'] }] });
  });

  it('sends Security Hub\'s newly failed control checks, of any severity, to the compliance topic only', () => {
    const [failedControls] = rulesTargeting(template, 'ComplianceTopic');
    expect(rulesTargeting(template, 'ComplianceTopic')).toHaveLength(1);
    expect(failedControls.Properties.EventPattern).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Imported'],
      detail: { findings: { ProductName: ['Security Hub'], Compliance: { Status: ['FAILED'] }, Workflow: { Status: ['NEW'] }, RecordState: ['ACTIVE'] } },
    });
    // Nobody is paged by this topic: it has no subscription until an operator adds one.
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(baseline.complianceTopic).toBeDefined();
  });

  describe('sample events through the synthesized rules', () => {
    const paged = (event: object) => rulesTargeting(template, 'Alarms').some((rule) => matchesEventPattern(rule.Properties.EventPattern, event));
    const toCompliance = (event: object) => rulesTargeting(template, 'ComplianceTopic').some((rule) => matchesEventPattern(rule.Properties.EventPattern, event));

    it.each<[string, object]>([
      ['a GuardDuty finding of severity 8 (HIGH)', guardDutyFinding(8)],
      ['an active CRITICAL Inspector finding', inspectorFinding('CRITICAL', 'ACTIVE')],
      ['a HIGH IAM Access Analyzer finding imported by Security Hub', securityHubFinding({ ProductName: 'IAM Access Analyzer', Severity: { Label: 'HIGH' } })],
    ])('pages for %s, and files nothing as a failed control', (_, event) => {
      expect(paged(event)).toBe(true);
      expect(toCompliance(event)).toBe(false);
    });

    it.each<[string, object]>([
      ['a GuardDuty finding of severity 5 (MEDIUM)', guardDutyFinding(5)],
      ['a closed HIGH Inspector finding', inspectorFinding('HIGH', 'CLOSED')],
      ['GuardDuty\'s HIGH finding as Security Hub re-imports it', securityHubFinding({ ProductName: 'GuardDuty', Severity: { Label: 'HIGH' } })],
      ['a HIGH failed Security Hub control', securityHubFinding({ ProductName: 'Security Hub', Severity: { Label: 'HIGH' }, Compliance: { Status: 'FAILED' } })],
      ['a CRITICAL failed Security Hub control', securityHubFinding({ ProductName: 'Security Hub', Severity: { Label: 'CRITICAL' }, Compliance: { Status: 'FAILED' } })],
    ])('does not page for %s', (_, event) => {
      expect(paged(event)).toBe(false);
    });

    it('files a failed control of any severity, but not a passed one or one already being worked on', () => {
      const control = (overrides: object) => securityHubFinding({ ProductName: 'Security Hub', Severity: { Label: 'LOW' }, Compliance: { Status: 'FAILED' }, ...overrides });
      expect(toCompliance(control({}))).toBe(true);
      expect(toCompliance(control({ Severity: { Label: 'CRITICAL' } }))).toBe(true);
      expect(toCompliance(control({ Compliance: { Status: 'PASSED' } }))).toBe(false);
      expect(toCompliance(control({ Workflow: { Status: 'NOTIFIED' } }))).toBe(false);
      expect(toCompliance(control({ ProductName: 'Config' }))).toBe(false);
    });
  });

  it('lets each rule (and no other) publish to the topic, and EventBridge of this account use its key', () => {
    const ruleIds = Object.keys(template.findResources('AWS::Events::Rule')).filter((id) => !id.includes('FailedControls'));
    expect(ruleIds).toHaveLength(3);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith(
          ruleIds.map((id) => Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [id, 'Arn'] } } } })),
        ),
      },
    });
    const alarmTopicPolicy = JSON.stringify(Object.entries(template.findResources('AWS::SNS::TopicPolicy')).filter(([id]) => id.startsWith('Alarms')));
    expect(alarmTopicPolicy.match(/events\.amazonaws\.com/g)).toHaveLength(3);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          // Unconditioned: EventBridge's KMS requests for an encrypted topic carry no aws:SourceAccount.
          Match.objectLike({ Sid: 'AllowEventBridgeRulesToPublish', Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: Match.absent() }),
        ]),
      },
    });
  });

  it('graphs the paged findings of each service from its rule, and the failed controls on the right axis', () => {
    const widget = baseline.findingsWidget();
    const metrics = widget.toJson()[0].properties.metrics as unknown[][];
    expect(metrics).toHaveLength(4);
    expect(metrics.filter((metric) => JSON.stringify(metric).includes('"yAxis":"right"'))).toHaveLength(1);
    expect(stack.resolve(baseline.findingsRouting!.metricFailedControls().dimensions)).toEqual({ RuleName: { Ref: logicalIdOf(template, 'AWS::Events::Rule', 'securityHubFailedControls') } });
    expect(stack.resolve(baseline.metricRoutedFindings('inspector').dimensions)).toEqual({ RuleName: { Ref: logicalIdOf(template, 'AWS::Events::Rule', 'inspector') } });
  });
});

describe('SecurityBaseline options', () => {
  it('creates none of the services the organization manages, and still routes their findings', () => {
    const { baseline, template } = build((stack) => ({ alarmTopic: new AlarmTopic(stack, 'Alarms'), managedByOrganization: ['guardDuty', 'securityHub', 'config'] }));
    template.resourceCountIs('AWS::GuardDuty::Detector', 0);
    template.resourceCountIs('AWS::SecurityHub::Hub', 0);
    template.resourceCountIs('AWS::SecurityHub::Standard', 0);
    template.resourceCountIs('AWS::Config::ConfigurationRecorder', 0);
    template.resourceCountIs('Custom::AWS', 1);
    template.resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 1);
    template.resourceCountIs('AWS::Events::Rule', 4);
    expect(baseline.enabledServices).toEqual(['inspector']);
  });

  it('disables Inspector on removal only when InspectorEnablement is told to, with the permission for it', () => {
    const stack = new Stack(testApp(), 'Alone', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const logEncryptionKey = new kms.Key(stack, 'LogsKey');
    new InspectorEnablement(stack, 'Inspector', { resourceTypes: ['ECR'], logRetention: 365, logEncryptionKey, disableOnDelete: true });
    const template = Template.fromStack(stack);
    const [inspector] = Object.values(template.findResources('Custom::AWS'));
    expect(JSON.parse(inspector.Properties.Delete)).toMatchObject({ service: 'Inspector2', action: 'disable', parameters: { accountIds: [ACCOUNT], resourceTypes: ['ECR'] } });
    template.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([{ Action: ['inspector2:Disable', 'inspector2:Enable'], Effect: 'Allow', Resource: '*' }]) } });
  });

  it('leaves the registry scanning to the organization when it manages Inspector', () => {
    const { template } = build((stack) => ({ alarmTopic: new AlarmTopic(stack, 'Alarms'), managedByOrganization: ['inspector'] }));
    template.resourceCountIs('Custom::AWS', 0);
    template.resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 0);
  });

  it('routes only CRITICAL findings when asked', () => {
    const { template } = build((stack) => ({ alarmTopic: new AlarmTopic(stack, 'Alarms'), findingSeverityThreshold: 'CRITICAL' }));
    const patterns = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties.EventPattern);
    expect(patterns.find((p) => p.source[0] === 'aws.guardduty').detail.severity).toEqual([{ numeric: ['>=', 9] }]);
    expect(patterns.find((p) => p.source[0] === 'aws.inspector2').detail.severity).toEqual(['CRITICAL']);
  });

  it('routes nothing without an alarm topic, and says so when asked for the metric', () => {
    const { baseline, template } = build(() => ({ configHistoryRetention: Duration.days(400) }));
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 400 })] } });
    expect(() => baseline.metricRoutedFindings('guardDuty')).toThrow(/alarmTopic/);
  });

  it.each<[string, (stack: Stack) => SecurityBaselineProps, RegExp]>([
    ['an unknown managed service', () => ({ managedByOrganization: ['macie' as never] }), /managedByOrganization: unknown service\(s\) macie/],
    ['a managed service listed twice', () => ({ managedByOrganization: ['config', 'config'] }), /managedByOrganization: lists a service twice/],
    ['nothing to create', () => ({ managedByOrganization: ['guardDuty', 'securityHub', 'inspector', 'config'] }), /managedByOrganization: .*create nothing/],
    ['an unknown severity', () => ({ findingSeverityThreshold: 'MEDIUM' as never }), /findingSeverityThreshold: must be one of HIGH, CRITICAL/],
    ['a retention in hours', () => ({ configHistoryRetention: Duration.hours(36) }), /configHistoryRetention: must be a whole number of days/],
  ])('rejects %s, naming the prop', (_, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  it('refuses an alarm topic whose key was imported, since EventBridge could not use it', () => {
    expect(() =>
      build((stack) => ({
        alarmTopic: new AlarmTopic(stack, 'Alarms', { encryptionKey: kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`) }),
      })),
    ).toThrow(/encryptionKey was imported/);
  });
});
