import { expect } from 'vitest';
import { findConfigProblems, personalDataRegions, quotaBudget, type AccountQuotaId } from '../../../lib/config';
import { WEB_SERVICE_DEFAULTS } from '../../../lib/constructs/web-service/defaults';
import { runSettings } from '../../../loadtest/command';
import { planSteps } from '../../../loadtest/plan';
import type { ConfigLeafPath } from './leaf-paths';
import { containerEnvironment, functionWithVariable, onlyResource, resourcesOf, serviceTask, webAclRule, type WiredStage } from './synthesize';

/**
 * One config field's wiring: where its value lands, and an assertion that the synthesized
 * stage shows the value of the config it was built from. The assertion runs against both
 * wiring stages (WIRED_A and WIRED_B hold different values of every field), so it cannot
 * pass on a construct default.
 */
export interface WiringRow {
  /** Where the value belongs: stack, resource and property. */
  readonly where: string;
  readonly proves: (stage: WiredStage) => void;
  /** The construct's own default, where it has one: the wiring stages must hold other values. */
  readonly constructDefault?: unknown;
}

const app = (s: WiredStage) => containerEnvironment(s, 'App');
const ipSetSync = (s: WiredStage) => functionWithVariable(s, 'service', 'BLOCKLIST_SOURCE');
const snapshotCopier = (s: WiredStage) => functionWithVariable(s, 'data', 'RETENTION_DAYS');
const cluster = (s: WiredStage) => onlyResource(s.templates.data, 'AWS::RDS::DBCluster');
const backupPlanRule = (s: WiredStage) => resourcesOf(s.templates.data, 'AWS::Backup::BackupPlan').map((plan) => plan.BackupPlan.BackupPlanRule[0]);
const deployTrust = (s: WiredStage) => resourcesOf(s.templates.ciDeploy, 'AWS::IAM::Role').find((role) => role.RoleName.endsWith('-github-deploy'))!.AssumeRolePolicyDocument.Statement[0];
const shieldProtection = (s: WiredStage) => resourcesOf(s.templates.service, 'AWS::Shield::Protection');
const loadBalancerAttribute = (s: WiredStage, key: string) =>
  onlyResource(s.templates.service, 'AWS::ElasticLoadBalancingV2::LoadBalancer').LoadBalancerAttributes.find((a: { Key: string }) => a.Key === key)?.Value;
const scalingTargetValues = (s: WiredStage) =>
  resourcesOf(s.templates.service, 'AWS::ApplicationAutoScaling::ScalingPolicy').flatMap((policy) => policy.TargetTrackingScalingPolicyConfiguration?.TargetValue ?? []);
const alarmsOf = (s: WiredStage, tier: 'service' | 'monitoring', idPart: string) =>
  Object.entries(s.templates[tier].findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.includes(idPart)).map(([, alarm]) => alarm.Properties);
const rateLimit = (s: WiredStage, rule: 'RateLimitPerIp' | 'RateLimitPerUser') => webAclRule(s, rule)!.Statement.RateBasedStatement;
/** The WAF limit the app's per-minute limit derives, restated here from the config's documentation. */
const derivedLimit = (s: WiredStage, appPerMinute: number) => Math.ceil((appPerMinute * s.config.waf.evaluationWindowSeconds * s.config.waf.rateLimitHeadroom) / 60);
/** The stacks the stage has (optional ones it leaves off are undefined). */
const presentStacks = (s: WiredStage) => Object.values(s.stacks).filter((stack) => stack !== undefined);
const stackNames = (s: WiredStage) => presentStacks(s).map((stack) => stack.stackName);
/** The run `npm run loadtest -- --stage <stage>` plans from the config (no flags). */
const plannedRun = (s: WiredStage) => runSettings({ stage: s.config.stage, local: false, out: 'unused' }, s.config, 'run');
/** Checks the LoadTest stack where the stage turns it on, and that there is none where it does not. */
const loadTestStack = (check: (s: WiredStage) => void) => (s: WiredStage) => {
  if (!s.config.loadTest.enabled) return expect(s.stacks.loadTest).toBeUndefined();
  check(s);
};
const accountQuota = (id: AccountQuotaId): WiringRow => ({
  where: 'the quota budget (validation): the account value the stage is checked against; nothing is synthesized',
  proves: (s) => expect(quotaBudget(s.config).find((row) => row.quota.id === id)!.available).toBe(s.config.accountQuotas![id]),
});

/**
 * Every config field and where it is wired. Keyed by every leaf path of StageConfig, so a
 * new field without a row does not compile; the test also fails at run time naming the
 * row to add (see config-wiring.test.ts).
 */
