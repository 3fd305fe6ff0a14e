/**
 * Runs a ramp of steps with N workers, each at rate/N with its own users, and stores one
 * result per worker and step. The Fargate path runs each worker in its own task (the state
 * machine plays this loop); local mode and the tests run the workers in this process.
 */
import type { ResultStore } from './result-store';
import { stepResultKey, type StepResult } from './step-result';
import { provisionUsers, usersNeeded, type LoadUser } from './users';
import { runWorker } from './worker';

export interface LoadStep {
  readonly name: string;
  /** Total requests per second over all workers. */
  readonly rate: number;
  readonly durationSeconds: number;
}

export interface LocalRun {
  readonly baseUrl: string;
  readonly runId: string;
  readonly workers: number;
  readonly steps: readonly LoadStep[];
  readonly perUserLimitPerMinute: number;
  readonly store: ResultStore;
  readonly onProgress?: (message: string) => void;
}

export function workerId(index: number): string {
  return `worker-${index}`;
}

/** Stores one worker's result of one step under its key. */
export async function storeResult(store: ResultStore, result: StepResult): Promise<void> {
  await store.put(stepResultKey(result), JSON.stringify(result));
}

export async function runSteps(run: LocalRun): Promise<StepResult[]> {
  if (!Number.isInteger(run.workers) || run.workers < 1) throw new Error(`workers must be a positive integer (got ${run.workers})`);
  const peakPerWorker = Math.max(...run.steps.map((step) => step.rate)) / run.workers;
  const userCount = usersNeeded(peakPerWorker, run.perUserLimitPerMinute);
  const usersByWorker: LoadUser[][] = await Promise.all(
    Array.from({ length: run.workers }, (_, index) => provisionUsers(run.baseUrl, userCount, `${run.runId}-${workerId(index)}`)),
  );
  const results: StepResult[] = [];
  for (const step of run.steps) {
    run.onProgress?.(`${step.name}: ${step.rate} requests/s over ${run.workers} workers for ${step.durationSeconds} s`);
    const stepResults = await Promise.all(
      usersByWorker.map((users, index) =>
        runWorker({ baseUrl: run.baseUrl, runId: run.runId, step: step.name, workerId: workerId(index), rate: step.rate / run.workers, durationSeconds: step.durationSeconds, users }),
      ),
    );
    await Promise.all(stepResults.map((result) => storeResult(run.store, result)));
    results.push(...stepResults);
  }
  return results;
}
