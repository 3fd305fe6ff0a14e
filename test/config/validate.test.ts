import { describe, expect, it } from 'vitest';
import { ConfigValidationError, findConfigProblems, findStageSetProblems, loadStageConfig, STAGES, validateStageConfig, type StageConfig } from '../../lib/config';

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

describe('validation names the field at fault', () => {
  const cases: Array<[string, Mutation, RegExp]> = [
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
    ['a pool the app’s concurrent exports could fill', (c) => ({ ...c, service: { ...c.service, databasePoolSize: 2 } }), /^service\.databasePoolSize must be an integer between 3 and 100/],
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
    ['a malformed OIDC provider ARN', (c) => ({ ...c, ci: { ...c.ci!, oidcProviderArn: 'arn:aws:iam::1:oidc-provider/x' } }), /^ci\.oidcProviderArn must be the ARN/],
  ];

  it.each(cases)('rejects %s', (_name, mutate, expected) => {
    // Some mutations cascade (a one-zone list also breaks natGateways): the rule's own
    // message must be among the problems.
    expect(problemsAfter(mutate)).toContainEqual(expect.stringMatching(expected));
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
