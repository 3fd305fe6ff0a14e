/**
 * The generator end to end, offline: the app on a throwaway PostgreSQL, listening on
 * 127.0.0.1, driven by two in-process workers over two short steps, results stored in a
 * local directory, then read back and merged. Rates and durations are small and bounded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateResults, loadRunResults } from '../../loadtest/aggregate';
import { localResultStore } from '../../loadtest/result-store';
import { runSteps } from '../../loadtest/run-steps';
import { usersNeeded } from '../../loadtest/users';
import { postgresBackend, startApp } from '../app/support';

const PER_USER_LIMIT = 600;
const backend = postgresBackend();
let app: FastifyInstance;
let baseUrl: string;
let resultsDir: string;

beforeAll(async () => {
  await backend.start();
  // Every worker is 127.0.0.1 here, so the per-IP limit is raised; the per-token limit is the app's default.
  app = await startApp(backend.appOptions({ rateLimitPerIp: 1_000_000, rateLimitPerUser: PER_USER_LIMIT }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  resultsDir = await mkdtemp(join(tmpdir(), 'loadtest-results-'));
});

afterAll(async () => {
  await app?.close();
  await backend.stop();
  if (resultsDir) await rm(resultsDir, { recursive: true, force: true });
});

describe('a local run with two workers', () => {
  it('registers each worker\'s users through the API, drives the mix, stores and merges per step', async () => {
    const store = localResultStore(resultsDir);
    const steps = [
      { name: 'warmup', rate: 40, durationSeconds: 1 },
      { name: 'step-1-100pct', rate: 80, durationSeconds: 2 },
    ];
    const results = await runSteps({ baseUrl, runId: 'local-1', workers: 2, steps, perUserLimitPerMinute: PER_USER_LIMIT, store });
    expect(results).toHaveLength(4);

    // Each worker registered its own users (sized for the peak step) through POST /v1/users.
    const perWorker = usersNeeded(40, PER_USER_LIMIT);
    const users = await backend.query<{ email: string }>("SELECT email FROM users WHERE email LIKE 'local-1-%'");
    expect(users).toHaveLength(2 * perWorker);
    expect(users.filter((u) => u.email.startsWith('local-1-worker-1-'))).toHaveLength(perWorker);
    // The mix writes notes beyond the one each user was given.
    const [{ count }] = await backend.query<{ count: string }>("SELECT count(*) FROM notes n JOIN users u ON u.id = n.user_id WHERE u.email LIKE 'local-1-%'");
    expect(Number(count)).toBeGreaterThan(2 * perWorker);

    const stored = await loadRunResults(store, 'local-1');
    expect(stored.map((r) => `${r.step}/${r.workerId}`).sort()).toEqual(['step-1-100pct/worker-0', 'step-1-100pct/worker-1', 'warmup/worker-0', 'warmup/worker-1']);
    const report = aggregateResults(stored);
    expect(report.map((step) => step.step)).toEqual(['warmup', 'step-1-100pct']);
    const [, measured] = report;
    expect(measured.workers).toBe(2);
    expect(measured.targetRate).toBe(80);
    const sent = stored.filter((r) => r.step === 'step-1-100pct').reduce((sum, r) => sum + r.outcomes.ok2xx, 0);
    expect(measured.count).toBe(sent);
    expect(sent).toBeGreaterThan(0);
    // No token reaches the per-user limit and the per-IP limit is out of the way: no 429, no errors.
    expect(measured.rateLimitedRate).toBe(0);
    expect(measured.errorRate).toBe(0);
    expect(measured.p50Ms).toBeGreaterThan(0);
    expect(measured.p99Ms).toBeGreaterThanOrEqual(measured.p50Ms);
  });

  it('counts the app\'s 429s apart from errors when a token is over its limit', async () => {
    // An app whose per-token limit is 10 a minute, and workers told it is 100,000: each
    // worker uses one token for 40 requests, and the app answers the excess with 429.
    const strict = await startApp(backend.appOptions({ rateLimitPerIp: 1_000_000, rateLimitPerUser: 10 }));
    try {
      await strict.listen({ port: 0, host: '127.0.0.1' });
      const address = strict.server.address();
      const strictUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const store = localResultStore(resultsDir);
      const results = await runSteps({ baseUrl: strictUrl, runId: 'local-429', workers: 2, steps: [{ name: 'over-limit', rate: 40, durationSeconds: 2 }], perUserLimitPerMinute: 100_000, store });
      const [step] = aggregateResults(results);
      expect(step.rateLimitedRate).toBeGreaterThan(0);
      expect(step.errorRate).toBe(0);
    } finally {
      await strict.close();
    }
  });
});
