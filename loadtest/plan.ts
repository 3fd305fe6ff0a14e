/**
 * A run's steps from the stage's config and the operator's flags: a warm-up at the first
 * ramp step's rate, then each ramp step, every step split over the workers. The same plan
 * is the state machine's input (AWS) and the local runner's step list.
 */
import type { LoadStep } from './run-steps';

export interface RunSettings {
  readonly runId: string;
  /** Requests per second at 100 %. */
  readonly targetRate: number;
  readonly workers: number;
  readonly rampPercents: readonly number[];
  readonly warmUpSeconds: number;
  readonly stepSeconds: number;
}

export interface PlannedStep extends LoadStep {
  /** Percent of the target rate; the warm-up has none. */
  readonly percent?: number;
}

/** A worker waits this long beyond its step for registering users and writing its result. */
export const WORKER_OVERHEAD_SECONDS = 300;

export function stepName(index: number, percent: number): string {
  return `step-${index + 1}-${percent}pct`;
}

export function planSteps(settings: RunSettings): PlannedStep[] {
  const ramp = settings.rampPercents.map((percent, index) => ({
    name: stepName(index, percent),
    percent,
    rate: Math.round((settings.targetRate * percent) / 100),
    durationSeconds: settings.stepSeconds,
  }));
  const warmUp = settings.warmUpSeconds > 0 ? [{ name: 'warmup', rate: ramp[0].rate, durationSeconds: settings.warmUpSeconds }] : [];
  return [...warmUp, ...ramp];
}

/** The state machine's input (lib/constructs/load-test/orchestration.ts): strings where containers read them. */
export function stateMachineInput(settings: RunSettings): Record<string, unknown> {
  return {
    runId: settings.runId,
    steps: planSteps(settings).map((step) => ({
      name: step.name,
      durationSeconds: String(step.durationSeconds),
      timeoutSeconds: step.durationSeconds + WORKER_OVERHEAD_SECONDS,
      workers: Array.from({ length: settings.workers }, (_, index) => ({ workerId: `worker-${index}`, rate: String(step.rate / settings.workers) })),
    })),
  };
}

/** Longest a run can take: every step with its overhead, plus a margin for starting tasks. */
export function runDeadlineSeconds(settings: RunSettings): number {
  return planSteps(settings).reduce((total, step) => total + step.durationSeconds + WORKER_OVERHEAD_SECONDS, 0) + WORKER_OVERHEAD_SECONDS;
}
