import { describe, expect, it } from 'vitest';
import { ConfigValidationError, findConfigProblems, findStageSetProblems, loadStageConfig, STAGES, validateStageConfig, type StageConfig } from '../../lib/config';
import { validateSourceIsInstrumented, validationRules } from './validation-rules';

type Mutation = (config: StageConfig) => StageConfig;

/** The problems of prod with one change applied. */
function problemsAfter(mutate: Mutation): string[] {
  return findConfigProblems(mutate(structuredClone(STAGES.prod)));
}

describe('shipped stages', () => {
  it.each(Object.keys(STAGES))('%s is valid', (stage) => {
    expect(findConfigProblems(STAGES[stage])).toEqual([]);
  });

  it('prod expresses the service targets', () => {
    const prod = loadStageConfig('prod');
    expect(prod.service).toMatchObject({ minTasks: 2, maxTasks: 50, p99LatencyTargetMs: 50, deletionProtection: true });
    expect(prod.database.readers).toBeGreaterThanOrEqual(1);
    expect(prod.database.deletionProtection).toBe(true);
    expect(prod.shield.advanced).toBe(true);
    expect(prod.backup.awsBackupEnabled).toBe(true);
    expect(prod.availabilityZones).toHaveLength(3);
    expect(prod.network.natGateways).toBe(3);
    expect(prod.observability.availabilityTarget).toBe(0.999);
  });

  it('dev is the cheap stage: one NAT gateway, no Shield', () => {
    const dev = loadStageConfig('dev');
    expect(dev.network.natGateways).toBe(1);
    expect(dev.shield.advanced).toBe(false);
  });

  it('have names of their own: a recovery stage copied from prod must not reuse prod\'s account, prefix and stage, nor its DNS name', () => {
    expect(findStageSetProblems(STAGES)).toEqual([]);
    const recovery = { ...structuredClone(STAGES.prod), region: 'eu-central-1', backupRegion: 'eu-west-1' };
    expect(findStageSetProblems({ ...STAGES, 'prod-dr': recovery })).toEqual([
      'stage "prod-dr": its config says stage "prod"; a stage is selected by the name it carries',
      expect.stringMatching(/^stage "prod-dr" has the account, prefix and stage of "prod" \(222222222222\/Bulwark\/prod\): .* such as "prod-dr"$/),
      expect.stringMatching(/^stage "prod-dr" has the dns.domainName/),
    ]);
    expect(findStageSetProblems({ ...STAGES, 'prod-dr': { ...recovery, stage: 'prod-dr' } })).toEqual([
      expect.stringMatching(/^stage "prod-dr" has the dns.domainName api.example.com of stage "prod" in the same hosted zone/),
    ]);
    const ownName = { ...recovery, stage: 'prod-dr', dns: { ...recovery.dns, domainName: 'dr.api.example.com' } };
    expect(findStageSetProblems({ ...STAGES, 'prod-dr': ownName })).toEqual([]);
  });

  it('an unknown stage names the known ones', () => {
    expect(() => loadStageConfig('staging')).toThrow(/Unknown stage "staging".*dev, prod/);
  });
});

/** prod with the field at `path` set to `value` (nested paths like `service.minTasks`). */
function prodWith(path: string, value: unknown): Mutation {
  return (config) => {
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, config as unknown as Record<string, unknown>);
    parent[keys[keys.length - 1]] = value;
    return config;
  };
}

