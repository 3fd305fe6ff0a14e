import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { EDGE_RULES, EdgeProtection, type EdgeProtectionProps } from '../../lib/constructs/edge-protection';
import { ShieldMitigationAction } from '../../lib/constructs/shield-protection';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const ALB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef';
const MANAGED_DEFAULT = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesAnonymousIpList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesSQLiRuleSet',
];

type PropsFactory = (stack: Stack, healthAlarms: cloudwatch.IAlarm[]) => Partial<EdgeProtectionProps>;

function build(props: PropsFactory = () => ({})) {
  const app = testApp();
  const stack = new Stack(app, 'Test', { env: ENV });
  const alarm = (id: string, metricName: string) =>
    new cloudwatch.Alarm(stack, id, {
      metric: new cloudwatch.Metric({ namespace: 'AWS/ApplicationELB', metricName, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
  const healthAlarms = [alarm('Elb5xx', 'HTTPCode_ELB_5XX_Count'), alarm('Unhealthy', 'UnHealthyHostCount')];
  const edge = new EdgeProtection(stack, 'Edge', {
    resourceArn: ALB_ARN,
    stage: 'test',
    name: 'bulwark-test',
    blocklistSource: '/bulwark/test/waf/blocklist',
    ...props(stack, healthAlarms),
  });
  return { stack, edge, healthAlarms };
}

type Rule = { Name: string; Priority: number; Action?: unknown; OverrideAction?: unknown; Statement: Record<string, unknown>; VisibilityConfig: unknown };
const rulesOf = (template: Template): Rule[] => Object.values(template.findResources('AWS::WAFv2::WebACL'))[0].Properties.Rules;
const rule = (template: Template, name: string) => {
  const found = rulesOf(template).find((candidate) => candidate.Name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
};

describe('EdgeProtection with Shield, allow list and body exemptions', () => {
  let built: ReturnType<typeof build>;
  let template: Template;
  const ipSetArn = (key: keyof EdgeProtection['ipSets']) => built.stack.resolve(built.edge.ipSets[key].attrArn);
  beforeAll(() => {
    built = build((_stack, healthAlarms) => ({
      rateLimitPerIp: 2000,
      rateLimitPerUser: 1000,
      rateLimitWindow: Duration.minutes(5),
      maxBodyBytes: 8192,
      largeBodyPathPrefixes: ['/v1/notes'],
      allowedAddresses: ['192.0.2.0/24', '2001:db8::/32', '198.51.100.7/32'],
      reputationListUrls: ['https://lists.example.com/drop.txt'],
      maxShrinkFraction: 0.2,
      metricNamespace: 'Bulwark/Operations',
      shieldAdvanced: { healthAlarms, protectionGroup: true },
    }));
    applyNag(built.stack);
    template = Template.fromStack(built.stack);
  });

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(built.stack);
  });

  describe('web ACL', () => {
    it('is regional, allows by default, reports metrics under its name and is associated with the resource', () => {
      template.hasResourceProperties('AWS::WAFv2::WebACL', {
        Name: 'bulwark-test',
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: 'bulwark-test' },
      });
      template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        ResourceArn: ALB_ARN,
        WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeWebAcl'), 'Arn'] },
      });
    });

    it('evaluates allow list, block lists, rate limits and body size before the managed groups', () => {
      expect(rulesOf(template).map((r) => [r.Priority, r.Name])).toEqual(
        ['AllowList', 'BlockList', 'RateLimitPerIp', 'RateLimitPerUser', 'BodySizeLimit', ...MANAGED_DEFAULT].map((name, priority) => [priority, name]),
      );
    });

    it('gives every rule a visibility config whose metric name is the rule name', () => {
      for (const r of rulesOf(template)) {
        expect(r.VisibilityConfig).toEqual({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: r.Name });
      }
      expect(built.edge.ruleNames).toEqual(rulesOf(template).map((r) => r.Name));
    });
  });

  describe('IP sets', () => {
    it('splits the allow list into an IPv4 and an IPv6 set', () => {
      template.hasResourceProperties('AWS::WAFv2::IPSet', { Name: 'bulwark-test-allow-ipv4', Scope: 'REGIONAL', IPAddressVersion: 'IPV4', Addresses: ['192.0.2.0/24', '198.51.100.7/32'] });
      template.hasResourceProperties('AWS::WAFv2::IPSet', { Name: 'bulwark-test-allow-ipv6', Scope: 'REGIONAL', IPAddressVersion: 'IPV6', Addresses: ['2001:db8::/32'] });
    });

    it('starts the block sets empty for the sync function to fill', () => {
      template.hasResourceProperties('AWS::WAFv2::IPSet', { Name: 'bulwark-test-block-ipv4', Scope: 'REGIONAL', IPAddressVersion: 'IPV4', Addresses: [] });
      template.hasResourceProperties('AWS::WAFv2::IPSet', { Name: 'bulwark-test-block-ipv6', Scope: 'REGIONAL', IPAddressVersion: 'IPV6', Addresses: [] });
      template.resourceCountIs('AWS::WAFv2::IPSet', 4);
    });

    it('allows the allow sets first and blocks the block sets next', () => {
      expect(rule(template, 'AllowList')).toMatchObject({
        Action: { Allow: {} },
        Statement: { OrStatement: { Statements: [{ IPSetReferenceStatement: { Arn: ipSetArn('allowIpv4') } }, { IPSetReferenceStatement: { Arn: ipSetArn('allowIpv6') } }] } },
      });
      expect(rule(template, 'BlockList')).toMatchObject({
        Action: { Block: {} },
        Statement: { OrStatement: { Statements: [{ IPSetReferenceStatement: { Arn: ipSetArn('blockIpv4') } }, { IPSetReferenceStatement: { Arn: ipSetArn('blockIpv6') } }] } },
      });
    });
  });

  describe('rate limits', () => {
    it('limits each client IP over the window and answers 429', () => {
      expect(rule(template, 'RateLimitPerIp')).toMatchObject({
        Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
        Statement: { RateBasedStatement: { Limit: 2000, EvaluationWindowSec: 300, AggregateKeyType: 'IP' } },
      });
    });

    it('limits each Authorization header value (untransformed) over the window and answers 429', () => {
      expect(rule(template, 'RateLimitPerUser')).toMatchObject({
        Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
        Statement: {
          RateBasedStatement: {
            Limit: 1000,
            EvaluationWindowSec: 300,
            AggregateKeyType: 'CUSTOM_KEYS',
            CustomKeys: [{ Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
          },
        },
      });
    });
  });

  describe('body size', () => {
    it('blocks bodies over the limit (oversize counts as over) with 413, except on the normalised exempt paths', () => {
      expect(rule(template, 'BodySizeLimit')).toMatchObject({
        Action: { Block: { CustomResponse: { ResponseCode: 413 } } },
        Statement: {
          AndStatement: {
            Statements: [
              {
                SizeConstraintStatement: {
                  FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
                  ComparisonOperator: 'GT',
                  Size: 8192,
                  TextTransformations: [{ Priority: 0, Type: 'NONE' }],
                },
              },
              {
                NotStatement: {
                  Statement: {
                    ByteMatchStatement: {
                      SearchString: '/v1/notes',
                      FieldToMatch: { UriPath: {} },
                      PositionalConstraint: 'STARTS_WITH',
                      TextTransformations: [
                        { Priority: 0, Type: 'URL_DECODE' },
                        { Priority: 1, Type: 'NORMALIZE_PATH' },
                      ],
                    },
                  },
                },
              },
            ],
          },
        },
      });
    });

    it('counts (not blocks) the Common rule set\'s own body-size rule, which the custom rule replaces', () => {
      expect(rule(template, 'AWSManagedRulesCommonRuleSet')).toMatchObject({
        Statement: { ManagedRuleGroupStatement: { RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }] } },
      });
    });
  });

  describe('managed rule groups', () => {
    it('runs the AWS groups in block mode, without Bot Control unless asked', () => {
      for (const group of MANAGED_DEFAULT) {
        expect(rule(template, group)).toMatchObject({ OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: group } } });
      }
      expect(built.edge.ruleNames).not.toContain('AWSManagedRulesBotControlRuleSet');
      expect(built.edge.ruleNames).not.toContain('AWSManagedRulesAntiDDoSRuleSet');
    });

    it('counts, not blocks, hosting-provider addresses of the anonymous-IP group (server-to-server callers)', () => {
      expect(rule(template, 'AWSManagedRulesAnonymousIpList')).toMatchObject({
        OverrideAction: { None: {} },
        Statement: { ManagedRuleGroupStatement: { RuleActionOverrides: [{ Name: 'HostingProviderIPList', ActionToUse: { Count: {} } }] } },
      });
    });

    it('uses 1,236 WCU: 61 for its own rules and 1,175 for the five default groups, inside the 1,500 of the base price', () => {
      expect(built.edge.capacityUnits).toBe(1236);
    });
  });

  describe('logging', () => {
    it('writes to an encrypted aws-waf-logs-* log group with retention, kept by default', () => {
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { LogGroupName: 'aws-waf-logs-bulwark-test', RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeLogKey'), 'Arn'] } },
        DeletionPolicy: 'Retain',
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logs.eu-west-1.amazonaws.com' } })]) },
      });
    });

    it('redacts the Authorization header and keeps only non-allowed requests', () => {
      template.hasResource('AWS::WAFv2::LoggingConfiguration', {
        Properties: {
          ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeWebAcl'), 'Arn'] },
          LogDestinationConfigs: [{ 'Fn::Join': ['', ['arn:aws:logs:eu-west-1:123456789012:log-group:', { Ref: Match.stringLikeRegexp('EdgeLogs') }]] }],
          RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
          LoggingFilter: {
            DefaultBehavior: 'DROP',
            Filters: [
              {
                Behavior: 'KEEP',
                Requirement: 'MEETS_ANY',
                Conditions: ['BLOCK', 'COUNT', 'CAPTCHA', 'CHALLENGE', 'EXCLUDED_AS_COUNT'].map((action) => ({ ActionCondition: { Action: action } })),
              },
            ],
          },
        },
        DependsOn: [Match.stringLikeRegexp('EdgeLogs')],
      });
    });
  });

  describe('IP-set sync function', () => {
    it('runs on ARM64 with the env contract of lambda/ip-set-sync', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Architectures: ['arm64'],
        Timeout: 120,
        ReservedConcurrentExecutions: Match.absent(),
        Environment: {
          Variables: Match.objectLike({
            BLOCKLIST_SOURCE: '/bulwark/test/waf/blocklist',
            REPUTATION_LIST_URLS: '["https://lists.example.com/drop.txt"]',
            IPV4_SET_NAME: 'bulwark-test-block-ipv4',
            IPV4_SET_ID: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeBlockIpv4'), 'Id'] },
            IPV6_SET_NAME: 'bulwark-test-block-ipv6',
            IPV6_SET_ID: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeBlockIpv6'), 'Id'] },
            IP_SET_SCOPE: 'REGIONAL',
            MAX_ENTRIES: '10000',
            MAX_SHRINK_FRACTION: '0.2',
            FETCH_TIMEOUT_MS: '10000',
            METRIC_NAMESPACE: 'Bulwark/Operations',
            STAGE: 'test',
          }),
        },
      });
    });

    it('may read and update only the two block sets and read only the blocklist parameter', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            { Effect: 'Allow', Action: ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'], Resource: [ipSetArn('blockIpv4'), ipSetArn('blockIpv6')] },
            { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/bulwark/test/waf/blocklist' },
          ]),
        },
        Roles: [built.stack.resolve(built.edge.syncFunctionRole!.roleName)],
      });
      const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
      expect(statements.map((statement) => statement.Action).flat()).not.toContain('kms:Decrypt');
    });

    it('runs on the sync schedule, never retried (the feeds allow one fetch an hour; the next run redoes the sync)', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 hour)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeIpSetSyncFunction'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
      });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp('EdgeIpSetSyncFunction') },
        MaximumRetryAttempts: 0,
      });
    });

    it('runs once right after a deployment that creates or changes the block sets, asynchronously', () => {
      const [invoke] = Object.values(template.findResources('Custom::AWS', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('EdgeBlockIpv4'), Match.stringLikeRegexp('EdgeBlockIpv6')]) }));
      const create = JSON.stringify(invoke.Properties.Create);
      expect(create).toContain('"action\\":\\"invoke\\"');
      expect(create).toContain('\\"InvocationType\\":\\"Event\\"');
      expect(create).toContain('EdgeIpSetSyncFunction');
      expect(invoke.Properties.Update).toEqual(invoke.Properties.Create);
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeIpSetSyncFunction'), 'Arn'] } }] },
      });
    });
  });

  describe('Shield Advanced', () => {
    it('protects the resource with health-based detection and no automatic response unless asked', () => {
      template.hasResourceProperties('AWS::Shield::Protection', {
        Name: 'bulwark-test',
        ResourceArn: ALB_ARN,
        ApplicationLayerAutomaticResponseConfiguration: Match.absent(),
        HealthCheckArns: [{ 'Fn::Join': ['', ['arn:aws:route53:::healthcheck/', { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeShieldHealthCheck'), 'HealthCheckId'] }]] }],
      });
    });

    it('detects by health: one alarm health check per alarm under a calculated check that fails if any does', () => {
      for (const alarm of built.healthAlarms) {
        template.hasResourceProperties('AWS::Route53::HealthCheck', {
          HealthCheckConfig: {
            Type: 'CLOUDWATCH_METRIC',
            AlarmIdentifier: { Name: built.stack.resolve(alarm.alarmName), Region: 'eu-west-1' },
            InsufficientDataHealthStatus: 'LastKnownStatus',
          },
        });
      }
      template.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: { Type: 'CALCULATED', HealthThreshold: 2, ChildHealthChecks: [Match.anyValue(), Match.anyValue()] },
      });
    });

    it('groups the protected resource', () => {
      template.hasResource('AWS::Shield::ProtectionGroup', {
        Properties: { ProtectionGroupId: 'bulwark-test', Aggregation: 'SUM', Pattern: 'ARBITRARY', Members: [ALB_ARN] },
        DependsOn: [Match.stringLikeRegexp('EdgeShieldProtection')],
      });
    });
  });

  describe('metrics', () => {
    const stat = (metric: cloudwatch.IMetric) => built.stack.resolve(metric.toMetricConfig().metricStat);

    it('read WAF totals and rule counts by web ACL, region and rule', () => {
      expect(stat(built.edge.metricBlockedRequests())).toMatchObject({
        namespace: 'AWS/WAFV2',
        metricName: 'BlockedRequests',
        statistic: 'Sum',
        dimensions: expect.arrayContaining([
          { name: 'WebACL', value: 'bulwark-test' },
          { name: 'Region', value: 'eu-west-1' },
          { name: 'Rule', value: 'ALL' },
        ]),
      });
      expect(stat(built.edge.metricAllowedRequests())).toMatchObject({ metricName: 'AllowedRequests' });
      expect(stat(built.edge.metricRateLimitedPerIp())).toMatchObject({ metricName: 'BlockedRequests', dimensions: expect.arrayContaining([{ name: 'Rule', value: EDGE_RULES.rateLimitPerIp }]) });
      expect(stat(built.edge.metricRuleCountedRequests('AWSManagedRulesCommonRuleSet'))).toMatchObject({ metricName: 'CountedRequests' });
      expect(() => built.edge.metricRuleBlockedRequests('NoSuchRule')).toThrow(/ruleName "NoSuchRule" is not a rule/);
    });

    it('read the sync function\'s EMF metrics by stage and address family', () => {
      expect(stat(built.edge.metricSyncFailures())).toMatchObject({
        namespace: 'Bulwark/Operations',
        metricName: 'IpSetSyncFailures',
        statistic: 'Sum',
        dimensions: [{ name: 'Stage', value: 'test' }],
      });
      expect(stat(built.edge.metricSyncEntries('IPv6'))).toMatchObject({
        metricName: 'IpSetEntries',
        dimensions: expect.arrayContaining([
          { name: 'Stage', value: 'test' },
          { name: 'AddressFamily', value: 'IPv6' },
        ]),
      });
      expect(stat(built.edge.metricSyncTruncated('IPv4'))).toMatchObject({ metricName: 'IpSetTruncated' });
    });
  });
});

describe('EdgeProtection options', () => {
  it('builds no sync without a blocklist source: no function, schedule or post-deployment sync, and sync metrics say why', () => {
    const { stack, edge } = build(() => ({ blocklistSource: undefined }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('Custom::AWS', 0);
    template.resourceCountIs('AWS::WAFv2::IPSet', 4);
    expect([edge.syncFunction, edge.syncFunctionRole, edge.syncSchedule, edge.syncAfterDeployment, edge.syncInterval]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(() => edge.metricSyncFailures()).toThrow('EdgeProtection Test/Edge has no IP-set sync (no blocklistSource), so it has no IpSetSyncFailures metric');
    expect(() => edge.metricSyncFunctionErrors()).toThrow(/has no metricSyncFunctionErrors metric/);
    expect(edge.metricBlockedRequests()).toBeDefined();
  });

  it('exposes its sync interval', () => {
    expect(build(() => ({ syncInterval: Duration.minutes(15) })).edge.syncInterval?.toMinutes()).toBe(15);
  });

  it('takes the Stage dimension and STAGE from the web ACL name without a stage', () => {
    const { stack, edge } = build(() => ({ stage: undefined }));
    expect(edge.metricSyncFailures().dimensions).toEqual({ Stage: 'bulwark-test' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STAGE: 'bulwark-test' }) },
    });
  });

  it('retains the WAF log group and key by default, destroys both when asked, and lets logRemovalPolicy override the log group alone', () => {
    const policies = (template: Template) => ({
      key: Object.values(template.findResources('AWS::KMS::Key')).map((key) => key.DeletionPolicy),
      wafLogs: Object.values(template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: 'aws-waf-logs-bulwark-test' } })).map((group) => group.DeletionPolicy),
    });
    expect(policies(Template.fromStack(build().stack))).toEqual({ key: ['Retain'], wafLogs: ['Retain'] });
    expect(policies(Template.fromStack(build(() => ({ removalPolicy: RemovalPolicy.DESTROY })).stack))).toEqual({ key: ['Delete'], wafLogs: ['Delete'] });
    expect(policies(Template.fromStack(build(() => ({ logRemovalPolicy: RemovalPolicy.DESTROY })).stack))).toEqual({ key: ['Retain'], wafLogs: ['Delete'] });
  });

  it('without Shield, exemptions or allow list: no protection, a plain size rule, empty allow sets', () => {
    const template = Template.fromStack(build().stack);
    template.resourceCountIs('AWS::Shield::Protection', 0);
    template.resourceCountIs('AWS::Route53::HealthCheck', 0);
    expect(rule(template, 'BodySizeLimit').Statement).toEqual({
      SizeConstraintStatement: { FieldToMatch: { Body: { OversizeHandling: 'MATCH' } }, ComparisonOperator: 'GT', Size: 8192, TextTransformations: [{ Priority: 0, Type: 'NONE' }] },
    });
    template.hasResourceProperties('AWS::WAFv2::IPSet', { Name: 'bulwark-test-allow-ipv4', Addresses: [] });
  });

  it('puts chosen groups in count mode, adds Bot Control last, exempts several prefixes and blocks with Shield', () => {
    const template = Template.fromStack(
      build((_stack, healthAlarms) => ({
        botControl: true,
        countModeRuleGroups: ['AWSManagedRulesAnonymousIpList', 'AWSManagedRulesBotControlRuleSet'],
        largeBodyPathPrefixes: ['/v1/notes', '/v1/uploads'],
        rateLimitWindow: Duration.minutes(1),
        maxBodyBytes: 4096,
        shieldAdvanced: { healthAlarms: healthAlarms.slice(0, 1), automaticResponse: true, mitigationAction: ShieldMitigationAction.BLOCK },
      })).stack,
    );
    const rules = rulesOf(template);
    expect(rules.at(-1)).toMatchObject({
      Name: 'AWSManagedRulesBotControlRuleSet',
      OverrideAction: { Count: {} },
      Statement: { ManagedRuleGroupStatement: { ManagedRuleGroupConfigs: [{ AWSManagedRulesBotControlRuleSet: { InspectionLevel: 'COMMON' } }] } },
    });
    expect(rule(template, 'AWSManagedRulesAnonymousIpList').OverrideAction).toEqual({ Count: {} });
    expect(rule(template, 'AWSManagedRulesSQLiRuleSet').OverrideAction).toEqual({ None: {} });
    expect(rule(template, 'RateLimitPerIp')).toMatchObject({ Statement: { RateBasedStatement: { EvaluationWindowSec: 60 } } });
    expect(rule(template, 'BodySizeLimit')).toMatchObject({
      Statement: {
        AndStatement: {
          Statements: [
            { SizeConstraintStatement: { Size: 4096 } },
            { NotStatement: { Statement: { OrStatement: { Statements: [{ ByteMatchStatement: { SearchString: '/v1/notes' } }, { ByteMatchStatement: { SearchString: '/v1/uploads' } }] } } } },
          ],
        },
      },
    });
    template.hasResource('AWS::Shield::Protection', {
      Properties: Match.objectLike({ ApplicationLayerAutomaticResponseConfiguration: { Status: 'ENABLED', Action: { Block: {} } } }),
      // Shield refuses automatic response for a resource without an associated web ACL.
      DependsOn: [Match.stringLikeRegexp('EdgeAssociation')],
    });
    template.hasResourceProperties('AWS::Route53::HealthCheck', { HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED', HealthThreshold: 1 }) });
    template.resourceCountIs('AWS::Shield::ProtectionGroup', 0);
  });

  it('runs the anti-DDoS group first among the groups (blocking, no challenges), blocks hosting providers when asked, and counts its WCU', () => {
    const { stack, edge } = build((_stack, healthAlarms) => ({
      antiDdosRuleGroup: true,
      blockHostingProviders: true,
      botControl: true,
      shieldAdvanced: { healthAlarms, automaticResponse: true },
    }));
    const template = Template.fromStack(stack);
    const names = rulesOf(template).map((candidate) => candidate.Name);
    expect(names.indexOf('AWSManagedRulesAntiDDoSRuleSet')).toBe(names.indexOf('BodySizeLimit') + 1);
    expect(rule(template, 'AWSManagedRulesAntiDDoSRuleSet')).toMatchObject({
      OverrideAction: { None: {} },
      Statement: {
        ManagedRuleGroupStatement: {
          ManagedRuleGroupConfigs: [{ AWSManagedRulesAntiDDoSRuleSet: { ClientSideActionConfig: { Challenge: { UsageOfAction: 'DISABLED' } }, SensitivityToBlock: 'LOW' } }],
        },
      },
    });
    expect(rule(template, 'AWSManagedRulesAnonymousIpList').Statement).toEqual({ ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesAnonymousIpList' } });
    // 1,236 - 22 (no exempt prefix) + 50 anti-DDoS + 50 Bot Control + 150 Shield's group.
    expect(edge.capacityUnits).toBe(1464);
  });

  it('reads an S3 blocklist with its key, logs allowed requests when asked and drops its logs with the stack', () => {
    const { stack } = build((scope) => ({
      blocklistSource: 's3://bulwark-blocklists/prod/blocklist.txt',
      blocklistEncryptionKey: kms.Key.fromKeyArn(scope, 'BlocklistKey', 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555'),
      logAllowedRequests: true,
      logRemovalPolicy: RemovalPolicy.DESTROY,
    }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bulwark-blocklists/prod/blocklist.txt' },
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555' },
        ]),
      },
    });
    const [logging] = Object.values(template.findResources('AWS::WAFv2::LoggingConfiguration'));
    expect(logging.Properties.LoggingFilter).toBeUndefined();
    template.hasResource('AWS::Logs::LogGroup', { Properties: { LogGroupName: 'aws-waf-logs-bulwark-test' }, DeletionPolicy: 'Delete' });
  });
});

