/**
 * Aggregation of a run: per step, every worker's histogram merged into one (the fleet's
 * true percentiles), throughput over the step's wall-clock window, and error and 429 rates
 * over every request sent.
 */
import { decodeHistogram, mergeHistograms, summarize, type LatencySummary } from './histogram';
import type { ResultStore } from './result-store';
import { parseStepResult, type StepResult } from './step-result';

export interface StepReport extends LatencySummary {
  readonly step: string;
  readonly workers: number;
  /** Sum of the workers' target rates. */
  readonly targetRate: number;
  /** Responses and failed requests per second over the step's window (first start to last end). */
  readonly requestsPerSecond: number;
  /** 5xx responses and requests with no response, over every request. */
  readonly errorRate: number;
  /** 429 responses over every request. */
  readonly rateLimitedRate: number;
  readonly startedAt: string;
  readonly endedAt: string;
}

function aggregateStep(step: string, results: readonly StepResult[]): StepReport {
  const merged = mergeHistograms(results.map((result) => decodeHistogram(result.histogram)));
  const sum = (pick: (r: StepResult) => number) => results.reduce((total, result) => total + pick(result), 0);
  const responses = sum((r) => r.outcomes.ok2xx + r.outcomes.other3xx4xx + r.outcomes.rateLimited + r.outcomes.server5xx);
  const transportErrors = sum((r) => r.outcomes.transportErrors);
  const attempts = responses + transportErrors;
  const start = Math.min(...results.map((r) => Date.parse(r.startedAt)));
  const end = Math.max(...results.map((r) => Date.parse(r.endedAt)));
  const seconds = Math.max(0.001, (end - start) / 1000);
  const ratio = (count: number) => (attempts === 0 ? 0 : count / attempts);
  return {
    step,
    workers: results.length,
    targetRate: sum((r) => r.targetRate),
    requestsPerSecond: Math.round((attempts / seconds) * 10) / 10,
    errorRate: ratio(sum((r) => r.outcomes.server5xx) + transportErrors),
    rateLimitedRate: ratio(sum((r) => r.outcomes.rateLimited)),
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(end).toISOString(),
    ...summarize(merged),
  };
}

/** One report per step, in the order the steps started. */
export function aggregateResults(results: readonly StepResult[]): StepReport[] {
  const bySteps = new Map<string, StepResult[]>();
  for (const result of results) bySteps.set(result.step, [...(bySteps.get(result.step) ?? []), result]);
  return [...bySteps].map(([step, stepResults]) => aggregateStep(step, stepResults)).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** Reads every result of `runId` from `store`; throws when there is none. */
export async function loadRunResults(store: ResultStore, runId: string): Promise<StepResult[]> {
  const keys = (await store.list(`${runId}/`)).filter((key) => key.endsWith('.json'));
  if (keys.length === 0) throw new Error(`no results for run "${runId}" in ${store.location}`);
  return Promise.all(keys.map(async (key) => parseStepResult(await store.get(key), `${store.location}/${key}`)));
}
