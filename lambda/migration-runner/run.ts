/**
 * The two steps of the migration custom resource, on the provider framework: `start`
 * (onEvent) launches the migration task, `check` (isComplete, polled) reports it done
 * once the task stopped with exit code 0, and fails the resource, with the reason and the
 * log stream, when it stopped any other way. Delete does nothing: a schema is never
 * migrated back by removing the resource.
 */
import { DescribeTasksCommand, RunTaskCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import type { MigrationTask } from './properties';

export type RequestType = 'Create' | 'Update' | 'Delete';

export interface StartResult {
  readonly PhysicalResourceId: string;
  readonly Data?: { readonly TaskArn: string };
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

export async function start(ecs: ECSClient, requestType: RequestType, task: MigrationTask, physicalResourceId?: string): Promise<StartResult> {
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
  return { PhysicalResourceId: taskArn, Data: { TaskArn: taskArn } };
}

function describeStop(found: Task, task: MigrationTask): string {
  const container = found.containers?.find((candidate) => candidate.name === task.containerName);
  const taskId = found.taskArn!.split('/').pop();
  const parts = [
    container?.exitCode === undefined ? 'no exit code' : `exit code ${container.exitCode}`,
    found.stopCode && `stop code ${found.stopCode}`,
    found.stoppedReason && `reason: ${found.stoppedReason}`,
    container?.reason && `container: ${container.reason}`,
  ].filter(Boolean);
  return `migration task ${found.taskArn} failed (${parts.join('; ')}); its log: stream ${task.logStreamPrefix}/${task.containerName}/${taskId}`;
}

export async function check(ecs: ECSClient, requestType: RequestType, task: MigrationTask, taskArn: string): Promise<CheckResult> {
  if (requestType === 'Delete') return { IsComplete: true };
  const response = await ecs.send(new DescribeTasksCommand({ cluster: task.clusterArn, tasks: [taskArn] }));
  const found = response.tasks?.find((candidate) => candidate.taskArn === taskArn);
  if (!found) {
    const reason = response.failures?.[0]?.reason ?? 'not returned';
    throw new MigrationFailedError(`migration task ${taskArn} cannot be described (${reason}); ECS keeps stopped tasks for about an hour`);
  }
  if (found.lastStatus !== 'STOPPED') return { IsComplete: false };
  const exitCode = found.containers?.find((candidate) => candidate.name === task.containerName)?.exitCode;
  if (exitCode !== 0) throw new MigrationFailedError(describeStop(found, task));
  return { IsComplete: true, Data: { TaskArn: taskArn, ExitCode: 0 } };
}
