/**
 * `npm run loadtest -- --local`: the whole path offline. The app (built from app/src)
 * on a throwaway PostgreSQL on 127.0.0.1, N workers in this process, results in a local
 * directory, then the same aggregation and report as a run on AWS. For the comparison
 * the issue asks for, the target-rate step is run once more by a single worker at the
 * same total rate.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../app/src/app';
import { testConfig } from '../app/src/config';
import { startThrowawayPostgres } from '../scripts/throwaway-postgres';
import { aggregateResults, loadRunResults, type StepReport } from './aggregate';
import { planSteps, type RunSettings } from './plan';
import { localResultStore } from './result-store';
import { runSteps } from './run-steps';

export interface LocalRunResult {
  readonly steps: StepReport[];
  /** The target-rate step run by one worker at the same total rate. */
  readonly singleWorker: StepReport;
}

export async function runLocally(settings: RunSettings, perUserLimitPerMinute: number, onProgress: (message: string) => void): Promise<LocalRunResult> {
  const postgres = await startThrowawayPostgres();
  try {
    const app = await buildApp({
      config: testConfig({
        database: { kind: 'postgres', connectionString: postgres.url, ssl: { mode: 'disable' }, poolSize: 10 },
        // Every local worker is 127.0.0.1: the per-IP limit would make this a 429 test.
        rateLimitPerIp: 10_000_000,
        rateLimitPerUser: perUserLimitPerMinute,
      }),
    });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const store = localResultStore(await mkdtemp(join(tmpdir(), 'bulwark-loadtest-')));
      const steps = planSteps(settings);
      await runSteps({ baseUrl, runId: settings.runId, workers: settings.workers, steps, perUserLimitPerMinute, store, onProgress });
      const target = steps.find((step) => step.percent === 100) ?? steps[steps.length - 1];
      onProgress(`single worker: ${target.rate} requests/s for ${target.durationSeconds} s`);
      const single = await runSteps({ baseUrl, runId: `${settings.runId}-single`, workers: 1, steps: [{ ...target, name: `${target.name}-single` }], perUserLimitPerMinute, store });
      return { steps: aggregateResults(await loadRunResults(store, settings.runId)), singleWorker: aggregateResults(single)[0] };
    } finally {
      await app.close();
    }
  } finally {
    await postgres.stop();
  }
}
