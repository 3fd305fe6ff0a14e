/**
 * Per-task throughput from `npm run bench` (bench/results.json): the saturated rate of one
 * task for the request mix the load generator sends, the harmonic mean of the three app
 * rows weighted by the mix (a task spends 1/rate seconds per request of each kind).
 */
import { readFileSync } from 'node:fs';
import { REQUEST_MIX } from '../loadtest/workload';

export const BENCH_ROWS = { readById: 'app GET /v1/notes/:id', list: 'app GET /v1/notes?limit=20', write: 'app POST /v1/notes' } as const;

export interface MeasuredThroughput {
  /** Saturated requests per second of one task for each kind of request. */
  readonly readById: number;
  readonly list: number;
  readonly write: number;
  /** The mix's saturated requests per second per task. */
  readonly mixed: number;
  /** When the bench ran. */
  readonly measuredAt: string;
}

export function mixedThroughput(rates: { readById: number; list: number; write: number }): number {
  return 1 / (REQUEST_MIX.readById / rates.readById + REQUEST_MIX.list / rates.list + REQUEST_MIX.write / rates.write);
}

/** Reads the bench results; throws saying what to run when the file or a row is missing. */
export function readBenchResults(path: string): MeasuredThroughput {
  let json: { date?: string; rows?: Array<{ name: string; requestsPerSecond: number }> };
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path} (${(error as Error).message}): run \`npm run bench\` first, it writes the per-task figures`);
  }
  const rate = (name: string): number => {
    const row = json.rows?.find((r) => r.name === name);
    if (!row || !(row.requestsPerSecond > 0)) throw new Error(`${path} has no row "${name}" with requestsPerSecond: re-run \`npm run bench\``);
    return row.requestsPerSecond;
  };
  const rates = { readById: rate(BENCH_ROWS.readById), list: rate(BENCH_ROWS.list), write: rate(BENCH_ROWS.write) };
  return { ...rates, mixed: mixedThroughput(rates), measuredAt: json.date ?? 'unknown' };
}