export const WIRING: Readonly<Record<ConfigLeafPath, WiringRow>> = {
  stage: {
    where: 'every stack name <prefix>-<stage>-<Tier>; the app container STAGE',
    proves: (s) => {
      expect(stackNames(s).every((name) => name.startsWith(`${s.config.prefix}-${s.config.stage}-`))).toBe(true);
      expect(app(s).STAGE).toBe(s.config.stage);
    },
  },
  prefix: {
    where: 'every stack name; the operations metric namespace of the Lambdas',
    proves: (s) => {
      expect(stackNames(s).every((name) => name.startsWith(`${s.config.prefix}-`))).toBe(true);
      expect(snapshotCopier(s).Environment.Variables.METRIC_NAMESPACE).toBe(`${s.config.prefix}/Operations`);
      expect(app(s).METRICS_NAMESPACE).toBe(`${s.config.prefix}/Business`);
    },
  },
  account: {
    where: 'the env of every stack; the backup key ARN the copier encrypts with',
    proves: (s) => {
      expect(new Set(presentStacks(s).map((stack) => stack.account))).toEqual(new Set([s.config.account]));
      expect(snapshotCopier(s).Environment.Variables.BACKUP_KMS_KEY_ID).toContain(`:${s.config.account}:`);
    },
  },
  region: {
    where: 'the env of every primary-region stack; the copier SOURCE_REGION',
    proves: (s) => {
      for (const tier of ['network', 'data', 'service', 'monitoring', 'ciDeploy'] as const) expect(s.stacks[tier]!.region, tier).toBe(s.config.region);
      expect(snapshotCopier(s).Environment.Variables.SOURCE_REGION).toBe(s.config.region);
    },
  },
  availabilityZones: {
    where: 'Network: the zones of the subnets',
    proves: (s) => {
      const zones = new Set(resourcesOf(s.templates.network, 'AWS::EC2::Subnet').map((subnet) => subnet.AvailabilityZone));
      expect(zones).toEqual(new Set(s.config.availabilityZones));
    },
  },
  allowedRegions: {
    where: 'validation (data residency): every region of the privacy inventory must be listed; nothing is synthesized',
    proves: (s) => {
      expect(findConfigProblems(s.config)).toEqual([]);
      // Each region the stage keeps personal data in is needed: leaving it out fails validation.
      for (const region of personalDataRegions(s.config)) {
        const without = { ...s.config, allowedRegions: s.config.allowedRegions!.filter((allowed) => allowed !== region) };
        expect(findConfigProblems(without)).toContainEqual(expect.stringContaining(`does not include ${region}`));
      }
    },
  },
  backupRegion: {
    where: 'BackupRegion stack env; the copier BACKUP_REGION; the AWS Backup copy destination',
    proves: (s) => {
      expect(s.stacks.backupRegion.region).toBe(s.config.backupRegion);
      expect(snapshotCopier(s).Environment.Variables.BACKUP_REGION).toBe(s.config.backupRegion);
    },
  },
  tags: {
    where: 'every taggable resource (bin/ applies the tags to the app): e.g. the VPC',
    proves: (s) => {
      const vpcTags = onlyResource(s.templates.network, 'AWS::EC2::VPC').Tags;
      for (const [Key, Value] of Object.entries(s.config.tags)) expect(vpcTags).toContainEqual({ Key, Value });
    },
  },
  'network.cidr': {
    where: 'Network: VPC CidrBlock',
    constructDefault: '10.0.0.0/16',
    proves: (s) => expect(onlyResource(s.templates.network, 'AWS::EC2::VPC').CidrBlock).toBe(s.config.network.cidr),
  },
  'network.natGateways': {
    where: 'Network: number of NAT gateways',
    proves: (s) => expect(resourcesOf(s.templates.network, 'AWS::EC2::NatGateway')).toHaveLength(s.config.network.natGateways),
  },
  'network.flowLogRetentionDays': {
    where: 'Network: flow log group RetentionInDays',
    constructDefault: 365,
    proves: (s) => expect(onlyResource(s.templates.network, 'AWS::Logs::LogGroup').RetentionInDays).toBe(s.config.network.flowLogRetentionDays),
  },
  'network.interfaceEndpoints': {
    where: 'Network: the four interface endpoints besides the S3 gateway endpoint',
    proves: (s) => {
      const endpoints = resourcesOf(s.templates.network, 'AWS::EC2::VPCEndpoint');
      expect(endpoints.filter((endpoint) => endpoint.VpcEndpointType === 'Interface')).toHaveLength(s.config.network.interfaceEndpoints ? 4 : 0);
    },
  },
  'dns.domainName': {
    where: 'Service: alias record Name; the certificate DomainName when one is created',
    proves: (s) => expect(onlyResource(s.templates.service, 'AWS::Route53::RecordSet').Name).toBe(`${s.config.dns.domainName}.`),
  },
  'dns.hostedZoneId': {
    where: 'Service: alias record HostedZoneId (and DNS validation of a created certificate)',
    proves: (s) => expect(onlyResource(s.templates.service, 'AWS::Route53::RecordSet').HostedZoneId).toBe(s.config.dns.hostedZoneId),
  },
  'dns.hostedZoneName': {
    where: 'Service: the zone the alias record name is qualified in (a name outside the zone would get the zone appended)',
    proves: (s) => {
      const name: string = onlyResource(s.templates.service, 'AWS::Route53::RecordSet').Name;
      expect(name.endsWith(`.${s.config.dns.hostedZoneName}.`)).toBe(true);
      expect(name).toBe(`${s.config.dns.domainName}.`);
    },
  },
  'dns.certificateArn': {
    where: 'Service: HTTPS listener certificate; without it a DNS-validated certificate is created',
    proves: (s) => {
      const created = resourcesOf(s.templates.service, 'AWS::CertificateManager::Certificate');
      const https = resourcesOf(s.templates.service, 'AWS::ElasticLoadBalancingV2::Listener').find((listener) => listener.Protocol === 'HTTPS')!;
      if (s.config.dns.certificateArn) {
        expect(created).toHaveLength(0);
        expect(https.Certificates).toEqual([{ CertificateArn: s.config.dns.certificateArn }]);
      } else {
        expect(created).toEqual([expect.objectContaining({ DomainName: s.config.dns.domainName, ValidationMethod: 'DNS' })]);
      }
    },
  },
  'service.minTasks': {
    where: 'Service: ScalableTarget MinCapacity',
    constructDefault: WEB_SERVICE_DEFAULTS.minTasks,
    proves: (s) => expect(onlyResource(s.templates.service, 'AWS::ApplicationAutoScaling::ScalableTarget').MinCapacity).toBe(s.config.service.minTasks),
  },
  'service.maxTasks': {
    where: 'Service: ScalableTarget MaxCapacity',
    constructDefault: WEB_SERVICE_DEFAULTS.maxTasks,
    proves: (s) => expect(onlyResource(s.templates.service, 'AWS::ApplicationAutoScaling::ScalableTarget').MaxCapacity).toBe(s.config.service.maxTasks),
  },
  'service.cpu': {
    where: 'Service: TaskDefinition Cpu',
    constructDefault: WEB_SERVICE_DEFAULTS.cpu,
    proves: (s) => expect(serviceTask(s).Cpu).toBe(String(s.config.service.cpu)),
  },
  'service.memoryMiB': {
    where: 'Service: TaskDefinition Memory',
    constructDefault: WEB_SERVICE_DEFAULTS.memoryLimitMiB,
    proves: (s) => expect(serviceTask(s).Memory).toBe(String(s.config.service.memoryMiB)),
  },
  'service.targetCpuUtilization': {
    where: 'Service: the CPU target-tracking policy TargetValue',
    constructDefault: WEB_SERVICE_DEFAULTS.targetCpuUtilization,
    proves: (s) => expect(scalingTargetValues(s)).toContain(s.config.service.targetCpuUtilization),
  },
  'service.targetRequestsPerTarget': {
    where: 'Service: the requests-per-target policy TargetValue',
    constructDefault: WEB_SERVICE_DEFAULTS.targetRequestsPerTarget,
    proves: (s) => expect(scalingTargetValues(s)).toContain(s.config.service.targetRequestsPerTarget),
  },
  'service.p99LatencyTargetMs': {
    where: 'Service: p99 TargetResponseTime alarm Threshold (seconds) and SLOW_REQUEST_MS; Monitoring: the latency SLO',
    constructDefault: WEB_SERVICE_DEFAULTS.p99LatencyThresholdMs,
    proves: (s) => {
      const p99 = resourcesOf(s.templates.service, 'AWS::CloudWatch::Alarm').filter((alarm) => alarm.MetricName === 'TargetResponseTime' && alarm.ExtendedStatistic === 'p99');
      expect(p99.length).toBeGreaterThan(0);
      for (const alarm of p99) expect(alarm.Threshold).toBe(s.config.service.p99LatencyTargetMs / 1000);
      expect(app(s).SLOW_REQUEST_MS).toBe(String(s.config.service.p99LatencyTargetMs));
      expect(JSON.stringify(s.templates.monitoring.toJSON())).toContain(`Share of requests slower than ${s.config.service.p99LatencyTargetMs} ms`);
    },
  },
  'service.logRetentionDays': {
    where: 'Service: RetentionInDays of every log group (app, WAF, IP-set sync); access-log bucket expiry',
    proves: (s) => {
      const groups = resourcesOf(s.templates.service, 'AWS::Logs::LogGroup');
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups) expect(group.RetentionInDays).toBe(s.config.service.logRetentionDays);
      const rules = onlyResource(s.templates.service, 'AWS::S3::Bucket').LifecycleConfiguration.Rules;
      expect(rules).toContainEqual(expect.objectContaining({ ExpirationInDays: s.config.service.logRetentionDays }));
    },
  },
  'service.deletionProtection': {
    where: 'Service: load balancer deletion_protection.enabled; WAF log group kept on delete',
    proves: (s) => expect(loadBalancerAttribute(s, 'deletion_protection.enabled')).toBe(String(s.config.service.deletionProtection)),
  },
  'service.databasePoolSize': {
    where: 'Service: app container DB_POOL_SIZE',
    proves: (s) => expect(app(s).DB_POOL_SIZE).toBe(String(s.config.service.databasePoolSize)),
  },
  'service.appRateLimitPerIp': {
    where: 'Service: app container RATE_LIMIT_PER_IP; the WAF per-IP rate limit derives from it',
    proves: (s) => {
      expect(app(s).RATE_LIMIT_PER_IP).toBe(String(s.config.service.appRateLimitPerIp));
      expect(rateLimit(s, 'RateLimitPerIp').Limit).toBe(derivedLimit(s, s.config.service.appRateLimitPerIp));
    },
  },
  'service.appRateLimitPerUser': {
    where: 'Service: app container RATE_LIMIT_PER_USER; the WAF per-user rate limit derives from it',
    proves: (s) => {
      expect(app(s).RATE_LIMIT_PER_USER).toBe(String(s.config.service.appRateLimitPerUser));
      expect(rateLimit(s, 'RateLimitPerUser').Limit).toBe(derivedLimit(s, s.config.service.appRateLimitPerUser));
    },
  },
  'service.requestLogSampleRate': {
    where: 'Service: app container REQUEST_LOG_SAMPLE_RATE',
    proves: (s) => expect(app(s).REQUEST_LOG_SAMPLE_RATE).toBe(String(s.config.service.requestLogSampleRate)),
  },
  'service.tlsToTask': {
    where: 'Service: target group (and health check) Protocol HTTPS, app APP_TLS=self-signed',
    proves: (s) => {
      const targetGroup = onlyResource(s.templates.service, 'AWS::ElasticLoadBalancingV2::TargetGroup');
      const protocol = s.config.service.tlsToTask ? 'HTTPS' : 'HTTP';
      expect([targetGroup.Protocol, targetGroup.HealthCheckProtocol]).toEqual([protocol, protocol]);
      expect(app(s).APP_TLS).toBe(s.config.service.tlsToTask ? 'self-signed' : undefined);
    },
  },
  'database.instanceClass': {
    where: 'Data: DBInstanceClass of every instance (db.serverless for Serverless v2)',
    proves: (s) => {
      const classes = resourcesOf(s.templates.data, 'AWS::RDS::DBInstance').map((instance) => instance.DBInstanceClass);
      expect(new Set(classes)).toEqual(new Set([s.config.database.instanceClass ? `db.${s.config.database.instanceClass}` : 'db.serverless']));
    },
  },
  'database.serverless.minCapacity': {
    where: 'Data: DBCluster ServerlessV2ScalingConfiguration MinCapacity',
    proves: (s) => expect(cluster(s).ServerlessV2ScalingConfiguration?.MinCapacity).toBe(s.config.database.serverless?.minCapacity),
  },
  'database.serverless.maxCapacity': {
    where: 'Data: DBCluster ServerlessV2ScalingConfiguration MaxCapacity; Monitoring: memory the database alarms are relative to',
    proves: (s) => expect(cluster(s).ServerlessV2ScalingConfiguration?.MaxCapacity).toBe(s.config.database.serverless?.maxCapacity),
  },
  'database.readers': {
    where: 'Data: instances besides the writer, promotion tier 1',
    proves: (s) => {
      const tiers = resourcesOf(s.templates.data, 'AWS::RDS::DBInstance').map((instance) => instance.PromotionTier);
      expect(tiers.sort()).toEqual([0, ...Array<number>(s.config.database.readers).fill(1)]);
    },
  },
  'database.databaseName': {
    where: 'Data: DBCluster DatabaseName (absent when restoring: the snapshot holds it) and the secret dbname',
    proves: (s) => {
      expect(cluster(s).DatabaseName).toBe(s.config.database.restoreFromSnapshot ? undefined : s.config.database.databaseName);
      // The master's and the runtime role's secret both name the database.
      const templates = resourcesOf(s.templates.data, 'AWS::SecretsManager::Secret').map((secret) => JSON.parse(secret.GenerateSecretString.SecretStringTemplate));
      expect(templates.map((template) => template.dbname)).toEqual([s.config.database.databaseName, s.config.database.databaseName]);
    },
  },
  'database.restoreFromSnapshot': {
    where: 'Data: DBCluster SnapshotIdentifier',
    proves: (s) => expect(cluster(s).SnapshotIdentifier).toBe(s.config.database.restoreFromSnapshot),
  },
  'database.backupRetentionDays': {
    where: 'Data: DBCluster BackupRetentionPeriod',
    proves: (s) => expect(cluster(s).BackupRetentionPeriod).toBe(s.config.database.backupRetentionDays),
  },
  'database.preferredBackupWindow': {
    where: 'Data: DBCluster PreferredBackupWindow',
    proves: (s) => expect(cluster(s).PreferredBackupWindow).toBe(s.config.database.preferredBackupWindow),
  },
  'database.preferredMaintenanceWindow': {
    where: 'Data: DBCluster PreferredMaintenanceWindow',
    proves: (s) => expect(cluster(s).PreferredMaintenanceWindow).toBe(s.config.database.preferredMaintenanceWindow),
  },
  'database.deletionProtection': {
    where: 'Data: DBCluster DeletionProtection, and a snapshot on delete when protected',
    proves: (s) => {
      expect(cluster(s).DeletionProtection).toBe(s.config.database.deletionProtection);
      expect(cluster(s).DeletionPolicy).toBe(s.config.database.deletionProtection ? 'Snapshot' : 'Delete');
    },
  },
  'database.logRetentionDays': {
    where: 'Data: retention of the exported postgresql log group',
    proves: (s) => expect(onlyResource(s.templates.data, 'Custom::LogRetention').RetentionInDays).toBe(s.config.database.logRetentionDays),
  },
  'database.secretRotationDays': {
    where: 'Data: RotationSchedule rate of both secrets (master and runtime role)',
    proves: (s) =>
      expect(resourcesOf(s.templates.data, 'AWS::SecretsManager::RotationSchedule').map((schedule) => schedule.RotationRules.ScheduleExpression)).toEqual([
        `rate(${s.config.database.secretRotationDays} days)`,
        `rate(${s.config.database.secretRotationDays} days)`,
      ]),
  },
  'backup.snapshotCopyRetentionDays': {
    where: 'Data: copier RETENTION_DAYS',
    proves: (s) => expect(snapshotCopier(s).Environment.Variables.RETENTION_DAYS).toBe(String(s.config.backup.snapshotCopyRetentionDays)),
  },
  'backup.awsBackupEnabled': {
    where: 'Data: the AWS Backup plan with its copy to the backup region vault',
    proves: (s) => {
      const rules = backupPlanRule(s);
      expect(rules).toHaveLength(s.config.backup.awsBackupEnabled ? 1 : 0);
      for (const rule of rules) expect(rule.CopyActions[0].DestinationBackupVaultArn).toBe(`arn:aws:backup:${s.config.backupRegion}:${s.config.account}:backup-vault:${s.config.prefix.toLowerCase()}-${s.config.stage}-backup-copies`);
    },
  },
  'backup.awsBackupRetentionDays': {
    where: 'Data: backup plan rule Lifecycle DeleteAfterDays (no plan when AWS Backup is off)',
    proves: (s) => expect(backupPlanRule(s).map((rule) => rule.Lifecycle.DeleteAfterDays)).toEqual(s.config.backup.awsBackupEnabled ? [s.config.backup.awsBackupRetentionDays] : []),
  },
  'backup.awsBackupCopyRetentionDays': {
    where: 'Data: backup plan copy action Lifecycle DeleteAfterDays (no plan when AWS Backup is off)',
    proves: (s) =>
      expect(backupPlanRule(s).map((rule) => rule.CopyActions[0].Lifecycle.DeleteAfterDays)).toEqual(s.config.backup.awsBackupEnabled ? [s.config.backup.awsBackupCopyRetentionDays] : []),
  },
  'waf.rateLimitHeadroom': {
    where: 'Service: both rate-based rules Limit = ceil(app limit/min × window min × headroom)',
    proves: (s) => {
      expect(rateLimit(s, 'RateLimitPerIp').Limit).toBe(derivedLimit(s, s.config.service.appRateLimitPerIp));
      expect(rateLimit(s, 'RateLimitPerUser').Limit).toBe(derivedLimit(s, s.config.service.appRateLimitPerUser));
    },
  },
  'waf.evaluationWindowSeconds': {
    where: 'Service: both rate-based rules EvaluationWindowSec',
    proves: (s) => {
      expect(rateLimit(s, 'RateLimitPerIp').EvaluationWindowSec).toBe(s.config.waf.evaluationWindowSeconds);
      expect(rateLimit(s, 'RateLimitPerUser').EvaluationWindowSec).toBe(s.config.waf.evaluationWindowSeconds);
    },
  },
  'waf.maxBodyBytes': {
    where: 'Service: BodySizeLimit rule size constraint Size',
    proves: (s) => expect(webAclRule(s, 'BodySizeLimit')!.Statement.AndStatement.Statements[0].SizeConstraintStatement.Size).toBe(s.config.waf.maxBodyBytes),
  },
  'waf.largeBodyPathPrefixes': {
    where: 'Service: BodySizeLimit rule exemptions (URI path starts with each prefix)',
    proves: (s) => {
      const exemptions = JSON.stringify(webAclRule(s, 'BodySizeLimit')!.Statement.AndStatement.Statements[1]);
      const searched = [...exemptions.matchAll(/"SearchString":"([^"]*)"/g)].map((match) => match[1]);
      expect(searched.sort()).toEqual([...s.config.waf.largeBodyPathPrefixes].sort());
    },
  },
  'waf.botControl': {
    where: 'Service: web ACL AWSManagedRulesBotControlRuleSet rule',
    proves: (s) => expect(webAclRule(s, 'AWSManagedRulesBotControlRuleSet') !== undefined).toBe(s.config.waf.botControl),
  },
  'waf.countModeRuleGroups': {
    where: 'Service: OverrideAction Count on exactly the listed managed groups',
    proves: (s) => {
      const rules = onlyResource(s.templates.service, 'AWS::WAFv2::WebACL').Rules as Array<{ Name: string; OverrideAction?: Record<string, unknown> }>;
      const counted = rules.filter((rule) => rule.OverrideAction?.Count !== undefined).map((rule) => rule.Name);
      expect(counted.sort()).toEqual([...s.config.waf.countModeRuleGroups].sort());
    },
  },
  'waf.blockHostingProviders': {
    where: 'Service: AnonymousIpList group overrides HostingProviderIPList to count unless blocking',
    proves: (s) => {
      const overrides = webAclRule(s, 'AWSManagedRulesAnonymousIpList')!.Statement.ManagedRuleGroupStatement.RuleActionOverrides ?? [];
      const counted = overrides.some((o: { Name: string; ActionToUse: Record<string, unknown> }) => o.Name === 'HostingProviderIPList' && o.ActionToUse.Count !== undefined);
      expect(counted).toBe(!s.config.waf.blockHostingProviders);
    },
  },
  'waf.antiDdosRuleGroup': {
    where: 'Service: web ACL AWSManagedRulesAntiDDoSRuleSet rule',
    proves: (s) => expect(webAclRule(s, 'AWSManagedRulesAntiDDoSRuleSet') !== undefined).toBe(s.config.waf.antiDdosRuleGroup),
  },
  'waf.blocklistSource': {
    where: 'Service: IP-set sync BLOCKLIST_SOURCE',
    proves: (s) => expect(ipSetSync(s).Environment.Variables.BLOCKLIST_SOURCE).toBe(s.config.waf.blocklistSource),
  },
  'waf.reputationListUrls': {
    where: 'Service: IP-set sync REPUTATION_LIST_URLS (JSON)',
    proves: (s) => expect(JSON.parse(ipSetSync(s).Environment.Variables.REPUTATION_LIST_URLS)).toEqual(s.config.waf.reputationListUrls),
  },
  'waf.maxShrinkFraction': {
    where: 'Service: IP-set sync MAX_SHRINK_FRACTION',
    proves: (s) => expect(ipSetSync(s).Environment.Variables.MAX_SHRINK_FRACTION).toBe(String(s.config.waf.maxShrinkFraction)),
  },
  'waf.syncIntervalMinutes': {
    where: 'Service: IP-set sync schedule rate',
    proves: (s) => {
      const minutes = s.config.waf.syncIntervalMinutes;
      const expected = minutes % 60 === 0 ? `rate(${minutes / 60} hour${minutes === 60 ? '' : 's'})` : `rate(${minutes} minutes)`;
      expect(resourcesOf(s.templates.service, 'AWS::Events::Rule').map((rule) => rule.ScheduleExpression)).toEqual([expected]);
    },
  },
  'shield.advanced': {
    where: 'Service: Shield::Protection of the load balancer with its health check',
    proves: (s) => expect(shieldProtection(s)).toHaveLength(s.config.shield.advanced ? 1 : 0),
  },
  'shield.protectionGroup': {
    where: 'Service: Shield::ProtectionGroup',
    proves: (s) => expect(resourcesOf(s.templates.service, 'AWS::Shield::ProtectionGroup')).toHaveLength(s.config.shield.protectionGroup ? 1 : 0),
  },
  'shield.automaticResponse': {
    where: 'Service: Shield::Protection ApplicationLayerAutomaticResponseConfiguration',
    proves: (s) =>
      expect(shieldProtection(s).map((p) => p.ApplicationLayerAutomaticResponseConfiguration?.Status)).toEqual(s.config.shield.advanced ? [s.config.shield.automaticResponse ? 'ENABLED' : undefined] : []),
  },
  'shield.mitigationAction': {
    where: 'Service: Shield::Protection automatic response Action (only with automaticResponse)',
    proves: (s) => {
      const actions = shieldProtection(s).flatMap((p) => Object.keys(p.ApplicationLayerAutomaticResponseConfiguration?.Action ?? {}));
      const { advanced, automaticResponse, mitigationAction } = s.config.shield;
      expect(actions).toEqual(advanced && automaticResponse ? [mitigationAction === 'BLOCK' ? 'Block' : 'Count'] : []);
    },
  },
  'security.baseline': {
    where: 'Monitoring: the SecurityBaseline (GuardDuty detector, Security Hub, Config recorder, findings rules)',
    proves: (s) => {
      const count = (type: string) => resourcesOf(s.templates.monitoring, type).length;
      const built = count('AWS::Config::ConfigurationRecorder') + count('AWS::Events::Rule');
      if (s.config.security.baseline) expect(built).toBeGreaterThan(0);
      else expect(built).toBe(0);
    },
  },
  'security.managedByOrganization': {
    where: 'Monitoring: the services the baseline does not create (their findings are still routed)',
    proves: (s) => {
      const created = {
        guardDuty: resourcesOf(s.templates.monitoring, 'AWS::GuardDuty::Detector').length > 0,
        securityHub: resourcesOf(s.templates.monitoring, 'AWS::SecurityHub::Hub').length > 0,
        config: resourcesOf(s.templates.monitoring, 'AWS::Config::ConfigurationRecorder').length > 0,
      };
      for (const [service, exists] of Object.entries(created)) {
        const wanted = s.config.security.baseline && !s.config.security.managedByOrganization.includes(service as never);
        expect(exists, service).toBe(wanted);
      }
    },
  },
  'security.configHistoryRetentionDays': {
    where: 'Monitoring: lifecycle expiration of the AWS Config delivery bucket (only with the baseline on)',
    constructDefault: 730,
    proves: (s) => {
      const expirations = resourcesOf(s.templates.monitoring, 'AWS::S3::Bucket').flatMap(
        (bucket) => bucket.LifecycleConfiguration?.Rules?.map((rule: { ExpirationInDays?: number }) => rule.ExpirationInDays) ?? [],
      );
      if (s.config.security.baseline) expect(expirations).toContain(s.config.security.configHistoryRetentionDays);
      else expect(expirations).not.toContain(s.config.security.configHistoryRetentionDays);
    },
  },
  'observability.alarmEmail': {
    where: 'Monitoring: SNS e-mail subscription Endpoint',
    proves: (s) => expect(onlyResource(s.templates.monitoring, 'AWS::SNS::Subscription')).toMatchObject({ Protocol: 'email', Endpoint: s.config.observability.alarmEmail }),
  },
  'observability.traceSampleRate': {
    where: 'Service: app container TRACE_SAMPLE_RATE',
    proves: (s) => expect(app(s).TRACE_SAMPLE_RATE).toBe(String(s.config.observability.traceSampleRate)),
  },
  'observability.rum': {
    where: 'Service: RUM app monitor for the domain',
    proves: (s) => {
      const monitors = resourcesOf(s.templates.service, 'AWS::RUM::AppMonitor');
      expect(monitors.map((monitor) => monitor.Domain)).toEqual(s.config.observability.rum ? [s.config.dns.domainName] : []);
    },
  },
  'observability.availabilityTarget': {
    where: 'Monitoring: availability SLO burn-rate alarm thresholds (14.4x and 6x the error budget)',
    proves: (s) => {
      const budget = 1 - s.config.observability.availabilityTarget;
      const fast = alarmsOf(s, 'monitoring', 'AvailabilitySloFastBurn');
      const slow = alarmsOf(s, 'monitoring', 'AvailabilitySloSlowBurn');
      expect(fast).toHaveLength(2);
      expect(slow).toHaveLength(2);
      for (const alarm of fast) expect(alarm.Threshold).toBeCloseTo(14.4 * budget, 10);
      for (const alarm of slow) expect(alarm.Threshold).toBeCloseTo(6 * budget, 10);
    },
  },
  lambdaReservedConcurrency: {
    where: 'Data and Service: ReservedConcurrentExecutions of the copier and the IP-set sync (none when 0)',
    proves: (s) => {
      const expected = s.config.lambdaReservedConcurrency || undefined;
      expect(snapshotCopier(s).ReservedConcurrentExecutions).toBe(expected);
      expect(ipSetSync(s).ReservedConcurrentExecutions).toBe(expected);
    },
  },
  'loadTest.enabled': {
    where: 'whether the <prefix>-<stage>-LoadTest stack exists',
    proves: (s) => expect(s.stacks.loadTest !== undefined).toBe(s.config.loadTest.enabled),
  },
  'loadTest.targetRequestsPerSecond': {
    where: 'npm run loadtest (the 100 % rate of the plan) and npm run capacity; nothing is synthesized',
    proves: (s) => expect(planSteps(plannedRun(s)).find((step) => step.percent === 100)!.rate).toBe(s.config.loadTest.targetRequestsPerSecond),
  },
  'loadTest.workers': {
    where: 'LoadTest: the Map state\'s MaxConcurrency; npm run loadtest: workers per step',
    proves: (s) => {
      expect(plannedRun(s).workers).toBe(s.config.loadTest.workers);
      loadTestStack((w) => expect(JSON.stringify(w.templates.loadTest.findResources('AWS::StepFunctions::StateMachine'))).toContain(`\\"MaxConcurrency\\":${w.config.loadTest.workers}`))(s);
    },
  },
  'loadTest.workerCpu': {
    where: 'LoadTest: the worker task definition Cpu',
    proves: loadTestStack((s) => expect(onlyResource(s.templates.loadTest, 'AWS::ECS::TaskDefinition').Cpu).toBe(String(s.config.loadTest.workerCpu))),
  },
  'loadTest.workerMemoryMiB': {
    where: 'LoadTest: the worker task definition Memory',
    proves: loadTestStack((s) => expect(onlyResource(s.templates.loadTest, 'AWS::ECS::TaskDefinition').Memory).toBe(String(s.config.loadTest.workerMemoryMiB))),
  },
  'loadTest.rampPercents': {
    where: 'npm run loadtest: the steps after the warm-up; nothing is synthesized',
    proves: (s) => expect(planSteps(plannedRun(s)).flatMap((step) => step.percent ?? [])).toEqual(s.config.loadTest.rampPercents),
  },
  'loadTest.warmUpSeconds': {
    where: 'npm run loadtest: the warm-up step (none at 0)',
    proves: (s) => {
      const warmUp = planSteps(plannedRun(s)).find((step) => step.name === 'warmup');
      expect(warmUp?.durationSeconds).toBe(s.config.loadTest.warmUpSeconds || undefined);
    },
  },
  'loadTest.stepSeconds': {
    where: 'npm run loadtest: the length of each ramp step (the default of --duration)',
    proves: (s) => expect(new Set(planSteps(plannedRun(s)).filter((step) => step.percent).map((step) => step.durationSeconds))).toEqual(new Set([s.config.loadTest.stepSeconds])),
  },
  'loadTest.resultsExpirationDays': {
    where: 'LoadTest: the results bucket\'s lifecycle expiry',
    proves: loadTestStack((s) => expect(onlyResource(s.templates.loadTest, 'AWS::S3::Bucket').LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(s.config.loadTest.resultsExpirationDays)),
  },
  'accountQuotas.lambdaConcurrentExecutions': accountQuota('lambdaConcurrentExecutions'),
  'accountQuotas.manualClusterSnapshotsPerRegion': accountQuota('manualClusterSnapshotsPerRegion'),
  'accountQuotas.fargateOnDemandVcpu': accountQuota('fargateOnDemandVcpu'),
  'accountQuotas.elasticIps': accountQuota('elasticIps'),
  'ci.repository': {
    where: 'CiDeploy: deploy role trust, token sub repo:<repository>:...',
    proves: (s) => expect(deployTrust(s).Condition.StringEquals['token.actions.githubusercontent.com:sub']).toMatch(new RegExp(`^repo:${s.config.ci!.repository}:`)),
  },
  'ci.environment': {
    where: 'CiDeploy: deploy role trust sub ...:environment:<environment>',
    proves: (s) => {
      const sub = deployTrust(s).Condition.StringEquals['token.actions.githubusercontent.com:sub'];
      expect(sub.endsWith(`:environment:${s.config.ci!.environment}`)).toBe(s.config.ci!.environment !== undefined);
    },
  },
  'ci.branch': {
    where: 'CiDeploy: deploy role trust sub ...:ref:refs/heads/<branch>',
    proves: (s) => {
      const sub = deployTrust(s).Condition.StringEquals['token.actions.githubusercontent.com:sub'];
      expect(sub.endsWith(`:ref:refs/heads/${s.config.ci!.branch}`)).toBe(s.config.ci!.branch !== undefined);
    },
  },
  'ci.oidcProviderArn': {
    where: 'CiDeploy: the trusted federated principal; no OIDCProvider resource when given',
    proves: (s) => {
      const providers = resourcesOf(s.templates.ciDeploy, 'AWS::IAM::OIDCProvider');
      const arn = s.config.ci!.oidcProviderArn;
      expect(providers).toHaveLength(arn ? 0 : 1);
      if (arn) expect(deployTrust(s).Principal.Federated).toBe(arn);
    },
  },
  'ci.pullRequestDiff': {
    where: 'CiDeploy: the pull-request diff role',
    proves: (s) => {
      const diffRoles = resourcesOf(s.templates.ciDeploy, 'AWS::IAM::Role').filter((role) => role.RoleName.endsWith('-github-diff'));
      expect(diffRoles).toHaveLength(s.config.ci!.pullRequestDiff ? 1 : 0);
    },
  },
};
