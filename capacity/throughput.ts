/**
 * Per-task throughput from `npm run bench` (bench/results.json): the saturated rate of one
 * task for the request mix the load generator sends, the harmonic mean of the app's three
 * saturated pairs weighted by the mix (a task spends 1/rate seconds per request of each
 * kind). Each rate is the app side's median over the bench's interleaved rounds.
 */
import { readFileSync } from 'node:fs';
import type { BenchResults } from '../bench/app/results';
import { REQUEST_MIX } from '../loadtest/workload';

/** The bench pairs (bench/app/run.ts) whose app side is measured at saturation, per kind of request. */
export const BENCH_PAIRS = { readById: 'read', list: 'list', write: 'write' } as const;

export interface MeasuredThroughput {
  /** Saturated requests per second of one task for each kind of request. */
  readonly readById: number;
  readonly list: number;
  readonly write: number;
  /** The mix's saturated requests per second per task. */
  readonly mixed: number;
  /** PostgreSQL CPU milliseconds per request of the mix (undefined in results from before the bench measured it). */
  readonly databaseCpuMsPerRequest?: number;
  /** When the bench ran. */
  readonly measuredAt: string;
}

export function mixedThroughput(rates: { readById: number; list: number; write: number }): number {
  return 1 / (REQUEST_MIX.readById / rates.readById + REQUEST_MIX.list / rates.list + REQUEST_MIX.write / rates.write);
}

/** CPU time adds up per request: the mix's is the mix-weighted mean of each kind's. */
export function mixedDatabaseCpu(msPerRequest: { readById: number; list: number; write: number }): number {
  return REQUEST_MIX.readById * msPerRequest.readById + REQUEST_MIX.list * msPerRequest.list + REQUEST_MIX.write * msPerRequest.write;
}

/** Reads the bench results; throws saying what to run when the file or a row is missing. */
export function readBenchResults(path: string): MeasuredThroughput {
  let json: Partial<BenchResults>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path} (${(error as Error).message}): run \`npm run bench\` first, it writes the per-task figures`);
  }
  const rate = (id: string): number => {
    const requestsPerSecond = json.pairs?.find((pair) => pair.id === id)?.median?.subject?.requestsPerSecond;
    if (!(typeof requestsPerSecond === 'number' && requestsPerSecond > 0)) {
      throw new Error(`${path} has no pair "${id}" with a median requests/s for the app: re-run \`npm run bench\` (all pairs, BENCH_PAIRS unset)`);
    }
    return requestsPerSecond;
  };
  const rates = { readById: rate(BENCH_PAIRS.readById), list: rate(BENCH_PAIRS.list), write: rate(BENCH_PAIRS.write) };
  const databaseCpu = (id: string) => json.pairs?.find((pair) => pair.id === id)?.median?.subject?.databaseCpuMsPerRequest;
  const cpu = { readById: databaseCpu(BENCH_PAIRS.readById), list: databaseCpu(BENCH_PAIRS.list), write: databaseCpu(BENCH_PAIRS.write) };
  const databaseCpuMsPerRequest = Object.values(cpu).every((ms) => typeof ms === 'number' && ms >= 0) ? mixedDatabaseCpu(cpu as Record<keyof typeof cpu, number>) : undefined;
  return { ...rates, mixed: mixedThroughput(rates), ...(databaseCpuMsPerRequest !== undefined && { databaseCpuMsPerRequest }), measuredAt: json.date ?? 'unknown' };
}
