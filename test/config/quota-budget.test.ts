import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FRESH_ACCOUNT_QUOTAS, findConfigProblems, findQuotaProblems, quotaBudget, renderQuotaChecklist, STAGES, wafRateLimits, type StageConfig } from '../../lib/config';

type Mutation = (config: StageConfig) => StageConfig;
const prodWith = (mutate: Mutation) => mutate(structuredClone(STAGES.prod));
const need = (config: StageConfig, name: string) => quotaBudget(config).find((row) => row.quota.name === name)!;

describe('WAF rate limits derive from the app limits', () => {
  it('are the app limit per minute over the window, times the headroom, rounded up', () => {
    const config = prodWith((c) => ({ ...c, service: { ...c.service, appRateLimitPerIp: 1201, appRateLimitPerUser: 7 }, waf: { ...c.waf, evaluationWindowSeconds: 120, rateLimitHeadroom: 1.5 } }));
    expect(wafRateLimits(config)).toEqual({ perIp: 3603, perUser: 21 });
  });

  it('round up, never down, when the product is not whole (a floor would block before the app)', () => {
    const config = prodWith((c) => ({ ...c, service: { ...c.service, appRateLimitPerIp: 1001, appRateLimitPerUser: 7 }, waf: { ...c.waf, evaluationWindowSeconds: 60, rateLimitHeadroom: 1.1 } }));
    // 1001 × 1.1 = 1101.1 and 7 × 1.1 = 7.7
    expect(wafRateLimits(config)).toEqual({ perIp: 1102, perUser: 8 });
  });

  it('never block before the app does in the shipped stages', () => {
    for (const config of Object.values(STAGES)) {
      const windowMinutes = config.waf.evaluationWindowSeconds / 60;
      expect(wafRateLimits(config).perIp).toBeGreaterThanOrEqual(config.service.appRateLimitPerIp * windowMinutes);
      expect(wafRateLimits(config).perUser).toBeGreaterThanOrEqual(config.service.appRateLimitPerUser * windowMinutes);
    }
  });
});

