import { describe, expect, it } from 'vitest';
import { findConfigProblems, quotaBudget, STAGES, withLoadTestEnabled, type StageConfig } from '../../lib/config';

const prodWith = (loadTest: Partial<StageConfig['loadTest']>): StageConfig => ({ ...STAGES.prod, loadTest: { ...STAGES.prod.loadTest, ...loadTest } });
const fargateNeed = (config: StageConfig) => quotaBudget(config).find((row) => row.quota.id === 'fargateOnDemandVcpu')!.need;

describe('the loadTest config section', () => {
  it('is off in both shipped stages', () => {
    for (const config of Object.values(STAGES)) expect(config.loadTest.enabled).toBe(false);
  });

  it('names each bad field', () => {
    const problems = findConfigProblems(prodWith({ targetRequestsPerSecond: 0, workers: 500, workerCpu: 1024, workerMemoryMiB: 1024, rampPercents: [25, 50.5], stepSeconds: 5 }));
    expect(problems).toEqual([
      'loadTest.targetRequestsPerSecond must be an integer between 1 and 10000000 (got 0)',
      'loadTest.workers must be an integer between 1 and 200 (got 500)',
      'loadTest.workerMemoryMiB 1024 is not a Fargate memory size for workerCpu 1024',
      'loadTest.rampPercents[1] must be an integer percentage between 1 and 500 (got 50.5)',
      'loadTest.rampPercents must include 100: the pass/fail verdict is judged at the target rate',
      'loadTest.stepSeconds must be an integer between 30 and 7200 (got 5)',
    ]);
    expect(findConfigProblems(prodWith({ workerCpu: 300 }))).toEqual(['loadTest.workerCpu must be one of 512, 1024, 2048, 4096 (got 300)']);
    expect(findConfigProblems(prodWith({ rampPercents: [] }))).toContain('loadTest.rampPercents must list at least one step');
  });

  it('is validated even while the stack is off', () => {
    expect(findConfigProblems(prodWith({ enabled: false, workers: 0 }))).toEqual(['loadTest.workers must be an integer between 1 and 200 (got 0)']);
  });
});

describe('the load test in the Fargate vCPU quota budget', () => {
  it('counts nothing for workers while the stack is off', () => {
    expect(fargateNeed(STAGES.prod)).toEqual({ amount: 100, basis: '50 tasks × 1 vCPU × 2 while a deployment replaces them (the 0.25 vCPU migration task runs before, beside the old fleet only)' });
  });

  it('needs the larger of a deployment and a run: the service at its maximum plus the workers', () => {
    // prod: 50 + 10 workers × 1 vCPU = 60 during a run, below the 100 a deployment needs.
    expect(fargateNeed(withLoadTestEnabled(STAGES.prod))).toEqual({ amount: 100, basis: '50 tasks × 1 vCPU × 2 while a deployment replaces them (the 0.25 vCPU migration task runs before, beside the old fleet only) (a load test needs less: 60)' });
    // 60 workers of 2 vCPU: 50 + 120 = 170 during a run, more than a deployment's 100.
    const big = withLoadTestEnabled(prodWith({ workers: 60, workerCpu: 2048, workerMemoryMiB: 4096 }));
    expect(fargateNeed(big)).toEqual({ amount: 170, basis: '50 tasks × 1 vCPU + 120 vCPU of load-test workers during a run (a deployment needs 100)' });
    expect(findConfigProblems(big)).toEqual([expect.stringMatching(/^accountQuotas.fargateOnDemandVcpu: the stage needs 170 vCPU .* but the account has 100: request 170/)]);
  });

  it('fits dev\'s fresh-account 6 vCPU with the load test on: 3 tasks + 2 workers', () => {
    expect(fargateNeed(withLoadTestEnabled(STAGES.dev)).amount).toBe(6);
    expect(findConfigProblems(withLoadTestEnabled(STAGES.dev))).toEqual([]);
  });
});
