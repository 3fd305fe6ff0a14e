/**
 * The shape of bench/results.json, written by `npm run bench` (bench/app/run.ts) and read by
 * `npm run capacity` (capacity/throughput.ts): one type, so the two cannot drift apart.
 */
export interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** The 1-minute load average when the measurement ended: how busy the shared machine was. */
  loadAverage1m: number;
  /**
   * PostgreSQL CPU time per completed request, in milliseconds (every postgres process,
   * from /proc: bench/app/postgres-cpu.ts). Absent in results from before it was measured.
   */
  databaseCpuMsPerRequest?: number;
}

/** A baseline and its subject measured back to back in every round, and their medians. */
export interface PairResult {
  id: string;
  baseline: string;
  subject: string;
  rounds: Array<{ baseline: Measurement; subject: Measurement; p99Ratio: number }>;
  median: { baseline: Measurement; subject: Measurement };
  requestsPerSecondRatio: number;
  p99Ratio: number;
  p99RatioRange: [number, number];
  p99RatioTarget?: number;
}

export interface BenchResults {
  date: string;
  machine: { cpus: number; model?: string; node: string; loadGeneratorCore: string; serverCore: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  settings: Record<string, unknown>;
  ceiling?: Measurement;
  pairs: PairResult[];
}
