/**
 * The arithmetic of multi-window, multi-burn-rate SLO alerting, kept free of CDK so tests
 * can evaluate it numerically. The alarms built from it (see `slo-alarms.ts`) use exactly
 * these thresholds and expressions.
 *
 * Terms: the *bad ratio* of a window is bad events / all events in it (5xx / requests, or
 * slow requests / requests). The *error budget* is 1 - target. The *burn rate* is
 * bad ratio / error budget: 1 spends the budget exactly over the SLO period, 14.4 spends
 * 2 % of a 30-day budget in one hour.
 */

/** One pair of windows: the long window proves the burn is significant, the short one that it is still going on. */
export interface BurnRateWindowPair {
  /** `Fast` pages for a sudden outage; `Slow` catches a smouldering one. */
  readonly name: 'Fast' | 'Slow';
  /** Multiple of the sustainable bad ratio at which the pair fires. */
  readonly burnRate: number;
  readonly longWindowMinutes: number;
  readonly shortWindowMinutes: number;
}

/**
 * The Google SRE workbook's two-pair policy for a 30-day SLO: fast burn 14.4x over 1 h
 * confirmed by 5 min (2 % of the budget gone in an hour), slow burn 6x over 6 h confirmed
 * by 30 min (5 % gone in six hours). The short window is 1/12 of the long one, so an alert
 * stops soon after the burn stops instead of an hour later.
 */
export const BURN_RATE_POLICY: readonly BurnRateWindowPair[] = [
  { name: 'Fast', burnRate: 14.4, longWindowMinutes: 60, shortWindowMinutes: 5 },
  { name: 'Slow', burnRate: 6, longWindowMinutes: 360, shortWindowMinutes: 30 },
];

/** The period the error budget is defined over. */
export const SLO_PERIOD_DAYS = 30;

/**
 * Binary floating point makes 1 - 0.999 equal 0.0010000000000000009 and 14.4 * 0.001 equal
 * 0.014400000000000001; an alarm threshold must be the decimal an operator reads, or a bad
 * ratio of exactly 0.0144 would not fire a 14.4x alarm.
 */
function decimal(value: number): number {
  return Number(value.toPrecision(12));
}

function requireTarget(target: number): void {
  if (!(target > 0 && target < 1)) throw new Error(`SLO target must be between 0 and 1, exclusive (got ${target})`);
}

/** The error budget of `target`: the bad ratio the SLO allows (0.001 for 99.9 %). */
export function errorBudget(target: number): number {
  requireTarget(target);
  return decimal(1 - target);
}

/** The bad ratio at which a window burns the budget `burnRate` times faster than sustainable. */
export function burnRateThreshold(target: number, burnRate: number): number {
  if (!(burnRate > 0)) throw new Error(`burnRate must be greater than 0 (got ${burnRate})`);
  return decimal(burnRate * errorBudget(target));
}

/** How many times faster than sustainable a window with `badRatio` spends the budget. */
export function burnRate(badRatio: number, target: number): number {
  return decimal(badRatio / errorBudget(target));
}

/** Fraction of the whole SLO period's budget that `windowMinutes` at `badRatio` spends. */
export function budgetSpent(badRatio: number, windowMinutes: number, target: number): number {
  return decimal((burnRate(badRatio, target) * windowMinutes) / (SLO_PERIOD_DAYS * 24 * 60));
}

/** Whether a window alarm of `pair` fires for `badRatio` (the alarms compare with `>=`). */
export function windowFires(pair: BurnRateWindowPair, target: number, badRatio: number): boolean {
  return badRatio >= burnRateThreshold(target, pair.burnRate);
}

/** Whether the composite of `pair` fires: both its long and its short window are over the threshold. */
export function pairFires(pair: BurnRateWindowPair, target: number, ratios: { long: number; short: number }): boolean {
  return windowFires(pair, target, ratios.long) && windowFires(pair, target, ratios.short);
}

// --- metric math ---------------------------------------------------------------------
// Ids of the metrics the expressions refer to (metric math ids start with a lower-case letter).

/** Metric ids of the availability expressions. */
export const AVAILABILITY_IDS = { requests: 'requests', targetErrors: 'targetErrors', elbErrors: 'elbErrors' } as const;

/** Metric ids of the latency expressions; `fastShare` is the PR statistic (percent at or under the threshold). */
export const LATENCY_IDS = { requests: 'requests', fastShare: 'fastShare' } as const;

/**
 * Share of requests that failed with a 5xx, answered by the app (HTTPCode_Target_5XX_Count)
 * or by the load balancer itself (HTTPCode_ELB_5XX_Count: no target could answer). The ALB
 * publishes nothing for a quiet period, so every metric is FILLed with 0 and a period
 * without requests counts as a good one rather than a division by zero.
 */
export const AVAILABILITY_BAD_RATIO_EXPRESSION =
  'IF(FILL(requests, 0) > 0, (FILL(targetErrors, 0) + FILL(elbErrors, 0)) / FILL(requests, 0), 0)';

/**
 * Share of requests slower than the latency threshold. The ALB has no "requests over N ms"
 * count, but CloudWatch's percentile-rank statistic PR(:t) on TargetResponseTime gives the
 * percentage of requests answered in t seconds or less (lower bound exclusive, upper
 * inclusive), so 100 - PR is the slow percentage. Without requests there is no PR data
 * point: FILL with 100 (all fast) and the IF make a quiet period a good one.
 */
export const LATENCY_BAD_RATIO_EXPRESSION = 'IF(FILL(requests, 0) > 0, (100 - FILL(fastShare, 100)) / 100, 0)';

/** The CloudWatch percentile-rank statistic for "answered within `thresholdMs`" on a metric in seconds. */
export function fastShareStatistic(thresholdMs: number): string {
  if (!(thresholdMs > 0)) throw new Error(`latency threshold must be greater than 0 ms (got ${thresholdMs})`);
  return `PR(:${decimal(thresholdMs / 1000)})`;
}

/**
 * Percentage of the error budget left, given an expression for the bad ratio over the
 * budget period: 100 with no bad events, 0 when the budget is spent, negative beyond.
 */
export function budgetRemainingExpression(badRatioExpression: string, target: number): string {
  return `100 * (1 - (${badRatioExpression}) / ${errorBudget(target)})`;
}

/** Expression of the burn rate (bad ratio / budget), for dashboards. */
export function burnRateExpression(badRatioExpression: string, target: number): string {
  return `(${badRatioExpression}) / ${errorBudget(target)}`;
}
