import { describe, expect, it } from 'vitest';
import { quotaBudget, STAGES, type StageConfig } from '../../lib/config';

// The quota budget's "basis" is what docs/deploying.md's fresh-account checklist and a failed
// synthesis show an operator: how the amount to request was reached. These pin it per quota,
// and the amounts at the edges where the basis changes.

const prod = (change: (c: StageConfig) => StageConfig = (c) => c) => change(structuredClone(STAGES.prod));
const need = (config: StageConfig, name: string) => quotaBudget(config).find((row) => row.quota.name.startsWith(name))!.need;

describe('what each quota need is based on', () => {
  it('Lambda concurrency: nothing reserved', () => {
    expect(need(prod(), 'Concurrent executions')).toEqual({ amount: 0, basis: 'no reserved concurrency (lambdaReservedConcurrency 0)' });
  });

  it('manual cluster snapshots: a copy a day per source, one in flight each, and the operators\' margin', () => {
    // prod keeps copier copies 14 days and AWS Backup copies 60.
    expect(need(prod(), 'Manual DB cluster snapshots')).toEqual({ amount: 86, basis: '15 copier copies + 61 AWS Backup copies + 10 for operators' });
  });

  it('Elastic IPs: one per NAT gateway', () => {
    expect(need(prod(), 'EC2-VPC Elastic IPs')).toEqual({ amount: 3, basis: '3 NAT gateways' });
  });
});

describe('Fargate vCPU', () => {
  const DEPLOYMENT = '50 tasks × 1 vCPU × 2 while a deployment replaces them (the 0.25 vCPU migration task runs before, beside the old fleet only)';
  const withLoadTest = (loadTest: Partial<StageConfig['loadTest']>, service: Partial<StageConfig['service']> = {}) =>
    prod((c) => ({ ...c, service: { ...c.service, ...service }, loadTest: { ...c.loadTest, enabled: true, ...loadTest } }));

  it('is the doubled fleet of a deployment while no load test is enabled, and says only that', () => {
    expect(need(prod(), 'Fargate')).toEqual({ amount: 100, basis: DEPLOYMENT });
  });

  it('is the service at its maximum plus the workers once a load test needs as much as a deployment', () => {
    // 50 tasks × 1 vCPU + 50 workers × 1 vCPU = 100, the deployment's figure.
    expect(need(withLoadTest({ workers: 50, workerCpu: 1024 }), 'Fargate')).toEqual({
      amount: 100,
      basis: '50 tasks × 1 vCPU + 50 vCPU of load-test workers during a run (a deployment needs 100)',
    });
  });

  it('multiplies tasks by their vCPU for a load test, as for a deployment', () => {
    // 50 tasks × 2 vCPU + 150 workers × 1 vCPU = 250, above the deployment's 200.
    expect(need(withLoadTest({ workers: 150, workerCpu: 1024 }, { cpu: 2048, memoryMiB: 4096 }), 'Fargate').amount).toBe(250);
  });
});

describe('web ACL capacity', () => {
  const wcu = (waf: Partial<StageConfig['waf']>, shield: Partial<StageConfig['shield']> = {}) =>
    need(prod((c) => ({ ...c, waf: { ...c.waf, ...waf }, shield: { ...c.shield, ...shield } })), 'Web ACL capacity');
  const prefixes = (count: number) => Array.from({ length: count }, (_, index) => `/upload-${index}`);
  const LEAN = { botControl: false, antiDdosRuleGroup: false };

  it('is priced in the base price up to 1,500 WCU inclusive', () => {
    // Each large-body prefix costs 22 WCU: 13 of them land the lean rule set on 1,500 exactly.
    expect(wcu({ ...LEAN, largeBodyPathPrefixes: prefixes(13) })).toEqual({ amount: 1500, basis: 'the rules EdgeProtection builds' });
  });

  it('says when it is above the base price', () => {
    expect(wcu({ ...LEAN, largeBodyPathPrefixes: prefixes(14) })).toEqual({ amount: 1522, basis: 'the rules EdgeProtection builds, above the 1500 in the base price' });
  });

  it('counts the 150 WCU Shield automatic response adds to the web ACL', () => {
    expect(wcu({}, { advanced: true, automaticResponse: true })).toEqual({ amount: 1436, basis: 'the rules EdgeProtection builds + 150 for Shield automatic response' });
  });
});
