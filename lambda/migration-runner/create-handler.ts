import { Logger } from '@aws-lambda-powertools/logger';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { createEcsClient } from './ecs-client';
import { parseMigrationTask } from './properties';
import { check, start, type CheckResult, type StartResult } from './run';

export const SERVICE_NAME = 'db-migration-runner';

export interface HandlerOptions {
  /** The DatabaseMigration timeout: isComplete stops the task and fails once it has waited this long. */
  readonly timeoutSeconds: number;
  readonly logger?: Logger;
  readonly ecs?: ECSClient;
  /** The clock; tests move it past the timeout. */
  readonly now?: () => Date;
}

/** The provider framework's event: the CloudFormation request, plus the onEvent result when polling. */
type ProviderEvent = CloudFormationCustomResourceEvent & { readonly PhysicalResourceId?: string; readonly Data?: { readonly StartedAt?: string } };

/** `arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>` → `<name>`. */
const stackName = (stackId: string | undefined): string => stackId?.split('/')[1] ?? 'unknown stack';

/**
 * The two provider-framework handlers: `onEvent` starts the task, `isComplete` polls it.
 * Both log one line per call, correlated by the CloudFormation request id.
 */
export function createHandlers(options: HandlerOptions) {
  const logger = options.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const ecs = options.ecs ?? createEcsClient();
  const now = options.now ?? (() => new Date());
  const withContext = <T>(run: (event: ProviderEvent) => Promise<T>) =>
    async (event: ProviderEvent, context: Context): Promise<T> => {
      logger.addContext(context);
      logger.setCorrelationId(event.RequestId);
      try {
        return await run(event);
      } catch (error) {
        logger.error('migration step failed', error as Error);
        throw error;
      }
    };
  const onEvent = withContext(async (event): Promise<StartResult> => {
    const task = parseMigrationTask(event.ResourceProperties);
    const result = await start(ecs, event.RequestType, task, event.PhysicalResourceId, now());
    logger.info('migration task started', { requestType: event.RequestType, taskArn: result.Data?.TaskArn, taskDefinitionArn: task.taskDefinitionArn });
    return result;
  });
  const isComplete = withContext(async (event): Promise<CheckResult> => {
    const task = parseMigrationTask(event.ResourceProperties);
    const result = await check(ecs, event.RequestType, task, event.PhysicalResourceId!, {
      startedAt: event.Data?.StartedAt,
      timeoutSeconds: options.timeoutSeconds,
      now: now(),
      deploy: { stackName: stackName(event.StackId), requestId: event.RequestId },
    });
    logger.info(result.IsComplete ? 'migration task finished' : 'migration task running', { requestType: event.RequestType, taskArn: event.PhysicalResourceId });
    return result;
  });
  return { onEvent, isComplete };
}
