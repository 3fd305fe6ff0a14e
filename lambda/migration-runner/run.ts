/**
 * The two steps of the migration custom resource, on the provider framework: `start`
 * (onEvent) launches the migration task, `check` (isComplete, polled) reports it done
 * once the task stopped with exit code 0, and fails the resource, with the reason and the
 * log stream, when it stopped any other way. When `check` stops waiting while the task may
 * still run (its timeout, or any error), it stops the task first (stop-task.ts). Delete
 * does nothing: a schema is never migrated back by removing the resource.
 */
import { DescribeTasksCommand, RunTaskCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import type { MigrationTask } from './properties';
import { stopReason, stopTask, type Deploy } from './stop-task';

export type RequestType = 'Create' | 'Update' | 'Delete';

export interface StartResult {
  readonly PhysicalResourceId: string;
  /** The provider framework hands Data to every isComplete call: StartedAt is when the wait began. */
  readonly Data?: { readonly TaskArn: string; readonly StartedAt: string };
}

export interface CheckResult {
  readonly IsComplete: boolean;
  readonly Data?: { readonly TaskArn: string; readonly ExitCode: number };
}

/** Shown as the task's `startedBy` (36 characters at most), so a console reader knows who ran it. */
export const STARTED_BY = 'cloudformation-db-migration';

export class MigrationFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationFailedError';
  }
}

export async function start(ecs: ECSClient, requestType: RequestType, task: MigrationTask, physicalResourceId?: string, now: Date = new Date()): Promise<StartResult> {
  if (requestType === 'Delete') return { PhysicalResourceId: physicalResourceId ?? 'none' };
  const response = await ecs.send(
    new RunTaskCommand({
      cluster: task.clusterArn,
      taskDefinition: task.taskDefinitionArn,
      launchType: 'FARGATE',
      count: 1,
      startedBy: STARTED_BY,
      networkConfiguration: {
        awsvpcConfiguration: { subnets: [...task.subnetIds], securityGroups: [...task.securityGroupIds], assignPublicIp: 'DISABLED' },
      },
    }),
  );
  const taskArn = response.tasks?.[0]?.taskArn;
  if (!taskArn) {
    const reasons = (response.failures ?? []).map((failure) => `${failure.arn ?? task.taskDefinitionArn}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`);
    throw new MigrationFailedError(`ECS did not start the migration task: ${reasons.join('; ') || 'no task and no failure returned'}`);
  }
  // The task is the resource: a new run (a new image) is a new physical id, and the old
  // one's Delete is a no-op.
  return { PhysicalResourceId: taskArn, Data: { TaskArn: taskArn, StartedAt: now.toISOString() } };
}

const logStream = (task: MigrationTask, taskArn: string): string => `stream ${task.logStreamPrefix}/${task.containerName}/${taskArn.split('/').pop()}`;

function describeStop(found: Task, task: MigrationTask): string {
  const container = found.containers?.find((candidate) => candidate.name === task.containerName);
  const parts = [
    container?.exitCode === undefined ? 'no exit code' : `exit code ${container.exitCode}`,
    found.stopCode && `stop code ${found.stopCode}`,
    found.stoppedReason && `reason: ${found.stoppedReason}`,
    container?.reason && `container: ${container.reason}`,
  ].filter(Boolean);
  return `migration task ${found.taskArn} failed (${parts.join('; ')}); its log: ${logStream(task, found.taskArn!)}`;
}

/** How long the runner waits for the task, and for which deploy. */
export interface Wait {
  /** The StartedAt that `start` returned (an ISO time), passed back by the provider framework. */
  readonly startedAt: string | undefined;
  /** The DatabaseMigration timeout: past it, the runner stops the task and fails. */
  readonly timeoutSeconds: number;
  readonly now: Date;
  readonly deploy: Deploy;
}

const durationText = (seconds: number): string => (seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);

/**
 * ECS is eventually consistent: DescribeTasks right after RunTask may answer MISSING for a task
 * that exists (RunTask's API reference says to retry with backoff). The provider framework
 * makes its first check at once, so a MISSING answer this early means "not visible yet".
 */
const REGISTRATION_GRACE_MS = 60_000;

/** The task as ECS describes it, or undefined while a just-started task is not visible yet. */
async function describeTask(ecs: ECSClient, task: MigrationTask, taskArn: string, wait: Wait): Promise<Task | undefined> {
  const response = await ecs.send(new DescribeTasksCommand({ cluster: task.clusterArn, tasks: [taskArn] }));
  const found = response.tasks?.find((candidate) => candidate.taskArn === taskArn);
  if (!found) {
    const reason = response.failures?.[0]?.reason ?? 'not returned';
    if (reason === 'MISSING' && waitedMs(wait) < REGISTRATION_GRACE_MS) return undefined;
    throw new MigrationFailedError(`migration task ${taskArn} cannot be described (${reason}); ECS keeps stopped tasks for about an hour`);
  }
  return found;
}

/** Milliseconds the task has been waited for; throws on a StartedAt that is not a time. */
function waitedMs(wait: Wait): number {
  const startedAt = Date.parse(wait.startedAt ?? '');
  if (Number.isNaN(startedAt)) throw new MigrationFailedError(`the provider framework passed no StartedAt time (got ${JSON.stringify(wait.startedAt)}), so the migration's timeout cannot be kept`);
  return wait.now.getTime() - startedAt;
}

export async function check(ecs: ECSClient, requestType: RequestType, task: MigrationTask, taskArn: string, wait: Wait): Promise<CheckResult> {
  if (requestType === 'Delete') return { IsComplete: true };
  let found: Task | undefined;
  let timedOut: boolean;
  try {
    found = await describeTask(ecs, task, taskArn, wait);
    if (!found) return { IsComplete: false };
    timedOut = found.lastStatus !== 'STOPPED' && waitedMs(wait) >= wait.timeoutSeconds * 1000;
  } catch (error) {
    // The task may well still run: stop it rather than leave it holding the lock behind a failed deploy.
    const cause = error as Error;
    throw new MigrationFailedError(`${cause.message}; ${await stopTask(ecs, task, taskArn, stopReason(wait.deploy, `${cause.name}: ${cause.message}`))}`);
  }
  if (timedOut) {
    const limit = durationText(wait.timeoutSeconds);
    const stopped = await stopTask(ecs, task, taskArn, stopReason(wait.deploy, `it ran past the ${limit} timeout`));
    throw new MigrationFailedError(`migration task ${taskArn} did not finish within the ${limit} timeout; ${stopped}; its log: ${logStream(task, taskArn)}`);
  }
  if (found.lastStatus !== 'STOPPED') return { IsComplete: false };
  const exitCode = found.containers?.find((candidate) => candidate.name === task.containerName)?.exitCode;
  if (exitCode !== 0) throw new MigrationFailedError(describeStop(found, task));
  return { IsComplete: true, Data: { TaskArn: taskArn, ExitCode: 0 } };
}
