/**
 * Whether the Aurora writer has the CPU for the target rate. The app sends every query to
 * the writer (it has no read/write split), so the writer alone must carry the rate.
 *
 * The demand comes from the bench: PostgreSQL's CPU time per request of each kind, measured
 * from /proc around each measurement (bench/app/postgres-cpu.ts), mixed by the load test's
 * request mix. That is a local PostgreSQL on the bench machine, not Aurora on Graviton:
 * Aurora's storage layer takes the WAL and page writes off the instance, TLS adds some CPU,
 * and the CPUs differ, so read it as an estimate to confirm with `npm run loadtest`
 * (CPUUtilization of the writer), not as a measurement of Aurora.
 */
import type { StageConfig } from '../lib/config';
import { instanceVcpus } from '../lib/constructs/aurora-capacity';

/**
 * Share of the writer's vCPUs the target rate may use: the rest is for autovacuum,
 * checkpoints, the rotation and migration sessions, and bursts above the target (the
 * load test's 120 % step) without queueing on the CPU.
 */
export const DATABASE_CPU_UTILISATION = 0.6;
/**
 * vCPUs per Aurora capacity unit. AWS sizes an ACU as about 2 GiB of memory "with
 * corresponding CPU"; the r-family provisioned classes give 8 GiB per vCPU, hence 1/4.
 * An assumption, not a published figure.
 */
export const VCPUS_PER_ACU = 0.25;

/** vCPUs of the writer at its largest: the instance class, or Serverless v2 at maxCapacity. */
export function writerVcpus(config: StageConfig): number {
  const { database } = config;
  if (database.serverless) return database.serverless.maxCapacity * VCPUS_PER_ACU;
  return instanceVcpus(database.instanceClass!);
}

export interface DatabaseCpuFit {
  readonly writerVcpus: number;
  /** vCPUs the target rate may use: writerVcpus × DATABASE_CPU_UTILISATION. */
  readonly plannedVcpus: number;
  /** vCPUs the target rate needs by the bench's measurement; undefined when the bench did not measure it. */
  readonly neededVcpus?: number;
  readonly problem?: string;
}

/** Compares the writer's planned vCPUs with what `targetRate` needs at `cpuMsPerRequest` (the mix's PostgreSQL CPU per request). */
export function databaseCpuFit(config: StageConfig, targetRate: number, cpuMsPerRequest: number | undefined): DatabaseCpuFit {
  const vcpus = writerVcpus(config);
  const plannedVcpus = vcpus * DATABASE_CPU_UTILISATION;
  const writer = config.database.serverless ? `Serverless v2 at maxCapacity ${config.database.serverless.maxCapacity} ACU (~${vcpus} vCPU)` : `database.instanceClass ${config.database.instanceClass} (${vcpus} vCPU)`;
  if (cpuMsPerRequest === undefined) {
    return { writerVcpus: vcpus, plannedVcpus, problem: `database CPU not checked: bench/results.json has no PostgreSQL CPU per request; re-run \`npm run bench\` (all pairs) so the ${writer} can be sized` };
  }
  const neededVcpus = (targetRate * cpuMsPerRequest) / 1000;
  if (neededVcpus <= plannedVcpus) return { writerVcpus: vcpus, plannedVcpus, neededVcpus };
  const fmt = (n: number) => n.toFixed(2);
  return {
    writerVcpus: vcpus,
    plannedVcpus,
    neededVcpus,
    problem:
      `database CPU: ${targetRate} requests/s × ${Number(cpuMsPerRequest.toFixed(3))} ms of PostgreSQL CPU each = ${fmt(neededVcpus)} vCPU on the writer, above the ${fmt(plannedVcpus)} vCPU planned ` +
      `(${writer} × ${DATABASE_CPU_UTILISATION * 100} %): choose a larger database.instanceClass (at least ${Math.ceil(neededVcpus / DATABASE_CPU_UTILISATION)} vCPU) or lower the per-request database work`,
  };
}
