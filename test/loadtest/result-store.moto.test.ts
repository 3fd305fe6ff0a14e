/** Results written to and read back from S3 on a moto server over real HTTP. */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aggregateResults, loadRunResults } from '../../loadtest/aggregate';
import { createLatencyHistogram, encodeHistogram, recordMs } from '../../loadtest/histogram';
import { s3ResultStore } from '../../loadtest/result-store';
import { storeResult } from '../../loadtest/run-steps';
import type { StepResult } from '../../loadtest/step-result';
import { startMotoServer, type MotoServer } from '../support/moto-server';

let moto: MotoServer;
let s3: S3Client;
const BUCKET = 'bulwark-loadtest-results';

beforeAll(async () => {
  moto = await startMotoServer();
  s3 = new S3Client({ endpoint: moto.endpoint, region: 'eu-west-1', credentials: moto.credentials, forcePathStyle: true });
});
afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
});

function result(step: string, workerId: string, latencyMs: number, count: number): StepResult {
  const histogram = createLatencyHistogram();
  for (let i = 0; i < count; i++) recordMs(histogram, latencyMs);
  return {
    runId: 'run-s3',
    step,
    workerId,
    targetRate: 50,
    startedAt: '2026-12-01T00:00:00.000Z',
    endedAt: '2026-12-01T00:00:10.000Z',
    outcomes: { ok2xx: count, other3xx4xx: 0, rateLimited: 0, server5xx: 0, transportErrors: 0 },
    histogram: encodeHistogram(histogram),
  };
}

describe('the S3 result store', () => {
  it('writes each worker\'s result under run/step/worker and the aggregator merges them back', async () => {
    const store = s3ResultStore(s3, BUCKET);
    await storeResult(store, result('step-1', 'worker-0', 4, 990));
    await storeResult(store, result('step-1', 'worker-1', 300, 10));
    await storeResult(store, { ...result('step-1', 'worker-0', 4, 1), runId: 'run-s3-other' });

    expect(await store.list('run-s3/')).toEqual(['run-s3/step-1/worker-0.json', 'run-s3/step-1/worker-1.json']);
    const loaded = await loadRunResults(store, 'run-s3');
    const [step] = aggregateResults(loaded);
    // 1 % of the 1,000 requests took 300 ms: the merged p99.9 is that, p50 is the fast worker's.
    expect(step.count).toBe(1000);
    expect(step.p999Ms).toBeCloseTo(300, 0);
    expect(step.p50Ms).toBeCloseTo(4, 1);
  });

  it('says which run has no results, and where it looked', async () => {
    await expect(loadRunResults(s3ResultStore(s3, BUCKET), 'missing-run')).rejects.toThrow(`no results for run "missing-run" in s3://${BUCKET}`);
  });

  it('names the object and field of a stored result that is not one', async () => {
    const store = s3ResultStore(s3, BUCKET);
    await store.put('run-bad/step-1/worker-0.json', JSON.stringify({ ...result('step-1', 'worker-0', 1, 1), outcomes: { ok2xx: -1 } }));
    await expect(loadRunResults(store, 'run-bad')).rejects.toThrow(`s3://${BUCKET}/run-bad/step-1/worker-0.json: outcomes.ok2xx must be a count`);
  });
});