describe('EdgeProtection validation', () => {
  const rejects = (props: PropsFactory, message: string | RegExp) => expect(() => build(props)).toThrow(message);

  it('rejects an evaluation window WAF does not offer', () => rejects(() => ({ rateLimitWindow: Duration.minutes(3) }), /rateLimitWindow must be 60, 120, 300 or 600 seconds/));
  it('rejects a rate limit below 10', () => rejects(() => ({ rateLimitPerIp: 5 }), /rateLimitPerIp must be an integer between 10/));
  it('rejects a per-user rate limit that is not an integer', () => rejects(() => ({ rateLimitPerUser: 10.5 }), /rateLimitPerUser must be an integer/));
  it('rejects a body limit above what a regional WAF inspects', () => rejects(() => ({ maxBodyBytes: 16384 }), /maxBodyBytes must be an integer between 1 and 8192/));
  it('rejects an exempt prefix that is not a path', () => rejects(() => ({ largeBodyPathPrefixes: ['v1/notes'] }), /largeBodyPathPrefixes\[0\] must be a URL path/));
  it('rejects an unknown count-mode group', () => rejects(() => ({ countModeRuleGroups: ['Common'] }), /countModeRuleGroups\[0\] "Common" is not one of/));
  it('rejects an allowed address that is not a CIDR', () => rejects(() => ({ allowedAddresses: ['10.0.0.1'] }), /allowedAddresses\[0\] must be an IPv4 or IPv6 CIDR/));
  it('rejects a blocklist source that is neither SSM nor S3', () => rejects(() => ({ blocklistSource: 'https://example.com/list' }), /blocklistSource must be an SSM parameter name/));
  it('rejects reputation lists without a blocklist source', () =>
    rejects(() => ({ blocklistSource: undefined, reputationListUrls: ['https://example.com/drop.txt'] }), /reputationListUrls needs blocklistSource/));
  it('rejects a stage the sync function would refuse', () => rejects(() => ({ stage: 'a stage' }), /stage must be 1\.\.64 letters, digits/));
  it('rejects a plain-HTTP reputation list', () => rejects(() => ({ reputationListUrls: ['http://example.com/drop.txt'] }), /reputationListUrls\[0\] must be an https URL/));
  it('rejects a shrink fraction outside (0, 1]', () => rejects(() => ({ maxShrinkFraction: 0 }), /maxShrinkFraction must be in \(0, 1\]/));
  it('rejects a sync interval under 5 minutes', () => rejects(() => ({ syncInterval: Duration.minutes(1) }), /syncInterval must be a whole number of minutes between 5 and 1440/));
  it('rejects a name WAF does not accept', () => rejects(() => ({ name: 'bulwark prod' }), /name must be 1..100 letters/));
  it('rejects rules over the 5,000 WCU a web ACL may use', () =>
    rejects(() => ({ largeBodyPathPrefixes: Array.from({ length: 180 }, (_, index) => `/p${index}`) }), /the rules need 5174 WCU, more than the 5000 a web ACL may use/));
  it('rejects a reserved concurrency of 0', () => rejects(() => ({ syncReservedConcurrency: 0 }), /syncReservedConcurrency must be an integer between 1 and 1000/));
  it('rejects Shield without health alarms', () => rejects(() => ({ shieldAdvanced: { healthAlarms: [] } }), /shieldAdvanced.healthAlarms must name at least one alarm/));
});
