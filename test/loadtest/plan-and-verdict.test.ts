import { describe, expect, it } from 'vitest';
import type { StepReport } from '../../loadtest/aggregate';
import { latencyPlot } from '../../loadtest/latency-plot';
import { parseDuration, parseLoadTestArgs } from '../../loadtest/options';
import { planSteps, runDeadlineSeconds, stateMachineInput } from '../../loadtest/plan';
import { judge } from '../../loadtest/verdict';

const settings = { runId: 'prod-run', targetRate: 10_000, workers: 10, rampPercents: [25, 50, 100, 120], warmUpSeconds: 120, stepSeconds: 600 };

describe('the run plan', () => {
  it('warms up at the first step\'s rate, then ramps by percent of the target', () => {
    expect(planSteps(settings).map((s) => [s.name, s.rate, s.durationSeconds])).toEqual([
      ['warmup', 2500, 120],
      ['step-1-25pct', 2500, 600],
      ['step-2-50pct', 5000, 600],
      ['step-3-100pct', 10_000, 600],
      ['step-4-120pct', 12_000, 600],
    ]);
    expect(planSteps({ ...settings, warmUpSeconds: 0 })[0].name).toBe('step-1-25pct');
  });

  it('gives the state machine each worker its share of a step, as strings for the container overrides', () => {
    const input = stateMachineInput(settings) as { runId: string; steps: Array<{ name: string; durationSeconds: string; timeoutSeconds: number; workers: Array<{ workerId: string; rate: string }> }> };
    expect(input.runId).toBe('prod-run');
    const full = input.steps[3];
    expect(full).toMatchObject({ name: 'step-3-100pct', durationSeconds: '600', timeoutSeconds: 900 });
    expect(full.workers).toHaveLength(10);
    expect(full.workers[9]).toEqual({ workerId: 'worker-9', rate: '1000' });
  });

  it('bounds the wait: every step with its overhead plus one more', () => {
    // 120 + 4 × 600 = 2,520 s of load, + 5 × 300 s overhead, + 300 s margin.
    expect(runDeadlineSeconds(settings)).toBe(4320);
  });
});

describe('the command line', () => {
  it('reads the issue\'s example', () => {
    expect(parseLoadTestArgs(['--stage', 'prod', '--rate', '10000', '--duration', '10m'])).toEqual({ stage: 'prod', rate: 10_000, durationSeconds: 600, workers: undefined, warmUpSeconds: undefined, local: false, out: 'loadtest-reports' });
    expect(parseLoadTestArgs(['--stage', 'dev', '--local', '--warm-up', '30s', '--workers', '2']).local).toBe(true);
  });

  it('names the bad flag', () => {
    expect(() => parseLoadTestArgs(['--rate', '100'])).toThrow('--stage is required');
    expect(() => parseLoadTestArgs(['--stage', 'prod', '--rate', '-5'])).toThrow('--rate must be a positive integer (got "-5")');
    expect(() => parseLoadTestArgs(['--stage', 'prod', '--duration', 'ten'])).toThrow('--duration must be a duration such as 90s, 10m or 1h (got "ten")');
    expect(() => parseLoadTestArgs(['--stage', 'prod', '--duration'])).toThrow('--duration needs a value');
    expect(() => parseLoadTestArgs(['--stage', 'prod', '--rps', '5'])).toThrow('unknown option "--rps"');
    expect(parseDuration('--duration', '1h')).toBe(3600);
  });
});

const step = (overrides: Partial<StepReport>): StepReport => ({
  step: 'step-3-100pct',
  workers: 10,
  targetRate: 10_000,
  requestsPerSecond: 9_990,
  errorRate: 0,
  rateLimitedRate: 0,
  startedAt: '2026-12-01T00:00:00.000Z',
  endedAt: '2026-12-01T00:10:00.000Z',
  count: 5_994_000,
  p50Ms: 8,
  p90Ms: 15,
  p99Ms: 42,
  p999Ms: 90,
  maxMs: 300,
  ...overrides,
});
const slo = { p99LatencyTargetMs: 50, availabilityTarget: 0.999 };

describe('the verdict at the target rate', () => {
  it('passes within every objective', () => {
    expect(judge([step({})], slo, 'step-3-100pct')).toEqual({ pass: true, step: 'step-3-100pct', reasons: [] });
  });

  it('fails on each objective, saying which', () => {
    const verdict = judge([step({ p99Ms: 51, errorRate: 0.0011, rateLimitedRate: 0.002, requestsPerSecond: 9_499 })], slo, 'step-3-100pct');
    expect(verdict.pass).toBe(false);
    expect(verdict.reasons).toEqual([
      'p99 51 ms is above the 50 ms objective',
      'errors 0.110 % exceed the 0.100 % error budget',
      '429s 0.200 % exceed the 0.100 % budget: the run measured the rate limits, not the service',
      'delivered 9499 requests/s, below 95 % of the 10000 asked',
    ]);
  });

  it('judges only the target-rate step (the 120 % step may miss) and fails without it', () => {
    expect(judge([step({}), step({ step: 'step-4-120pct', p99Ms: 400 })], slo, 'step-3-100pct').pass).toBe(true);
    expect(judge([step({ step: 'warmup' })], slo, 'step-3-100pct')).toEqual({ pass: false, reasons: ['no results for the target-rate step step-3-100pct'] });
  });
});

describe('the latency plot', () => {
  it('draws each step\'s p50 and p99 over its window, the ALB line and the objective', () => {
    const svg = latencyPlot(
      [step({ step: 'step-1-25pct', startedAt: '2026-12-01T00:00:00.000Z', endedAt: '2026-12-01T00:10:00.000Z' }), step({ startedAt: '2026-12-01T00:10:00.000Z', endedAt: '2026-12-01T00:20:00.000Z' })],
      [{ time: '2026-12-01T00:05:00.000Z', albP99Ms: 30 }, { time: '2026-12-01T00:15:00.000Z', albP99Ms: 45 }],
      50,
    );
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/stroke="#ff7f0e"/g)).toHaveLength(2);
    expect(svg.match(/stroke="#1f77b4"/g)).toHaveLength(2);
    expect(svg).toMatch(/<polyline [^>]*points="[\d., ]+"/);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('>step-3-100pct</text>');
  });
});
