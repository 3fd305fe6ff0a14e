import { describe, expect, it } from 'vitest';
import { aggregateResults } from '../../loadtest/aggregate';
import { createLatencyHistogram, decodeHistogram, encodeHistogram, mergeHistograms, recordMs, summarize } from '../../loadtest/histogram';
import type { StepResult } from '../../loadtest/step-result';

function histogramOf(values: Array<[ms: number, times: number]>) {
  const histogram = createLatencyHistogram();
  for (const [ms, times] of values) for (let i = 0; i < times; i++) recordMs(histogram, ms);
  return histogram;
}

const result = (workerId: string, histogram: ReturnType<typeof histogramOf>, outcomes: Partial<StepResult['outcomes']> = {}): StepResult => ({
  runId: 'run-1',
  step: 'step-1',
  workerId,
  targetRate: 100,
  startedAt: '2026-12-01T00:00:00.000Z',
  endedAt: '2026-12-01T00:00:10.000Z',
  outcomes: { ok2xx: histogram.totalCount, other3xx4xx: 0, rateLimited: 0, server5xx: 0, transportErrors: 0, ...outcomes },
  histogram: encodeHistogram(histogram),
});

describe('merging histograms', () => {
  // Worker A: 9,800 fast requests (5 ms). Worker B: 200 slow ones (200 ms). Over all 10,000,
  // the slowest 1 % (100 requests) are all B's, so the true p99 is 200 ms; the average of
  // the two workers' p99s (5 and 200) would claim 102.5 ms, a latency no request had.
  const fast = histogramOf([[5, 9_800]]);
  const slow = histogramOf([[200, 200]]);

  it('gives the p99 of the union, not the average of the workers\' p99s', () => {
    const merged = summarize(mergeHistograms([fast, slow]));
    const averaged = (summarize(fast).p99Ms + summarize(slow).p99Ms) / 2;
    expect(merged.count).toBe(10_000);
    expect(merged.p99Ms).toBeCloseTo(200, 0);
    expect(averaged).toBeCloseTo(102.5, 0);
    // p50 and p90 are A's; p99.9 and max are B's.
    expect(merged.p50Ms).toBeCloseTo(5, 1);
    expect(merged.p90Ms).toBeCloseTo(5, 1);
    expect(merged.p999Ms).toBeCloseTo(200, 0);
    expect(merged.maxMs).toBeCloseTo(200, 0);
  });

  it('places a percentile between two distributions by rank', () => {
    // 9,850 at 5 ms and 150 at 200 ms: rank 9,900 (p99) is a slow one, rank 9,800 (p98) a fast one.
    const merged = mergeHistograms([histogramOf([[5, 9_850]]), histogramOf([[200, 150]])]);
    expect(merged.getValueAtPercentile(99) / 1000).toBeCloseTo(200, 0);
    expect(merged.getValueAtPercentile(98) / 1000).toBeCloseTo(5, 1);
  });

  it('keeps every recorded value through encoding', () => {
    const original = histogramOf([[1.5, 10], [42, 3], [999, 1]]);
    const decoded = decodeHistogram(encodeHistogram(original));
    expect(summarize(decoded)).toEqual(summarize(original));
  });

  it('rejects a histogram that is not HDR-encoded, saying so', () => {
    expect(() => decodeHistogram('not-a-histogram')).toThrow(/not an HDR histogram/);
  });

  it('aggregates a step from stored results: merged percentiles, summed rates, 429s apart from errors', () => {
    const [step] = aggregateResults([
      result('worker-0', fast, { rateLimited: 100, server5xx: 50 }),
      result('worker-1', slow, { transportErrors: 50 }),
    ]);
    expect(step.p99Ms).toBeCloseTo(200, 0);
    expect(step.workers).toBe(2);
    expect(step.targetRate).toBe(200);
    // 9,800 + 200 2xx + 100 429 + 50 5xx + 50 with no response = 10,200 over 10 s.
    expect(step.requestsPerSecond).toBe(1020);
    expect(step.errorRate).toBeCloseTo(100 / 10_200, 6);
    expect(step.rateLimitedRate).toBeCloseTo(100 / 10_200, 6);
  });

  it('reports steps in the order they started', () => {
    const later = { ...result('worker-0', fast), step: 'step-2', startedAt: '2026-12-01T00:01:00.000Z', endedAt: '2026-12-01T00:01:10.000Z' };
    expect(aggregateResults([later, result('worker-0', slow)]).map((s) => s.step)).toEqual(['step-1', 'step-2']);
  });
});
