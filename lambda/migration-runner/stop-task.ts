/**
 * Stopping the migration task when the runner stops waiting for it. A task left running
 * keeps its database session, and with it the migration advisory lock: the rollback's own
 * migration task would then wait on that lock, and the rollback fail too. So whenever the
 * runner gives up (its timeout, or an error after RunTask), it stops the task first and
 * says in the failure whether that worked.
 */
import { StopTaskCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { MigrationTask } from './properties';

/** ECS keeps at most 255 characters of a stop reason. */
export const STOP_REASON_MAX_LENGTH = 255;

/** Which deploy gave up, for the task's stop reason: the stack and the CloudFormation request. */
export interface Deploy {
  readonly stackName: string;
  readonly requestId: string;
}

export function stopReason(deploy: Deploy, why: string): string {
  return `${deploy.stackName} deploy (CloudFormation request ${deploy.requestId}) stopped waiting for its migration: ${why}`.slice(0, STOP_REASON_MAX_LENGTH);
}

/**
 * Stops `taskArn` with `reason`, and says what became of it, for the failure message; when
 * StopTask itself fails, with the command to stop it by hand.
 */
export async function stopTask(ecs: ECSClient, task: MigrationTask, taskArn: string, reason: string): Promise<string> {
  try {
    await ecs.send(new StopTaskCommand({ cluster: task.clusterArn, task: taskArn, reason }));
    return `the task was stopped (reason: ${reason}), which releases the migration lock`;
  } catch (error) {
    const { name, message } = error as Error;
    return `stopping the task failed too (${name}: ${message}): stop it by hand with aws ecs stop-task --cluster ${task.clusterArn} --task ${taskArn}, or it keeps the migration lock`;
  }
}