describe('quota budget', () => {
  it('fits every shipped stage into its account', () => {
    for (const config of Object.values(STAGES)) expect(findConfigProblems(config)).toEqual([]);
  });

  it('needs no Lambda concurrency beyond the default while nothing is reserved, and reservation + 100 once something is', () => {
    expect(need(STAGES.prod, 'Concurrent executions').need.amount).toBe(0);
    const reserving = prodWith((c) => ({ ...c, lambdaReservedConcurrency: 1 }));
    expect(need(reserving, 'Concurrent executions').need.amount).toBe(102);
    expect(findConfigProblems(reserving)).toEqual([
      'accountQuotas.lambdaConcurrentExecutions: the stage needs 102 executions of "Concurrent executions" (lambda L-B99A9384) in eu-west-1 (2 functions × 1 reserved + 100 Lambda keeps unreserved) but the account has 10: request 102 in Service Quotas, then record the granted value in accountQuotas.lambdaConcurrentExecutions',
    ]);
    expect(findConfigProblems({ ...reserving, accountQuotas: { ...reserving.accountQuotas, lambdaConcurrentExecutions: 102 } })).toEqual([]);
  });

  it('counts the copier\'s and AWS Backup\'s copies against the manual cluster snapshots of the backup region', () => {
    const row = need(STAGES.prod, 'Manual DB cluster snapshots');
    expect(row.region).toBe('eu-central-1');
    expect(row.need.amount).toBe(15 + 61 + 10);
    // Ninety days of AWS Backup copies, as prod once had, fill the region from day 86.
    // (App logs kept 120 days: they must outlive the erasure bound the copies set.)
    const ninetyDays = prodWith((c) => ({ ...c, service: { ...c.service, logRetentionDays: 120 }, backup: { ...c.backup, awsBackupCopyRetentionDays: 90 } }));
    expect(findConfigProblems(ninetyDays)).toEqual([expect.stringMatching(/^accountQuotas\.manualClusterSnapshotsPerRegion: the stage needs 116 snapshots .* \(rds L-9B510759\) in eu-central-1 .* but the account has 100: request 116/)]);
    const withoutAwsBackup = prodWith((c) => ({ ...c, backup: { ...c.backup, awsBackupEnabled: false, awsBackupCopyRetentionDays: 90 } }));
    expect(need(withoutAwsBackup, 'Manual DB cluster snapshots').need.amount).toBe(15 + 10);
  });

  it('says why the deploy\'s migration task adds nothing to the Fargate vCPU peak', () => {
    expect(need(STAGES.dev, 'Fargate On-Demand vCPU resource count').need.basis).toContain('(the 0.25 vCPU migration task runs before, beside the old fleet only)');
  });

  it('budgets Fargate vCPU for the largest fleet doubled during a deployment', () => {
    expect(need(STAGES.prod, 'Fargate On-Demand vCPU resource count').need.amount).toBe(100);
    expect(need(STAGES.dev, 'Fargate On-Demand vCPU resource count')).toMatchObject({ need: { amount: 6 }, available: 6 });
    const bigger = prodWith((c) => ({ ...c, service: { ...c.service, cpu: 2048, memoryMiB: 4096 } }));
    expect(findConfigProblems(bigger)).toEqual([expect.stringMatching(/^accountQuotas\.fargateOnDemandVcpu: the stage needs 200 vCPU .*\(fargate L-3032A538\) .*50 tasks × 2 vCPU × 2.* but the account has 100: request 200/)]);
  });

  it('needs an Elastic IP per NAT gateway', () => {
    const sixAzs = prodWith((c) => ({ ...c, availabilityZones: ['a', 'b', 'c', 'd', 'e', 'f'].map((z) => `eu-west-1${z}`), network: { ...c.network, natGateways: 6 } }));
    expect(findConfigProblems(sixAzs)).toEqual([expect.stringMatching(/^accountQuotas\.elasticIps: the stage needs 6 addresses of "EC2-VPC Elastic IPs" \(ec2 L-0263D0A3\)/)]);
  });

  it('prices the web ACL from the rules actually built, Shield\'s automatic response included', () => {
    // Own rules 61 + five groups 1,175 + anti-DDoS 50.
    expect(need(STAGES.prod, 'Web ACL capacity units (WCU) per web ACL').need.amount).toBe(1286);
    const everything = prodWith((c) => ({ ...c, waf: { ...c.waf, botControl: true }, shield: { ...c.shield, automaticResponse: true } }));
    expect(need(everything, 'Web ACL capacity units (WCU) per web ACL').need).toEqual({
      amount: 1486,
      basis: 'the rules EdgeProtection builds + 150 for Shield automatic response',
    });
    const manyExemptions = prodWith((c) => ({ ...c, waf: { ...c.waf, largeBodyPathPrefixes: Array.from({ length: 170 }, (_, i) => `/p${i}`) } }));
    expect(findConfigProblems(manyExemptions)).toEqual([expect.stringMatching(/^quota budget: the stage needs 5004 WCU .*a fixed limit, not adjustable.*: change the config to need less$/)]);
  });

  // prod reserving one execution per function needs something of every adjustable quota.
  const needy = prodWith((c) => ({ ...c, lambdaReservedConcurrency: 1 }));
  it.each(FRESH_ACCOUNT_QUOTAS.filter((quota) => quota.id).map((quota) => [quota.id!]))('accepts %s exactly at the need and refuses one below it', (id) => {
    const amount = quotaBudget(needy).find((row) => row.quota.id === id)!.need.amount;
    expect(amount).toBeGreaterThan(1);
    const withQuota = (value: number) => findQuotaProblems({ ...needy, accountQuotas: { ...needy.accountQuotas, [id]: value } }).filter((p) => p.startsWith(`accountQuotas.${id}:`));
    expect(withQuota(amount)).toEqual([]);
    expect(withQuota(amount - 1)).toEqual([expect.stringContaining(`the stage needs ${amount} `)]);
  });

  it('accepts a web ACL at most at the fixed WCU limit and refuses one past it', () => {
    const withPrefixes = (n: number) => prodWith((c) => ({ ...c, waf: { ...c.waf, largeBodyPathPrefixes: Array.from({ length: n }, (_, i) => `/p${i}`) } }));
    const wcu = (n: number) => need(withPrefixes(n), 'Web ACL capacity units (WCU) per web ACL').need.amount;
    let fits = 1;
    while (fits < 1000 && wcu(fits + 1) <= 5000) fits++;
    expect(findConfigProblems(withPrefixes(fits))).toEqual([]);
    expect(findConfigProblems(withPrefixes(fits + 1))).toEqual([expect.stringMatching(/^quota budget: the stage needs \d+ WCU/)]);
  });

  it('is written into docs/deploying.md as the fresh-account checklist', () => {
    const docs = readFileSync(path.join(__dirname, '..', '..', 'docs', 'deploying.md'), 'utf8');
    expect(docs).toContain(renderQuotaChecklist([STAGES.dev, STAGES.prod]));
  });
});
