/**
 * How many tasks the stage's target rate needs, and whether the stage's config fits them:
 * the task bound, the scaling target, the database's connection limit and the writer's CPU.
 */
import type { StageConfig } from '../lib/config';
import { defaultMaxConnections, instanceMemoryBytes, serverlessMemoryBytes } from '../lib/constructs/aurora-capacity';
import { databaseCpuFit, type DatabaseCpuFit } from './database-cpu';

export interface FitOptions {
  /** Share of its measured saturated rate a task is planned to run at; the rest is headroom. */
  readonly utilisation: number;
  /**
   * PostgreSQL CPU milliseconds per request of the mix, from the bench.
   * @default - not measured: the database CPU check fails saying so
   */
  readonly databaseCpuMsPerRequest?: number;
}

export interface CapacityFit {
  readonly targetRate: number;
  readonly perTaskSaturated: number;
  readonly perTaskPlanned: number;
  readonly tasksNeeded: number;
  /**
   * Tasks the autoscaling policy will actually run at the target rate: the request-count
   * target tracking scales to rate / scalingTargetPerTask, which is more than tasksNeeded
   * when the scaling target is below the planned per-task rate (within maxTasks). This is
   * what the stage pays for.
   */
  readonly tasksScaledTo: number;
  /** Requests per second per task the ALB request-count policy scales at. */
  readonly scalingTargetPerTask: number;
  /** Connections every task's pool may open at maxTasks, doubled while a deployment runs both sets. */
  readonly peakConnections: number;
  readonly maxConnections: number;
  /** The writer's CPU against the target rate's database CPU. */
  readonly databaseCpu: DatabaseCpuFit;
  readonly problems: string[];
}

/** Connections PostgreSQL keeps for superusers, and what rotation, migrations and operators need beside the app. */
const RESERVED_CONNECTIONS = 3 + 10;
/** ECS starts a full new set of tasks before it stops the old (maximum healthy 200 %). */
const DEPLOYMENT_FACTOR = 2;

function writerMemoryBytes(config: StageConfig): number {
  const { database } = config;
  if (database.serverless) return serverlessMemoryBytes(database.serverless.maxCapacity);
  return instanceMemoryBytes(database.instanceClass!);
}

export function capacityFit(config: StageConfig, perTaskSaturated: number, options: FitOptions): CapacityFit {
  if (!(options.utilisation > 0 && options.utilisation <= 1)) throw new Error(`utilisation must be in (0, 1] (got ${options.utilisation})`);
  const { service } = config;
  const targetRate = config.loadTest.targetRequestsPerSecond;
  const perTaskPlanned = perTaskSaturated * options.utilisation;
  const tasksNeeded = Math.max(service.minTasks, Math.ceil(targetRate / perTaskPlanned));
  const scalingTargetPerTask = service.targetRequestsPerTarget / 60;
  const tasksScaledTo = Math.min(service.maxTasks, Math.max(tasksNeeded, Math.ceil(targetRate / scalingTargetPerTask)));
  const peakConnections = service.maxTasks * service.databasePoolSize * DEPLOYMENT_FACTOR;
  const maxConnections = defaultMaxConnections(writerMemoryBytes(config));
  const problems: string[] = [];
  const round = (n: number) => Math.round(n);
  if (tasksNeeded > service.maxTasks) {
    problems.push(`service.maxTasks ${service.maxTasks} is below the ${tasksNeeded} tasks ${targetRate} requests/s needs at ${round(perTaskPlanned)} requests/s per task (${options.utilisation * 100} % of the measured ${round(perTaskSaturated)})`);
  }
  if (scalingTargetPerTask > perTaskPlanned) {
    problems.push(`service.targetRequestsPerTarget ${service.targetRequestsPerTarget} per minute (${round(scalingTargetPerTask)}/s per task) is above the planned ${round(perTaskPlanned)}/s per task: scale-out starts only once tasks are past their headroom; set it to at most ${Math.floor(perTaskPlanned * 60)}`);
  }
  if (peakConnections > maxConnections - RESERVED_CONNECTIONS) {
    problems.push(`database connections: ${service.maxTasks} tasks × databasePoolSize ${service.databasePoolSize} × ${DEPLOYMENT_FACTOR} during a deployment = ${peakConnections}, above the ${maxConnections - RESERVED_CONNECTIONS} the writer allows (max_connections ${maxConnections} - ${RESERVED_CONNECTIONS} reserved): lower service.databasePoolSize or choose a larger database.instanceClass`);
  }
  const databaseCpu = databaseCpuFit(config, targetRate, options.databaseCpuMsPerRequest);
  if (databaseCpu.problem) problems.push(databaseCpu.problem);
  return { targetRate, perTaskSaturated, perTaskPlanned, tasksNeeded, tasksScaledTo, scalingTargetPerTask, peakConnections, maxConnections, databaseCpu, problems };
}
