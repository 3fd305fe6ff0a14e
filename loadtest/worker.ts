/**
 * One load-generator worker for one step: autocannon at a fixed rate for a bounded time,
 * every response's latency into an HDR histogram, then one {@link StepResult}.
 *
 * autocannon paces `overallRate` per second across its connections; a request that waits
 * for a free connection is timed from when it is sent, so with too few connections the
 * tail is understated (coordinated omission). The worker therefore opens enough
 * connections for the rate at a generous latency (see `connectionsFor`).
 */
import autocannon from 'autocannon';
import { createLatencyHistogram, encodeHistogram, recordMs } from './histogram';
import type { OutcomeCounts, StepResult } from './step-result';
import type { LoadUser } from './users';
import { mixedRequest } from './workload';

export interface WorkerRun {
  readonly baseUrl: string;
  readonly runId: string;
  readonly step: string;
  readonly workerId: string;
  /** Requests per second for this worker. */
  readonly rate: number;
  readonly durationSeconds: number;
  readonly users: readonly LoadUser[];
  /** Per-request timeout. @default 10 */
  readonly timeoutSeconds?: number;
}

/** Connections that carry `rate` requests/s even when each takes this long. */
const PLANNING_LATENCY_SECONDS = 0.2;
const MAX_CONNECTIONS = 1000;

export function connectionsFor(rate: number): number {
  return Math.min(MAX_CONNECTIONS, Math.max(2, Math.ceil(rate * PLANNING_LATENCY_SECONDS)));
}

export async function runWorker(run: WorkerRun): Promise<StepResult> {
  if (!(run.rate > 0) || !(run.durationSeconds > 0)) throw new Error(`runWorker: rate and durationSeconds must be positive (got ${run.rate}, ${run.durationSeconds})`);
  const histogram = createLatencyHistogram();
  const counts = { ok2xx: 0, other3xx4xx: 0, rateLimited: 0, server5xx: 0 };
  const startedAt = new Date().toISOString();
  const options: autocannon.Options = {
    url: run.baseUrl,
    connections: connectionsFor(run.rate),
    overallRate: run.rate,
    duration: run.durationSeconds,
    timeout: run.timeoutSeconds ?? 10,
    requests: [{ setupRequest: mixedRequest(run.users) }],
  };
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    recordMs(histogram, responseTimeMs);
    if (statusCode === 429) counts.rateLimited++;
    else if (statusCode >= 500) counts.server5xx++;
    else if (statusCode >= 300) counts.other3xx4xx++;
    else counts.ok2xx++;
  });
  const result = await done;
  // autocannon counts a timeout in `errors` too (and again in `timeouts`).
  const outcomes: OutcomeCounts = { ...counts, transportErrors: result.errors };
  return {
    runId: run.runId,
    step: run.step,
    workerId: run.workerId,
    targetRate: run.rate,
    startedAt,
    endedAt: new Date().toISOString(),
    outcomes,
    histogram: encodeHistogram(histogram),
  };
}
