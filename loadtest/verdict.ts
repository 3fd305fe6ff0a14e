/**
 * Pass or fail against the stage's SLO config, judged at the 100 % step (the target rate):
 * merged p99 within `service.p99LatencyTargetMs`, failed requests (5xx and no response)
 * within the error budget `1 - observability.availabilityTarget`, 429s within the same
 * budget (a rate-limited run proves nothing about the service), and at least 95 % of the
 * target rate actually delivered.
 */
import type { StepReport } from './aggregate';

export interface Slo {
  readonly p99LatencyTargetMs: number;
  readonly availabilityTarget: number;
}

export interface Verdict {
  readonly pass: boolean;
  /** The step judged. */
  readonly step?: string;
  readonly reasons: string[];
}

/** Share of the target rate a step must deliver to count as having been at that rate. */
export const DELIVERED_RATE_FLOOR = 0.95;

const percent = (ratio: number) => `${(ratio * 100).toFixed(3)} %`;

export function judge(steps: readonly StepReport[], slo: Slo, targetStep: string): Verdict {
  const step = steps.find((s) => s.step === targetStep);
  if (!step) return { pass: false, reasons: [`no results for the target-rate step ${targetStep}`] };
  const budget = 1 - slo.availabilityTarget;
  const reasons: string[] = [];
  if (step.p99Ms > slo.p99LatencyTargetMs) reasons.push(`p99 ${step.p99Ms} ms is above the ${slo.p99LatencyTargetMs} ms objective`);
  if (step.errorRate > budget) reasons.push(`errors ${percent(step.errorRate)} exceed the ${percent(budget)} error budget`);
  if (step.rateLimitedRate > budget) reasons.push(`429s ${percent(step.rateLimitedRate)} exceed the ${percent(budget)} budget: the run measured the rate limits, not the service`);
  if (step.requestsPerSecond < step.targetRate * DELIVERED_RATE_FLOOR) reasons.push(`delivered ${step.requestsPerSecond} requests/s, below ${DELIVERED_RATE_FLOOR * 100} % of the ${step.targetRate} asked`);
  return { pass: reasons.length === 0, step: targetStep, reasons };
}