/** Configs each rule must reject: the rule's own message must be among the problems. */
const REJECTED: Array<[string, Mutation, RegExp]> = [
    ['backup region equal to the primary region', (c) => ({ ...c, backupRegion: c.region }), /^backupRegion must differ from region/],
    ['an AZ outside the region', (c) => ({ ...c, availabilityZones: ['eu-west-1a', 'eu-west-1b', 'us-east-1a'] }), /^availabilityZones\[2\] "us-east-1a" is not a zone of region eu-west-1/],
    ['a repeated AZ', (c) => ({ ...c, availabilityZones: ['eu-west-1a', 'eu-west-1a'] }), /^availabilityZones must not repeat/],
    ['a single AZ', (c) => ({ ...c, availabilityZones: ['eu-west-1a'] }), /^availabilityZones must list 2 to 6/],
    ['min tasks above max tasks', (c) => ({ ...c, service: { ...c.service, minTasks: 10, maxTasks: 5 } }), /^service\.minTasks \(10\) must not exceed service\.maxTasks \(5\)/],
    ['database retention below 7 days', (c) => ({ ...c, database: { ...c.database, backupRetentionDays: 6 } }), /^database\.backupRetentionDays must be at least 7 days/],
    ['snapshot copy retention below 7 days', (c) => ({ ...c, backup: { ...c.backup, snapshotCopyRetentionDays: 3 } }), /^backup\.snapshotCopyRetentionDays must be at least 7 days/],
    ['AWS Backup copy retention below 7 days', (c) => ({ ...c, backup: { ...c.backup, awsBackupCopyRetentionDays: 1 } }), /^backup\.awsBackupCopyRetentionDays must be at least 7 days/],
    ['a malformed account', (c) => ({ ...c, account: '12345' }), /^account must be a 12-digit AWS account id/],
    ['a malformed e-mail', (c) => ({ ...c, observability: { ...c.observability, alarmEmail: 'oncall-at-example' } }), /^observability\.alarmEmail must be an e-mail address/],
    ['a malformed certificate ARN', (c) => ({ ...c, dns: { ...c.dns, certificateArn: 'arn:aws:acm:eu-west-1:123:cert' } }), /^dns\.certificateArn must be an ACM certificate ARN/],
    [
      'a certificate in another region',
      (c) => ({ ...c, dns: { ...c.dns, certificateArn: 'arn:aws:acm:us-east-1:222222222222:certificate/12345678-1234-1234-1234-123456789012' } }),
      /^dns\.certificateArn must be in region eu-west-1/,
    ],
    ['a malformed domain', (c) => ({ ...c, dns: { ...c.dns, domainName: 'api..example.com' } }), /^dns\.domainName must be a lower-case fully-qualified domain name/],
    ['a domain outside its hosted zone', (c) => ({ ...c, dns: { ...c.dns, domainName: 'api.example.org' } }), /^dns\.domainName "api\.example\.org" must be inside dns\.hostedZoneName/],
    ['a malformed hosted zone id', (c) => ({ ...c, dns: { ...c.dns, hostedZoneId: 'zone-1' } }), /^dns\.hostedZoneId must be a Route 53 zone id/],
    ['a malformed region', (c) => ({ ...c, region: 'europe' }), /^region must be an AWS region name/],
    ['more NAT gateways than AZs', (c) => ({ ...c, network: { ...c.network, natGateways: 4 } }), /^network\.natGateways must be an integer between 1 and 3/],
    ['a flow-log retention CloudWatch does not offer', (c) => ({ ...c, network: { ...c.network, flowLogRetentionDays: 10 } }), /^network\.flowLogRetentionDays must be one of/],
    ['a VPC CIDR that is not a CIDR', (c) => ({ ...c, network: { ...c.network, cidr: '10.0.0.300/16' } }), /^network\.cidr must be an IPv4 CIDR/],
    ['a VPC CIDR with host bits set', (c) => ({ ...c, network: { ...c.network, cidr: '10.20.0.5/16' } }), /^network\.cidr "10\.20\.0\.5\/16" has host bits set: write its network address, 10\.20\.0\.0\/16$/],
    ['Fargate memory that does not fit the CPU', (c) => ({ ...c, service: { ...c.service, cpu: 1024, memoryMiB: 512 } }), /^service\.memoryMiB 512 is not a valid Fargate memory size/],
    ['both provisioned and serverless database', (c) => ({ ...c, database: { ...c.database, serverless: { minCapacity: 1, maxCapacity: 2 } } }), /^database must set exactly one of/],
    ['no reader', (c) => ({ ...c, database: { ...c.database, readers: 0 } }), /^database\.readers must be an integer between 1 and 15/],
    ['a malformed backup window', (c) => ({ ...c, database: { ...c.database, preferredBackupWindow: '2am' } }), /^database\.preferredBackupWindow must be hh24:mi-hh24:mi/],
    ['a WAF window AWS does not offer', (c) => ({ ...c, waf: { ...c.waf, evaluationWindowSeconds: 30 } }), /^waf\.evaluationWindowSeconds must be one of 60, 120, 300, 600/],
    ['a WAF body limit beyond what an ALB lets WAF inspect', (c) => ({ ...c, waf: { ...c.waf, maxBodyBytes: 65_536 } }), /^waf\.maxBodyBytes must be an integer between 1 and 8192/],
    ['a blocklist source that is neither SSM nor S3', (c) => ({ ...c, waf: { ...c.waf, blocklistSource: 'blocklist.txt' } }), /^waf\.blocklistSource must be an SSM parameter name/],
    ['a plain-http reputation list', (c) => ({ ...c, waf: { ...c.waf, reputationListUrls: ['http://lists.example.com/drop.txt'] } }), /^waf\.reputationListUrls\[0\] must be an https URL/],
    ['a shrink fraction of zero', (c) => ({ ...c, waf: { ...c.waf, maxShrinkFraction: 0 } }), /^waf\.maxShrinkFraction must be in \(0, 1\]/],
    ['a protection group without Shield Advanced', (c) => ({ ...c, shield: { ...c.shield, advanced: false, protectionGroup: true } }), /^shield\.protectionGroup requires shield\.advanced/],
    ['a Shield mitigation action Shield does not know', (c) => ({ ...c, shield: { ...c.shield, mitigationAction: 'DROP' as never } }), /^shield\.mitigationAction must be BLOCK or COUNT/],
    ['a restore snapshot that is not an ARN', (c) => ({ ...c, database: { ...c.database, restoreFromSnapshot: 'latest' } }), /^database\.restoreFromSnapshot must be a cluster snapshot ARN/],
    [
      'a restore snapshot in another region',
      (c) => ({ ...c, database: { ...c.database, restoreFromSnapshot: 'arn:aws:rds:eu-central-1:222222222222:cluster-snapshot:bulwark-prod-copy-x' } }),
      /^database\.restoreFromSnapshot must be in region eu-west-1/,
    ],
    ['a request-log sample rate above 1', (c) => ({ ...c, service: { ...c.service, requestLogSampleRate: 2 } }), /^service\.requestLogSampleRate must be between 0 and 1/],
    ['a sample rate above 1', (c) => ({ ...c, observability: { ...c.observability, traceSampleRate: 1.5 } }), /^observability\.traceSampleRate must be between 0 and 1/],
    ['a CI repository that is not owner/name', (c) => ({ ...c, ci: { ...c.ci!, repository: 'bulwark' } }), /^ci\.repository must be a GitHub repository "owner\/name"/],
    ['a CI section with both environment and branch', (c) => ({ ...c, ci: { ...c.ci!, branch: 'main' } }), /^ci must set exactly one of ci\.environment and ci\.branch/],
    ['a WAF headroom below the app limits', (c) => ({ ...c, waf: { ...c.waf, rateLimitHeadroom: 0.9 } }), /^waf\.rateLimitHeadroom must be between 1 and 100: the WAF must never block before the app's own limit/],
    ['a WAF headroom that derives a limit beyond WAF', (c) => ({ ...c, service: { ...c.service, appRateLimitPerIp: 10_000_000 }, waf: { ...c.waf, rateLimitHeadroom: 100 } }), /^waf\.rateLimitHeadroom gives a WAF limit per IP of 5000000000/],
    ['Shield automatic response without Shield Advanced', (c) => ({ ...c, shield: { ...c.shield, advanced: false, protectionGroup: false, automaticResponse: true } }), /^shield\.automaticResponse requires shield\.advanced/],
    ['a negative reserved concurrency', (c) => ({ ...c, lambdaReservedConcurrency: -1 }), /^lambdaReservedConcurrency must be an integer between 0 and 1000/],
    ['an account quota the budget does not know', (c) => ({ ...c, accountQuotas: { ...c.accountQuotas, dbInstances: 40 } as never }), /^accountQuotas\.dbInstances is not a quota of the budget/],
    ['an account quota that is not a count', (c) => ({ ...c, accountQuotas: { fargateOnDemandVcpu: 0.5 } }), /^accountQuotas\.fargateOnDemandVcpu must be an integer between 1/],
    ['a security service the baseline does not know', (c) => ({ ...c, security: { ...c.security, managedByOrganization: ['macie' as never] } }), /^security\.managedByOrganization has unknown service\(s\) macie/],
    ['a centrally managed service listed twice', (c) => ({ ...c, security: { ...c.security, managedByOrganization: ['config', 'config'] } }), /^security\.managedByOrganization lists a service twice/],
    ['centrally managed services without the baseline', (c) => ({ ...c, security: { ...c.security, baseline: false, managedByOrganization: ['guardDuty'] } }), /^security\.managedByOrganization has no effect without security\.baseline/],
    ['a Config history shorter than an audit quarter', (c) => ({ ...c, security: { ...c.security, configHistoryRetentionDays: 30 } }), /^security\.configHistoryRetentionDays must be an integer between 90 and 3653/],
    ['a malformed OIDC provider ARN', (c) => ({ ...c, ci: { ...c.ci!, oidcProviderArn: 'arn:aws:iam::1:oidc-provider/x' } }), /^ci\.oidcProviderArn must be the ARN/],
  ['a stage name of 17 characters', prodWith('stage', 'a'.repeat(17)), /^stage must be lower-case letters/],
  ['a prefix of 21 characters', prodWith('prefix', `B${'x'.repeat(20)}`), /^prefix must start with an upper-case letter/],
  ['a tag key of 129 characters', prodWith('tags', { ['k'.repeat(129)]: 'v' }), /^tags\.k+ must have a 1\.\.128 character key/],
  ['a tag value of 257 characters', prodWith('tags', { Project: 'v'.repeat(257) }), /^tags\.Project must have a 1\.\.128 character key and a value of at most 256/],
  ['an empty tag key', prodWith('tags', { '': 'v' }), /^tags\. must have/],
  ['a malformed backup region', prodWith('backupRegion', 'frankfurt'), /^backupRegion must be an AWS region name/],
  ['seven AZs', prodWith('availabilityZones', ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((z) => `eu-west-1${z}`)), /^availabilityZones must list 2 to 6 zones \(got 7\)/],
  ['a VPC CIDR of /15', prodWith('network.cidr', '10.0.0.0/15'), /^network\.cidr must be an IPv4 CIDR between \/16 and \/24/],
  ['a VPC CIDR of /25', prodWith('network.cidr', '10.0.0.0/25'), /^network\.cidr must be an IPv4 CIDR between \/16 and \/24/],
  ['a VPC too small for the subnets of three zones', prodWith('network.cidr', '10.20.0.0/18'), /^network\.cidr "10\.20\.0\.0\/18" holds 16384 addresses but the subnets of 3 zones need 25344 .*: use a \/17 or larger$/],
  ['no NAT gateway', prodWith('network.natGateways', 0), /^network\.natGateways must be an integer between 1 and 3 \(got 0\)/],
  ['a malformed hosted zone name', prodWith('dns.hostedZoneName', 'Example.COM'), /^dns\.hostedZoneName must be a lower-case domain name/],
  ['no task', prodWith('service.minTasks', 0), /^service\.minTasks must be an integer between 1 and 1000 \(got 0\)/],
  ['1001 tasks', prodWith('service.maxTasks', 1001), /^service\.maxTasks must be an integer between 1 and 1000 \(got 1001\)/],
  ['min tasks one above max tasks', (c) => prodWith('service.minTasks', c.service.maxTasks + 1)(c), /^service\.minTasks \(51\) must not exceed service\.maxTasks \(50\)/],
  ['a CPU size Fargate does not offer', prodWith('service.cpu', 1000), /^service\.cpu must be a Fargate CPU size/],
  ['memory one step above what the CPU allows', prodWith('service.memoryMiB', 9216), /^service\.memoryMiB 9216 is not a valid Fargate memory size for 1024 CPU units/],
  ['a CPU target of 9 %', prodWith('service.targetCpuUtilization', 9), /^service\.targetCpuUtilization must be an integer between 10 and 90 \(got 9\)/],
  ['a CPU target of 91 %', prodWith('service.targetCpuUtilization', 91), /^service\.targetCpuUtilization must be an integer between 10 and 90 \(got 91\)/],
  ['no requests per target', prodWith('service.targetRequestsPerTarget', 0), /^service\.targetRequestsPerTarget must be an integer between 1/],
  ['a p99 objective of 0 ms', prodWith('service.p99LatencyTargetMs', 0), /^service\.p99LatencyTargetMs must be an integer between 1 and 60000/],
  ['a p99 objective over a minute', prodWith('service.p99LatencyTargetMs', 60_001), /^service\.p99LatencyTargetMs must be an integer between 1 and 60000/],
  ['a log retention CloudWatch does not offer', prodWith('service.logRetentionDays', 100), /^service\.logRetentionDays must be one of/],
  ['a pool of 101 connections', prodWith('service.databasePoolSize', 101), /^service\.databasePoolSize must be an integer between 3 and 100 \(got 101\)/],
  // Below 3 the app's two concurrent exports (EXPORT_CONCURRENCY) could hold every connection, and the app refuses to start.
  ['a pool the app’s concurrent exports could fill', prodWith('service.databasePoolSize', 2), /^service\.databasePoolSize must be an integer between 3 and 100 \(got 2\)/],
  ['no per-IP rate', prodWith('service.appRateLimitPerIp', 0), /^service\.appRateLimitPerIp must be an integer between 1/],
  ['a fractional per-user rate', prodWith('service.appRateLimitPerUser', 1.5), /^service\.appRateLimitPerUser must be an integer between 1/],
  ['a negative request-log sample rate', prodWith('service.requestLogSampleRate', -0.01), /^service\.requestLogSampleRate must be between 0 and 1/],
  ['neither provisioned nor serverless database', prodWith('database.instanceClass', undefined), /^database must set exactly one of/],
  ['an instance class that is not one', prodWith('database.instanceClass', 'large'), /^database\.instanceClass must look like r7g\.large/],
  ['a Serverless minimum off the 0.5 grid', (c) => ({ ...c, database: { ...c.database, instanceClass: undefined, serverless: { minCapacity: 0.25, maxCapacity: 4 } } }), /^database\.serverless\.minCapacity must be 0\.\.256 in steps of 0\.5/],
  ['a Serverless maximum below 1', (c) => ({ ...c, database: { ...c.database, instanceClass: undefined, serverless: { minCapacity: 0, maxCapacity: 0.5 } } }), /^database\.serverless\.maxCapacity must be 1\.\.256 in steps of 0\.5 \(got 0\.5\)/],
  ['a Serverless maximum above 256', (c) => ({ ...c, database: { ...c.database, instanceClass: undefined, serverless: { minCapacity: 1, maxCapacity: 256.5 } } }), /^database\.serverless\.maxCapacity must be 1\.\.256 in steps of 0\.5 \(got 256\.5\)/],
  ['a Serverless minimum above its maximum', (c) => ({ ...c, database: { ...c.database, instanceClass: undefined, serverless: { minCapacity: 4.5, maxCapacity: 4 } } }), /^database\.serverless\.minCapacity \(4\.5\) must not exceed maxCapacity \(4\)/],
  ['16 readers', prodWith('database.readers', 16), /^database\.readers must be an integer between 1 and 15 \(got 16\)/],
  ['a database name with capitals', prodWith('database.databaseName', 'Bulwark'), /^database\.databaseName must be a lower-case PostgreSQL identifier/],
  ['database retention of 36 days', prodWith('database.backupRetentionDays', 36), /^database\.backupRetentionDays must be at least 7 days \(and at most 35\) \(got 36\)/],
  ['a malformed maintenance window', prodWith('database.preferredMaintenanceWindow', 'sunday 04:00'), /^database\.preferredMaintenanceWindow must be ddd:hh24:mi-ddd:hh24:mi/],
  ['a database log retention CloudWatch does not offer', prodWith('database.logRetentionDays', 31), /^database\.logRetentionDays must be one of/],
  ['no secret rotation interval', prodWith('database.secretRotationDays', 0), /^database\.secretRotationDays must be an integer between 1 and 365 \(got 0\)/],
  ['a secret rotation interval over a year', prodWith('database.secretRotationDays', 366), /^database\.secretRotationDays must be an integer between 1 and 365 \(got 366\)/],
  ['snapshot copy retention over ten years', prodWith('backup.snapshotCopyRetentionDays', 3651), /^backup\.snapshotCopyRetentionDays must be at least 7 days \(and at most 3650\)/],
  ['AWS Backup retention of 6 days', prodWith('backup.awsBackupRetentionDays', 6), /^backup\.awsBackupRetentionDays must be at least 7 days/],
  ['a WAF headroom above 100', prodWith('waf.rateLimitHeadroom', 100.5), /^waf\.rateLimitHeadroom must be between 1 and 100/],
  ['a WAF headroom that derives a per-IP limit just past WAF\'s maximum', (c) => ({ ...c, service: { ...c.service, appRateLimitPerIp: 10_000_000 }, waf: { ...c.waf, evaluationWindowSeconds: 600, rateLimitHeadroom: 20.0000001 } }), /^waf\.rateLimitHeadroom gives a WAF limit per IP of 20000000\d\d requests per window, outside/],
  ['a WAF headroom that derives a per-user limit below 10', (c) => ({ ...c, service: { ...c.service, appRateLimitPerUser: 1 }, waf: { ...c.waf, rateLimitHeadroom: 1.8 } }), /^waf\.rateLimitHeadroom gives a WAF limit per user of 9 requests per window/],
  ['an empty WAF body limit', prodWith('waf.maxBodyBytes', 0), /^waf\.maxBodyBytes must be an integer between 1 and 8192 \(got 0\)/],
  ['a WAF body limit one byte past the inspection limit', prodWith('waf.maxBodyBytes', 8193), /^waf\.maxBodyBytes must be an integer between 1 and 8192 \(got 8193\)/],
  ['a large-body prefix without a leading slash', prodWith('waf.largeBodyPathPrefixes', ['v1/notes']), /^waf\.largeBodyPathPrefixes\[0\] must start with "\/"/],
  ['a shrink fraction above 1', prodWith('waf.maxShrinkFraction', 1.01), /^waf\.maxShrinkFraction must be in \(0, 1\]/],
  ['a sync every 4 minutes', prodWith('waf.syncIntervalMinutes', 4), /^waf\.syncIntervalMinutes must be an integer between 5 and 1440 \(got 4\)/],
  ['a sync less than daily', prodWith('waf.syncIntervalMinutes', 1441), /^waf\.syncIntervalMinutes must be an integer between 5 and 1440 \(got 1441\)/],
  ['a negative trace sample rate', prodWith('observability.traceSampleRate', -0.1), /^observability\.traceSampleRate must be between 0 and 1/],
  ['an availability target of 0.9', prodWith('observability.availabilityTarget', 0.9), /^observability\.availabilityTarget must be between 0\.9 and 1, exclusive \(got 0\.9\)/],
  ['an availability target of 1', prodWith('observability.availabilityTarget', 1), /^observability\.availabilityTarget must be between 0\.9 and 1, exclusive \(got 1\)/],
  ['a reserved concurrency of 1001', prodWith('lambdaReservedConcurrency', 1001), /^lambdaReservedConcurrency must be an integer between 0 and 1000 \(got 1001\)/],
  ['an account quota of 0', prodWith('accountQuotas', { elasticIps: 0 }), /^accountQuotas\.elasticIps must be an integer between 1/],
  ['a CI section with neither environment nor branch', prodWith('ci', { repository: 'example-org/bulwark', pullRequestDiff: false }), /^ci must set exactly one of ci\.environment and ci\.branch/],
  ['a CI environment with spaces', prodWith('ci.environment', 'prod env'), /^ci\.environment must be a plain name/],
  ['a CI branch with a shell character', (c) => ({ ...c, ci: { repository: 'example-org/bulwark', branch: 'main;rm', pullRequestDiff: false } }), /^ci\.branch must be a plain name/],
    [
      'app logs that expire before the last backup holding an erased user',
      prodWith('service.logRetentionDays', 60),
      /^service\.logRetentionDays \(60\) must be at least the erasure bound of 62 days \(AWS Backup cross-region copies\)/,
    ],
    ['an empty allowed-regions list', prodWith('allowedRegions', []), /^allowedRegions must list at least one region/],
    ['a malformed allowed region', prodWith('allowedRegions', ['eu-west-1', 'eu-central-1', 'Frankfurt']), /^allowedRegions\[2\] must be an AWS region name/],
    [
      'a backup region outside the allowed regions',
      (c) => ({ ...c, backupRegion: 'us-east-1' }),
      /^allowedRegions \(eu-west-1, eu-central-1\) does not include us-east-1, where the stage keeps personal data: Cross-region snapshot copies \(copier\); AWS Backup cross-region copies$/,
    ],
    [
      'a primary region outside the allowed regions',
      (c) => ({ ...c, allowedRegions: ['eu-central-1'] }),
      /^allowedRegions \(eu-central-1\) does not include eu-west-1, where the stage keeps personal data: Aurora PostgreSQL/,
    ],
];

/** Values on the permitted side of each rule's boundary: the rule stays silent about them. */
const ACCEPTED: Array<[string, Mutation, RegExp]> = [
  ['a stage name of 16 characters', prodWith('stage', 'a'.repeat(16)), /^stage must/],
  ['a prefix of 20 characters', prodWith('prefix', `B${'x'.repeat(19)}`), /^prefix must/],
  ['a tag key of 128 and a value of 256 characters', prodWith('tags', { ['k'.repeat(128)]: 'v'.repeat(256) }), /^tags\./],
  ['six AZs', (c) => ({ ...c, availabilityZones: ['a', 'b', 'c', 'd', 'e', 'f'].map((z) => `eu-west-1${z}`) }), /^availabilityZones must list/],
  ['two AZs', (c) => ({ ...c, availabilityZones: ['eu-west-1a', 'eu-west-1b'], network: { ...c.network, natGateways: 2 } }), /^availabilityZones must list/],
  ['a /17 VPC over three zones', prodWith('network.cidr', '10.20.0.0/17'), /^network\.cidr/],
  ['a /16 VPC over six zones', (c) => ({ ...c, availabilityZones: ['a', 'b', 'c', 'd', 'e', 'f'].map((z) => `eu-west-1${z}`) }), /^network\.cidr/],
  ['one NAT gateway', prodWith('network.natGateways', 1), /^network\.natGateways/],
  ['one task', (c) => ({ ...c, service: { ...c.service, minTasks: 1, maxTasks: 1 } }), /^service\.(minTasks|maxTasks)/],
  ['1000 tasks', prodWith('service.maxTasks', 1000), /^service\.maxTasks/],
  ['min tasks equal to max tasks', prodWith('service.minTasks', 50), /^service\.minTasks/],
  ['the most memory 1024 CPU units allow', prodWith('service.memoryMiB', 8192), /^service\.memoryMiB/],
  ['a CPU target of 10 %', prodWith('service.targetCpuUtilization', 10), /^service\.targetCpuUtilization/],
  ['a CPU target of 90 %', prodWith('service.targetCpuUtilization', 90), /^service\.targetCpuUtilization/],
  ['a p99 objective of a minute', prodWith('service.p99LatencyTargetMs', 60_000), /^service\.p99LatencyTargetMs/],
  ['a pool of 100 connections', prodWith('service.databasePoolSize', 100), /^service\.databasePoolSize/],
  ['a pool of 3 connections', prodWith('service.databasePoolSize', 3), /^service\.databasePoolSize/],
  ['a request-log sample rate of 0', prodWith('service.requestLogSampleRate', 0), /^service\.requestLogSampleRate/],
  ['a request-log sample rate of 1', prodWith('service.requestLogSampleRate', 1), /^service\.requestLogSampleRate/],
  ['Serverless from 0 to 256 ACU', (c) => ({ ...c, database: { ...c.database, instanceClass: undefined, serverless: { minCapacity: 0, maxCapacity: 256 } } }), /^database\.serverless/],
  ['Serverless fixed at 1 ACU', (c) => ({ ...c, database: { ...c.database, instanceClass: undefined, serverless: { minCapacity: 1, maxCapacity: 1 } } }), /^database\.serverless/],
  ['15 readers', prodWith('database.readers', 15), /^database\.readers/],
  ['database retention of 35 days', prodWith('database.backupRetentionDays', 35), /^database\.backupRetentionDays/],
  ['database retention of 7 days', prodWith('database.backupRetentionDays', 7), /^database\.backupRetentionDays/],
  ['secret rotation daily', prodWith('database.secretRotationDays', 1), /^database\.secretRotationDays/],
  ['secret rotation yearly', prodWith('database.secretRotationDays', 365), /^database\.secretRotationDays/],
  ['snapshot copies kept 7 days', prodWith('backup.snapshotCopyRetentionDays', 7), /^backup\.snapshotCopyRetentionDays/],
  ['snapshot copies kept ten years', prodWith('backup.snapshotCopyRetentionDays', 3650), /^backup\.snapshotCopyRetentionDays/],
  ['AWS Backup copies kept 7 days', prodWith('backup.awsBackupCopyRetentionDays', 7), /^backup\.awsBackupCopyRetentionDays/],
  ['a WAF headroom of exactly 1', prodWith('waf.rateLimitHeadroom', 1), /^waf\.rateLimitHeadroom/],
  ['a WAF headroom of 100', prodWith('waf.rateLimitHeadroom', 100), /^waf\.rateLimitHeadroom/],
  ['a WAF headroom that derives a per-IP limit of exactly WAF\'s maximum', (c) => ({ ...c, service: { ...c.service, appRateLimitPerIp: 10_000_000 }, waf: { ...c.waf, evaluationWindowSeconds: 600, rateLimitHeadroom: 20 } }), /^waf\.rateLimitHeadroom/],
  ['a WAF headroom that derives a per-user limit of exactly 10', (c) => ({ ...c, service: { ...c.service, appRateLimitPerUser: 1 }, waf: { ...c.waf, rateLimitHeadroom: 2 } }), /^waf\.rateLimitHeadroom/],
  ['a one-minute WAF window', prodWith('waf.evaluationWindowSeconds', 60), /^waf\.evaluationWindowSeconds/],
  ['a one-byte WAF body limit', prodWith('waf.maxBodyBytes', 1), /^waf\.maxBodyBytes/],
  ['a shrink fraction of 1', prodWith('waf.maxShrinkFraction', 1), /^waf\.maxShrinkFraction/],
  ['a shrink fraction just above 0', prodWith('waf.maxShrinkFraction', 0.001), /^waf\.maxShrinkFraction/],
  ['a sync every 5 minutes', prodWith('waf.syncIntervalMinutes', 5), /^waf\.syncIntervalMinutes/],
  ['a daily sync', prodWith('waf.syncIntervalMinutes', 1440), /^waf\.syncIntervalMinutes/],
  ['a trace sample rate of 0', prodWith('observability.traceSampleRate', 0), /^observability\.traceSampleRate/],
  ['a trace sample rate of 1', prodWith('observability.traceSampleRate', 1), /^observability\.traceSampleRate/],
  ['an availability target just above 0.9', prodWith('observability.availabilityTarget', 0.9001), /^observability\.availabilityTarget/],
  ['an availability target just below 1', prodWith('observability.availabilityTarget', 0.99999), /^observability\.availabilityTarget/],
  ['a reserved concurrency of 1000', prodWith('lambdaReservedConcurrency', 1000), /^lambdaReservedConcurrency/],
  ['an account quota of 1', prodWith('accountQuotas', { elasticIps: 1 }), /^accountQuotas\.elasticIps must/],
  ['a CI branch instead of an environment', (c) => ({ ...c, ci: { repository: 'example-org/bulwark', branch: 'release/v1.2', pullRequestDiff: false } }), /^ci/],
  ['allowed regions listing exactly the primary and backup region', prodWith('allowedRegions', ['eu-central-1', 'eu-west-1']), /^allowedRegions/],
  ['allowed regions with a region the stage does not use', prodWith('allowedRegions', ['eu-west-1', 'eu-central-1', 'eu-north-1']), /^allowedRegions/],
  ['app logs kept exactly past the erasure bound', (c) => ({ ...c, service: { ...c.service, logRetentionDays: 60 }, backup: { ...c.backup, awsBackupCopyRetentionDays: 58 } }), /erasure bound/],
  ['no allowed-regions list (any region)', prodWith('allowedRegions', undefined), /^allowedRegions/],
];

describe('validation names the field at fault', () => {
  it.each(REJECTED)('rejects %s', (_name, mutate, expected) => {
    // Some mutations cascade (a one-zone list also breaks natGateways): the rule's own
    // message must be among the problems.
    expect(problemsAfter(mutate)).toContainEqual(expect.stringMatching(expected));
  });

  it.each(ACCEPTED)('accepts %s', (_name, mutate, silentRule) => {
    expect(problemsAfter(mutate).filter((problem) => silentRule.test(problem))).toEqual([]);
  });

  it.skipIf(validateSourceIsInstrumented())('has a rejecting case for every rule in validate.ts', () => {
    const produced = REJECTED.flatMap(([, mutate]) => problemsAfter(mutate));
    const recovery = { ...structuredClone(STAGES.prod), region: 'eu-central-1', backupRegion: 'eu-west-1' };
    produced.push(...findStageSetProblems({ ...STAGES, 'prod-dr': recovery }));
    const rules = validationRules();
    expect(rules.length).toBeGreaterThan(70);
    const uncovered = rules.filter((rule) => !produced.some((problem) => rule.pattern.test(problem))).map((rule) => rule.template);
    expect(uncovered, 'add a case to REJECTED in test/config/validate.test.ts for each of these rules').toEqual([]);
  });

  it('reports every problem at once and names the stage', () => {
    const broken = { ...structuredClone(STAGES.dev), account: 'x', backupRegion: STAGES.dev.region };
    try {
      validateStageConfig(broken);
      expect.unreachable('validation should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect((error as ConfigValidationError).problems).toHaveLength(2);
      expect((error as Error).message).toMatch(/^Invalid config for stage "dev":\n {2}- account must be/);
    }
  });
});
