import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResults, Measurement } from '../../bench/app/results';
import { capacityCommand } from '../../capacity/command';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { albLcus, containerInsightsItem, monthlyCost, totals, webAclRuleCount } from '../../capacity/cost';
import { capacityFit } from '../../capacity/fit';
import { PRICES } from '../../capacity/prices';
import { mixedDatabaseCpu, mixedThroughput, readBenchResults } from '../../capacity/throughput';
import { STAGES, type StageConfig } from '../../lib/config';
import { WEB_SERVICE_DEFAULTS } from '../../lib/constructs/web-service/defaults';

const dir = mkdtempSync(join(tmpdir(), 'capacity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A bench/results.json as `npm run bench` writes it, with the app's median requests/s per
 * pair id and, when given, PostgreSQL's CPU ms per request of each pair's app side.
 */
function benchFile(subjectRates: Record<string, number>, databaseCpuMs?: Record<string, number>): string {
  const path = join(dir, `bench-${Object.values(subjectRates).join('-')}-${Object.values(databaseCpuMs ?? {}).join('-')}.json`);
  const measurement = (requestsPerSecond: number, databaseCpuMsPerRequest?: number): Measurement => ({ requestsPerSecond, p50Ms: 10, p99Ms: 40, errors: 0, non2xx: 0, loadAverage1m: 0.5, ...(databaseCpuMsPerRequest !== undefined && { databaseCpuMsPerRequest }) });
  const results: BenchResults = {
    date: '2026-12-01T00:00:00.000Z',
    machine: { cpus: 2, node: 'v20', loadGeneratorCore: '0', serverCore: '1', loadAverageBefore: [0.5], loadAverageAfter: [0.5] },
    settings: {},
    pairs: Object.entries(subjectRates).map(([id, rate]) => {
      const round = { baseline: measurement(rate * 2), subject: measurement(rate, databaseCpuMs?.[id]), p99Ratio: 1 };
      return { id, baseline: 'bare', subject: `app ${id}`, rounds: [round], median: round, requestsPerSecondRatio: 0.5, p99Ratio: 1, p99RatioRange: [1, 1] };
    }),
  };
  writeFileSync(path, JSON.stringify(results));
  return path;
}
const QUIET = { read: 4000, list: 2000, write: 4000 };
/** PostgreSQL CPU per request of each kind: the mix's is 0.5 × 0.08 + 0.3 × 0.1 + 0.2 × 0.15 = 0.1 ms. */
const DB_CPU = { read: 0.08, list: 0.1, write: 0.15 };
const prodWith = (service: Partial<StageConfig['service']>): StageConfig => ({ ...STAGES.prod, service: { ...STAGES.prod.service, ...service } });

describe('per-task throughput', () => {
  it('is the mix-weighted harmonic mean of the bench rows', () => {
    // 1 / (0.5/4000 + 0.3/2000 + 0.2/4000) = 1 / 0.000325 = 3,076.92
    expect(mixedThroughput({ readById: 4000, list: 2000, write: 4000 })).toBeCloseTo(3076.92, 2);
    expect(readBenchResults(benchFile(QUIET)).mixed).toBeCloseTo(3076.92, 2);
  });

  it('mixes PostgreSQL\'s CPU per request by the request mix (CPU time adds up), absent from older results', () => {
    expect(mixedDatabaseCpu({ readById: 0.08, list: 0.1, write: 0.15 })).toBeCloseTo(0.1, 10);
    expect(readBenchResults(benchFile(QUIET, DB_CPU)).databaseCpuMsPerRequest).toBeCloseTo(0.1, 10);
    expect(readBenchResults(benchFile(QUIET)).databaseCpuMsPerRequest).toBeUndefined();
    expect(readBenchResults(benchFile(QUIET, { read: 0.08, list: 0.1 })).databaseCpuMsPerRequest).toBeUndefined();
  });

  it('says to run the bench when the file or a row is missing', () => {
    expect(() => readBenchResults(join(dir, 'absent.json'))).toThrow(/run `npm run bench` first/);
    expect(() => readBenchResults(benchFile({ read: 1 }))).toThrow('has no pair "list"');
  });
});

describe('the capacity fit', () => {
  it('sizes prod: 10,000 requests/s at half of 3,077 per task is 7 tasks, within every limit', () => {
    const fit = capacityFit(STAGES.prod, 3076.92, { utilisation: 0.5, databaseCpuMsPerRequest: 0.1 });
    expect(fit.perTaskPlanned).toBeCloseTo(1538.46, 2);
    expect(fit.tasksNeeded).toBe(7); // ceil(10,000 / 1,538.46) = ceil(6.5)
    // ALB target tracking at 60,000 requests per target per minute (1,000/s) runs 10 tasks, not 7.
    expect(fit.tasksScaledTo).toBe(10);
    // r7g.xlarge: 4 vCPU × 8 GiB = 32 GiB / 9,531,392 = 3,604; 50 tasks × pool 10 × 2 = 1,000.
    expect(fit.maxConnections).toBe(3604);
    expect(fit.peakConnections).toBe(1000);
    expect(fit.problems).toEqual([]);
  });

  it('names each limit the target does not fit', () => {
    const fit = capacityFit(prodWith({ maxTasks: 5, minTasks: 2, targetRequestsPerTarget: 120_000 }), 3076.92, { utilisation: 0.5, databaseCpuMsPerRequest: 0.1 });
    expect(fit.problems).toEqual([
      'service.maxTasks 5 is below the 7 tasks 10000 requests/s needs at 1538 requests/s per task (50 % of the measured 3077)',
      'service.targetRequestsPerTarget 120000 per minute (2000/s per task) is above the planned 1538/s per task: scale-out starts only once tasks are past their headroom; set it to at most 92307',
    ]);
    // 50 tasks × pool 40 × 2 = 4,000 > 3,604 - 13 = 3,591.
    expect(capacityFit(prodWith({ databasePoolSize: 40 }), 3076.92, { utilisation: 0.5, databaseCpuMsPerRequest: 0.1 }).problems).toEqual([
      'database connections: 50 tasks × databasePoolSize 40 × 2 during a deployment = 4000, above the 3591 the writer allows (max_connections 3604 - 13 reserved): lower service.databasePoolSize or choose a larger database.instanceClass',
    ]);
  });

  describe('the writer\'s CPU', () => {
    it('fits prod at 0.1 ms a request: 1 vCPU needed of the 2.4 planned on r7g.xlarge\'s 4', () => {
      const { databaseCpu } = capacityFit(STAGES.prod, 3076.92, { utilisation: 0.5, databaseCpuMsPerRequest: 0.1 });
      expect(databaseCpu).toEqual({ writerVcpus: 4, plannedVcpus: 2.4, neededVcpus: 1 });
    });

    it('fails with the figures and the size to choose when the target rate needs more', () => {
      // 10,000 × 0.3 ms = 3 vCPU > 4 × 60 % = 2.4; 3 / 0.6 = 5 vCPU.
      expect(capacityFit(STAGES.prod, 3076.92, { utilisation: 0.5, databaseCpuMsPerRequest: 0.3 }).problems).toEqual([
        'database CPU: 10000 requests/s × 0.3 ms of PostgreSQL CPU each = 3.00 vCPU on the writer, above the 2.40 vCPU planned (database.instanceClass r7g.xlarge (4 vCPU) × 60 %): choose a larger database.instanceClass (at least 5 vCPU) or lower the per-request database work',
      ]);
      expect(capacityFit(prodWith({}), 3076.92, { utilisation: 0.5, databaseCpuMsPerRequest: 0.3 }).databaseCpu.neededVcpus).toBeCloseTo(3, 10);
      const larger = { ...STAGES.prod, database: { ...STAGES.prod.database, instanceClass: 'r7g.2xlarge' } };
      expect(capacityFit(larger, 3076.92, { utilisation: 0.5, databaseCpuMsPerRequest: 0.3 }).problems).toEqual([]);
    });

    it('sizes Serverless v2 at its maxCapacity, a quarter vCPU per ACU', () => {
      // dev: 4 ACU = 1 vCPU, 0.6 planned; its target rate × 0.1 ms.
      const { databaseCpu } = capacityFit(STAGES.dev, 3076.92, { utilisation: 0.5, databaseCpuMsPerRequest: 0.1 });
      expect(databaseCpu).toMatchObject({ writerVcpus: 1, plannedVcpus: 0.6 });
      expect(databaseCpu.neededVcpus).toBeCloseTo(STAGES.dev.loadTest.targetRequestsPerSecond * 0.0001, 10);
    });

    it('fails, saying what to run, when the bench did not measure it', () => {
      expect(capacityFit(STAGES.prod, 3076.92, { utilisation: 0.5 }).problems).toEqual([
        'database CPU not checked: bench/results.json has no PostgreSQL CPU per request; re-run `npm run bench` (all pairs) so the database.instanceClass r7g.xlarge (4 vCPU) can be sized',
      ]);
    });
  });

  it('refuses a utilisation outside (0, 1]', () => {
    expect(() => capacityFit(STAGES.prod, 1000, { utilisation: 1.5 })).toThrow('utilisation must be in (0, 1] (got 1.5)');
  });
});

describe('the monthly cost', () => {
  const items = monthlyCost({ config: STAGES.prod, targetRate: 10_000, targetTasks: 7 });
  const item = (name: string) => items.find((i) => i.item === name)!;

  it('prices the traffic-shaped items by hand-checkable arithmetic', () => {
    // (1 vCPU × 0.03238 + 2 GB × 0.00356) × 730 h = 28.835 per task: 2 idle, 7 at target.
    expect(item('Fargate tasks (vCPU + GB, ARM)')).toMatchObject({ idleUsd: 57.67, targetUsd: 201.85 });
    // 10,000/s × 2,000 B × 3,600 s = 72 GB/h = 72 LCU × 730 h × $0.008 = $420.48.
    expect(albLcus(10_000)).toBeCloseTo(72, 6);
    expect(item('ALB LCUs')).toMatchObject({ idleUsd: 0, targetUsd: 420.48 });
    // 10,000 × 20 % writes × 2 I/O = 4,000/s × 2,628,000 s = 10,512 million × $0.20.
    expect(item('Aurora I/O')).toMatchObject({ idleUsd: 0, targetUsd: 2102.4 });
    // 2 instances (writer + reader) × 730 h × $0.553.
    expect(item('Aurora instances')).toMatchObject({ idleUsd: 807.38, targetUsd: 807.38 });
    // 5 % of 10,000/s = 500 traces/s × 2,628,000 s = 1,314 million × $5.
    expect(item('X-Ray traces').targetUsd).toBe(6570);
    // 3 NAT × 730 h × $0.045 = 98.55; + 500 traces/s × 2,000 B = 2,628 GB a month × $0.045 = 118.26.
    expect(item('NAT gateways')).toMatchObject({ idleUsd: 98.55, targetUsd: 216.81 });
    // (14 + 60) copies × 50 GB × $0.021; 60 copies a month × 50 GB × $0.02.
    expect(item('Backups: cross-region copies stored').idleUsd).toBe(77.7);
    expect(item('Backups: cross-region copy transfer').idleUsd).toBe(60);
    // 4 endpoints × 3 AZs × 730 h × $0.01.
    expect(item('VPC interface endpoints').idleUsd).toBe(87.6);
  });

  it('charges WAF only where Shield Advanced does not cover it', () => {
    expect(item('WAF requests').targetUsd).toBe(0);
    expect(item('Shield Advanced').idleUsd).toBe(3000);
    const unshielded = monthlyCost({ config: { ...STAGES.prod, shield: { ...STAGES.prod.shield, advanced: false, protectionGroup: false } }, targetRate: 10_000, targetTasks: 7 });
    // 10,000 × 2,628,000 = 26,280 million requests × $0.60.
    expect(unshielded.find((i) => i.item === 'WAF requests')!.targetUsd).toBe(15_768);
    expect(unshielded.find((i) => i.item === 'WAF web ACL and rules')!.idleUsd).toBe(5 + webAclRuleCount(STAGES.prod));
    expect(unshielded.find((i) => i.item === 'Shield Advanced')!.idleUsd).toBe(0);
  });

  it('prices the WAF rule groups Shield Advanced does not cover: prod\'s anti-DDoS group, Bot Control when on', () => {
    // $20 + 26,280 million requests × $0.15 = 3,942 + 20.
    expect(item('WAF anti-DDoS rule group')).toMatchObject({ idleUsd: 20, targetUsd: 3962 });
    expect(item('WAF Bot Control (common)')).toMatchObject({ idleUsd: 0, targetUsd: 0, basis: 'off' });
    const withBots = { ...STAGES.prod, waf: { ...STAGES.prod.waf, botControl: true, antiDdosRuleGroup: false } };
    const bots = monthlyCost({ config: withBots, targetRate: 10_000, targetTasks: 7 });
    // $10 + (26,280 - 10 included) million × $1; Shield Advanced still on.
    expect(bots.find((i) => i.item === 'WAF Bot Control (common)')).toMatchObject({ idleUsd: 10, targetUsd: 26_280 });
    expect(bots.find((i) => i.item === 'WAF anti-DDoS rule group')).toMatchObject({ idleUsd: 0, targetUsd: 0 });
    for (const id of ['wafAntiDdosMonth', 'wafAntiDdosRequestsMillion', 'wafBotControlMonth', 'wafBotControlRequestsMillion'] as const) expect(PRICES[id].verified).toBe(false);
  });

  it('prices Container Insights in the mode the service\'s cluster runs (enhanced: per task and container)', () => {
    expect(WEB_SERVICE_DEFAULTS.containerInsights).toBe(ecs.ContainerInsights.ENHANCED);
    // Idle: 40 + 2 × (13 + 2 × 10) = 106 metrics × $0.30 = 31.80, + 2 × 3 events/min × 1 KB × 43,800 min = 0.2628 GB × $0.50.
    // Target: 40 + 7 × 33 = 271 metrics = 81.30, + 0.9198 GB × $0.50.
    expect(item('Container Insights')).toMatchObject({ idleUsd: 31.93, targetUsd: 81.76 });
    // Standard: cluster and service metrics only, whatever the task count.
    expect(containerInsightsItem(ecs.ContainerInsights.ENABLED, 2, 50)).toMatchObject({ idleUsd: 12.04, targetUsd: 12.04 });
    expect(containerInsightsItem(ecs.ContainerInsights.DISABLED, 2, 50)).toMatchObject({ idleUsd: 0, targetUsd: 0 });
  });

  it('adds up, and every item names prices that exist in the dated table', () => {
    const sum = totals(items);
    expect(sum.idleUsd).toBeCloseTo(items.reduce((s, i) => s + i.idleUsd, 0), 2);
    for (const i of items) for (const id of i.prices) expect(PRICES[id].source.length).toBeGreaterThan(10);
  });

  it('prices Serverless v2 by ACU: dev at its minimum idle and its maximum at the target', () => {
    const dev = monthlyCost({ config: STAGES.dev, targetRate: 1000, targetTasks: 2 }).find((i) => i.item === 'Aurora instances')!;
    // 2 instances × 0.5 ACU × 730 h × $0.12 = 87.60; × 4 ACU = 700.80.
    expect(dev).toMatchObject({ idleUsd: 87.6, targetUsd: 700.8 });
  });

  it('refuses an instance class it has no price for', () => {
    expect(() => monthlyCost({ config: { ...STAGES.prod, database: { ...STAGES.prod.database, instanceClass: 'r6g.large' } }, targetRate: 1, targetTasks: 2 })).toThrow('no price for database.instanceClass r6g.large in capacity/prices.ts');
  });
});

describe('npm run capacity', () => {
  it('prints the fit and the cost table, and reports a config that does not fit', () => {
    const ok = capacityCommand(['--stage', 'prod', '--bench', benchFile(QUIET, DB_CPU)], 'unused');
    expect(ok.fits).toBe(true);
    expect(ok.report).toContain('→ **7 tasks** needed; the scaling target of 1,000/s per task runs **10** (maxTasks 50)');
    // The Fargate line prices the tasks autoscaling runs, not the fewer the bench says would do.
    expect(ok.report).toContain('| 2 idle / 10 at target ×');
    expect(ok.report).toContain('Database CPU (PostgreSQL on the bench machine, 0.100 ms per request of the mix): 1.00 vCPU at the target, of 2.40 planned on the writer\'s 4');
    expect(ok.report).toMatch(/^\| \*\*total\*\* \| \*\*\$[\d,.]+\*\* \| \*\*\$[\d,.]+\*\* \| \|$/m);
    const slow = capacityCommand(['--stage', 'prod', '--bench', benchFile({ read: 200, list: 200, write: 200 })], 'unused');
    expect(slow.fits).toBe(false);
    expect(slow.report).toContain('- service.maxTasks 50 is below the 100 tasks');
    expect(() => capacityCommand(['--stage'], 'unused')).toThrow('--stage needs a value');
  });
});
