import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type App, type CfnElement, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStageConfig, wafRateLimits, type StageConfig } from '../../lib/config';
import type { ServiceStack } from '../../lib/stacks/service-stack';
import { createStage } from '../../lib/stacks/stage';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';


/** The Service stack of `stage`, built with the rest of the stage exactly as bin/ builds it. */
function buildServiceStack(config: StageConfig): ServiceStack {
  const { service } = createStage(testApp({ stage: config.stage }), config);
  applyNag(service);
  return service;
}

describe.each(['prod', 'dev'])('ServiceStack (%s)', (stage) => {
  const config = loadStageConfig(stage);
  let stack: ServiceStack;
  let template: Template;
  beforeAll(() => {
    stack = buildServiceStack(config);
    template = Template.fromStack(stack);
  });

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(stack);
  });

  it('is named from the config and deployed to its account and region', () => {
    expect(stack.stackName).toBe(`Bulwark-${stage}-Service`);
    expect(stack.account).toBe(config.account);
    expect(stack.region).toBe(config.region);
  });

  it('sizes and scales the service from the config', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: String(config.service.cpu),
      Memory: String(config.service.memoryMiB),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: config.service.minTasks,
      MaxCapacity: config.service.maxTasks,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: config.service.targetCpuUtilization }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: config.service.targetRequestsPerTarget }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p99',
      Threshold: config.service.p99LatencyTargetMs / 1000,
    });
  });

  it('passes the app its settings as plain variables and the database as secrets', () => {
    const [container] = template.findResources('AWS::ECS::TaskDefinition')[stack.getLogicalId(stack.webService.taskDefinition.node.defaultChild as CfnElement)]
      .Properties.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[]; Secrets: { Name: string; ValueFrom: string }[] }[];
    expect(Object.fromEntries(container.Environment.map((variable) => [variable.Name, variable.Value]))).toEqual({
      PORT: '3000',
      STAGE: stage,
      TRUSTED_PROXY_HOPS: '1',
      DB_SSL: 'require',
      DB_SECRET_ARN: expect.anything(),
      DB_MIGRATIONS: 'skip',
      ...(config.service.tlsToTask ? { APP_TLS: 'self-signed' } : {}),
      DB_POOL_SIZE: String(config.service.databasePoolSize),
      RATE_LIMIT_PER_IP: String(config.service.appRateLimitPerIp),
      RATE_LIMIT_PER_USER: String(config.service.appRateLimitPerUser),
      REQUEST_LOG_SAMPLE_RATE: String(config.service.requestLogSampleRate),
      SLOW_REQUEST_MS: String(config.service.p99LatencyTargetMs),
      METRICS_NAMESPACE: 'Bulwark/Business',
      // prod: AWS Backup's copies, 60 days + 2 (copy and deletion lag); dev: the copier's, 7 + 2.
      ERASURE_BACKUP_BOUND_DAYS: { prod: '62', dev: '9' }[stage],
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_SERVICE_NAME: `bulwark-${stage}`,
      TRACE_SAMPLE_RATE: String(config.observability.traceSampleRate),
      // The RUM monitor's ids, for the page's RUM web client.
      RUM_APP_MONITOR_ID: { 'Fn::GetAtt': [expect.stringMatching(/^RumAppMonitor/), 'Id'] },
      RUM_IDENTITY_POOL_ID: { Ref: expect.stringMatching(/^RumIdentityPool/) },
      RUM_GUEST_ROLE_ARN: { 'Fn::GetAtt': [expect.stringMatching(/^RumGuestRole/), 'Arn'] },
      RUM_REGION: config.region,
    });
    expect(container.Secrets.map((secret) => secret.Name).sort()).toEqual(['CURSOR_KEY', 'DB_HOST', 'DB_NAME', 'DB_PASSWORD', 'DB_PORT', 'DB_USERNAME']);
  });

  const containersOf = (task: IConstruct) => template.findResources('AWS::ECS::TaskDefinition')[stack.getLogicalId(task.node.defaultChild as CfnElement)].Properties
    .ContainerDefinitions as { Name: string; Image: unknown; Command?: string[]; Secrets: { Name: string; ValueFrom: unknown }[] }[];
  /** Which Data stack secret (its SSM parameter) each injected variable comes from. */
  const secretSources = (container: { Secrets: { Name: string; ValueFrom: unknown }[] }) =>
    Object.fromEntries(container.Secrets.filter((secret) => secret.Name.startsWith('DB_')).map((secret) => [secret.Name, /data(runtime)?secretarn/.exec(JSON.stringify(secret.ValueFrom))![0]]));

  it('never gives the service tasks the master secret: only the runtime role\'s', () => {
    const [app] = containersOf(stack.webService.taskDefinition);
    expect(secretSources(app)).toEqual({ DB_HOST: 'dataruntimesecretarn', DB_PORT: 'dataruntimesecretarn', DB_NAME: 'dataruntimesecretarn', DB_USERNAME: 'dataruntimesecretarn', DB_PASSWORD: 'dataruntimesecretarn' });
    expect(JSON.stringify(template.findResources('AWS::ECS::TaskDefinition')[stack.getLogicalId(stack.webService.taskDefinition.node.defaultChild as CfnElement)])).not.toMatch(/datasecretarn/);
  });

  it('migrates with the master secret in a one-off task of the same image, before the service rolls', () => {
    const [migrate] = containersOf(stack.migration.taskDefinition);
    const [app] = containersOf(stack.webService.taskDefinition);
    expect(migrate.Command).toEqual(['node', 'migrate.js']);
    expect(migrate.Image).toEqual(app.Image);
    expect(secretSources(migrate)).toEqual({
      DB_HOST: 'datasecretarn',
      DB_PORT: 'datasecretarn',
      DB_NAME: 'datasecretarn',
      DB_MIGRATION_USERNAME: 'datasecretarn',
      DB_MIGRATION_PASSWORD: 'datasecretarn',
      DB_USERNAME: 'dataruntimesecretarn',
      DB_PASSWORD: 'dataruntimesecretarn',
    });
    const migrationId = stack.getLogicalId(stack.migration.resource.node.defaultChild as CfnElement);
    template.hasResourceProperties('Custom::DatabaseMigration', {
      TaskDefinitionArn: { Ref: stack.getLogicalId(stack.migration.taskDefinition.node.defaultChild as CfnElement) },
      ClusterArn: { 'Fn::GetAtt': [stack.getLogicalId(stack.webService.cluster.node.defaultChild as CfnElement), 'Arn'] },
    });
    const service = template.findResources('AWS::ECS::Service')[stack.getLogicalId(stack.webService.service.node.defaultChild as CfnElement)];
    expect(service.DependsOn).toContain(migrationId);
  });

  it('runs the tracing collector beside the app, which waits for it to start', () => {
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    const containers = task.Properties.ContainerDefinitions as { Name: string; DependsOn?: unknown[] }[];
    expect(containers.map((c) => c.Name)).toEqual(['App', 'otel-collector']);
    expect(containers[0].DependsOn).toEqual([{ ContainerName: 'otel-collector', Condition: 'START' }]);
  });

  it('builds the image from the app directory only, for linux/arm64, at deploy time', () => {
    const assembly = (stack.node.root as App).synth();
    const manifest = JSON.parse(readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'));
    const images = Object.values(manifest.dockerImages) as { source: { directory: string; platform?: string } }[];
    expect(images).toHaveLength(1);
    expect(images[0].source.platform).toBe('linux/arm64');
    // The staged build context holds what app/.dockerignore lets through, never the repository.
    const context = readdirSync(path.join(assembly.directory, images[0].source.directory));
    expect(context).toContain('Dockerfile');
    expect(context).not.toContain('node_modules');
    expect(context).not.toContain('src');
  });

  it('encrypts the load balancer → task hop as the config says (APP_TLS, HTTPS target group and health check)', () => {
    const protocol = config.service.tlsToTask ? 'HTTPS' : 'HTTP';
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Protocol: protocol, HealthCheckProtocol: protocol, HealthCheckPath: '/healthz' });
    const [taskDefinition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    const app = taskDefinition.Properties.ContainerDefinitions.find((container: { Name: string }) => container.Name === 'App');
    const tls = app.Environment.find((variable: { Name: string }) => variable.Name === 'APP_TLS');
    expect(tls?.Value).toBe(config.service.tlsToTask ? 'self-signed' : undefined);
    expect(app.HealthCheck.Command.join(' ')).toContain(config.service.tlsToTask ? "require('https')" : "require('http')");
  });

  it('gives every task the same cursor key, 64 hex digits from Secrets Manager, injected by ECS', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludeUppercase: true, ExcludePunctuation: true, IncludeSpace: false, ExcludeCharacters: 'ghijklmnopqrstuvwxyz' },
    });
    const [taskDefinition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    const app = taskDefinition.Properties.ContainerDefinitions.find((container: { Name: string }) => container.Name === 'App');
    expect(app.Secrets).toContainEqual({ Name: 'CURSOR_KEY', ValueFrom: { Ref: stack.getLogicalId(stack.cursorKey.node.defaultChild as never) } });
  });

  it('applies the stage config to the WAF', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Name: `bulwark-${stage}`,
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'RateLimitPerIp',
          Statement: { RateBasedStatement: { Limit: wafRateLimits(config).perIp, EvaluationWindowSec: config.waf.evaluationWindowSeconds, AggregateKeyType: 'IP' } },
        }),
      ]),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `aws-waf-logs-bulwark-${stage}` });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ BLOCKLIST_SOURCE: config.waf.blocklistSource, METRIC_NAMESPACE: 'Bulwark/Operations', STAGE: stage }) },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: events.Schedule.rate(Duration.minutes(config.waf.syncIntervalMinutes)).expressionString,
    });
  });

  it('imports the hosted zone by attributes and points the domain at the load balancer', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `${config.dns.domainName}.`,
      Type: 'A',
      HostedZoneId: config.dns.hostedZoneId,
    });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: config.dns.domainName, ValidationMethod: 'DNS' });
  });

  it('exports the URL, load balancer, cluster, service, web ACL and sync function', () => {
    for (const output of ['Url', 'LoadBalancerDnsName', 'ClusterName', 'ServiceName', 'WebAclArn', 'IpSetSyncFunctionName']) {
      template.hasOutput(output, {});
    }
    template.hasOutput('Url', { Value: `https://${config.dns.domainName}` });
  });

  if (stage === 'prod') {
    it('turns on ALB deletion protection and keeps the WAF and migration logs, except when the first create rolls back', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
      });
      // RetainExceptOnCreate: a rolled-back first create must not leave the fixed name behind.
      template.hasResource('AWS::Logs::LogGroup', { Properties: { LogGroupName: 'aws-waf-logs-bulwark-prod' }, DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
      const migrationLogs = Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([id]) => id.startsWith('MigrationLogs'));
      expect(migrationLogs.map(([, logGroup]) => logGroup.DeletionPolicy)).toEqual(['RetainExceptOnCreate']);
    });

    it('protects the load balancer with Shield Advanced, health-based detection and a protection group', () => {
      template.resourceCountIs('AWS::Shield::Protection', 1);
      template.hasResourceProperties('AWS::Shield::Protection', {
        ResourceArn: { Ref: Match.stringLikeRegexp('WebLoadBalancer') },
        // Automatic response is off in the shipped prod: the anti-DDoS group does that job.
        ApplicationLayerAutomaticResponseConfiguration: Match.absent(),
        HealthCheckArns: [Match.anyValue()],
      });
      template.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({ Type: 'CALCULATED', HealthThreshold: 3 }),
      });
      template.resourceCountIs('AWS::Route53::HealthCheck', 4);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'HTTPCode_ELB_5XX_Count',
        Statistic: 'Sum',
        Threshold: Math.ceil(config.service.minTasks * config.service.targetRequestsPerTarget * 0.01),
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'HealthyHostCount', Statistic: 'Minimum', Threshold: 1 });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'TargetResponseTime', Statistic: 'Average' });
      template.resourceCountIs('AWS::Shield::ProtectionGroup', 1);
    });

    it('takes Shield automatic response and its action from the config', () => {
      const counting = buildServiceStack({ ...config, shield: { ...config.shield, automaticResponse: true, mitigationAction: 'COUNT' } });
      Template.fromStack(counting).hasResourceProperties('AWS::Shield::Protection', {
        ApplicationLayerAutomaticResponseConfiguration: { Status: 'ENABLED', Action: { Count: {} } },
      });
    });

    it('runs the anti-DDoS managed group and counts hosting providers, as the config says', () => {
      const rules: Array<{ Name: string; Statement: { ManagedRuleGroupStatement?: { RuleActionOverrides?: unknown } } }> =
        Object.values(template.findResources('AWS::WAFv2::WebACL'))[0].Properties.Rules;
      expect(rules.map((rule) => rule.Name)).toContain('AWSManagedRulesAntiDDoSRuleSet');
      expect(rules.find((rule) => rule.Name === 'AWSManagedRulesAnonymousIpList')!.Statement.ManagedRuleGroupStatement!.RuleActionOverrides).toEqual([
        { Name: 'HostingProviderIPList', ActionToUse: { Count: {} } },
      ]);
      const blocking = buildServiceStack({ ...config, waf: { ...config.waf, antiDdosRuleGroup: false, blockHostingProviders: true } });
      const blockingRules: Array<{ Name: string; Statement: { ManagedRuleGroupStatement?: { RuleActionOverrides?: unknown } } }> =
        Object.values(Template.fromStack(blocking).findResources('AWS::WAFv2::WebACL'))[0].Properties.Rules;
      expect(blockingRules.map((rule) => rule.Name)).not.toContain('AWSManagedRulesAntiDDoSRuleSet');
      expect(blockingRules.find((rule) => rule.Name === 'AWSManagedRulesAnonymousIpList')!.Statement.ManagedRuleGroupStatement!.RuleActionOverrides).toBeUndefined();
    });
  } else {
    it('leaves deletion protection and Shield off', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'false' }]),
      });
      template.resourceCountIs('AWS::Shield::Protection', 0);
      template.resourceCountIs('AWS::Route53::HealthCheck', 0);
      template.hasResource('AWS::Logs::LogGroup', { Properties: { LogGroupName: 'aws-waf-logs-bulwark-dev' }, DeletionPolicy: 'Delete' });
    });
  }
});
