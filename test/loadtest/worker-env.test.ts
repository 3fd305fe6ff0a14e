import { describe, expect, it } from 'vitest';
import { parseWorkerEnv } from '../../loadtest/worker-env';
import { usersNeeded } from '../../loadtest/users';
import { connectionsFor } from '../../loadtest/worker';

const valid = {
  TARGET_URL: 'https://api.example.com',
  RUN_ID: 'run-1',
  STEP: 'step-2-100pct',
  WORKER_ID: 'worker-3',
  RATE: '1000',
  DURATION_SECONDS: '600',
  RATE_LIMIT_PER_USER: '600',
  RESULTS_BUCKET: 'results-bucket',
};

describe('the worker environment', () => {
  it('reads a complete environment', () => {
    expect(parseWorkerEnv(valid)).toMatchObject({ targetUrl: 'https://api.example.com', rate: 1000, durationSeconds: 600, results: { bucket: 'results-bucket' } });
    const { RESULTS_BUCKET: _bucket, ...local } = valid;
    expect(parseWorkerEnv({ ...local, RESULTS_DIR: '/tmp/results' }).results).toEqual({ directory: '/tmp/results' });
  });

  it('names every bad variable at once', () => {
    let message = '';
    try {
      parseWorkerEnv({ ...valid, TARGET_URL: 'api.example.com', RATE: '0', STEP: 'Step 1', RESULTS_DIR: '/tmp/x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/TARGET_URL must match/);
    expect(message).toMatch(/RATE must be a positive number \(got "0"\)/);
    expect(message).toMatch(/STEP must match/);
    expect(message).toMatch(/exactly one of RESULTS_BUCKET and RESULTS_DIR/);
  });

  it('reports a missing variable by name', () => {
    const { RUN_ID: _run, ...rest } = valid;
    expect(() => parseWorkerEnv(rest)).toThrow(/RUN_ID is required/);
  });
});

describe('worker sizing', () => {
  it('spreads a worker\'s rate over tokens at half the per-token limit', () => {
    // 600 a minute is 10/s; at half of it each token carries 5/s: 1,000/s needs 200 tokens.
    expect(usersNeeded(1000, 600)).toBe(200);
    expect(usersNeeded(1, 600)).toBe(1);
  });

  it('opens connections for the rate at 200 ms each, within bounds', () => {
    expect(connectionsFor(1000)).toBe(200);
    expect(connectionsFor(1)).toBe(2);
    expect(connectionsFor(100_000)).toBe(1000);
  });
});
