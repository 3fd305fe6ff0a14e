import { DescribeTasksCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandlers } from '../../../lambda/migration-runner/create-handler';
import { MIGRATION_RESOURCE_PROPERTIES as P } from '../../../lambda/migration-runner/properties';
import { captureOutput, type CapturedOutput } from '../support/captured-output';
import { lambdaContext } from '../support/lambda-context';

const TASK_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/web/0123456789abcdef';
const properties = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
  [P.clusterArn]: 'arn:aws:ecs:eu-west-1:123456789012:cluster/web',
  [P.taskDefinitionArn]: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/migrate:4',
  [P.containerName]: 'Migrate',
  [P.subnetIds]: ['subnet-0a1b2c3d'],
  [P.securityGroupIds]: ['sg-0a1b2c3d'],
  [P.logStreamPrefix]: 'migrate',
};
const event = (overrides: Record<string, unknown> = {}) =>
  ({ RequestType: 'Create', RequestId: 'cfn-request-1', ResourceProperties: properties, ...overrides }) as unknown as CloudFormationCustomResourceEvent;

describe('migration runner handlers', () => {
  const ecsMock = mockClient(ECSClient);
  let output: CapturedOutput;
  beforeEach(() => {
    ecsMock.reset();
    output = captureOutput();
  });
  afterEach(() => vi.restoreAllMocks());

  it('logs one line per call, correlated by the CloudFormation request id', async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] });
    const { onEvent, isComplete } = createHandlers({ ecs: new ECSClient({ region: 'eu-west-1' }) });
    await onEvent(event(), lambdaContext('start', 'invoke-1'));
    await isComplete({ ...event(), PhysicalResourceId: TASK_ARN } as never, lambdaContext('check', 'invoke-2'));
    expect(output.logs().map((line) => [line.message, line.correlation_id, line.taskArn])).toEqual([
      ['migration task started', 'cfn-request-1', TASK_ARN],
      ['migration task running', 'cfn-request-1', TASK_ARN],
    ]);
  });

  it('logs a failure at error level and rethrows it, so the provider fails the resource with its message', async () => {
    const { onEvent } = createHandlers({ ecs: new ECSClient({ region: 'eu-west-1' }) });
    await expect(onEvent(event({ ResourceProperties: { ...properties, [P.subnetIds]: [] } }), lambdaContext('start', 'invoke-3'))).rejects.toThrow('SubnetIds must be a non-empty list');
    expect(output.logs()).toEqual([expect.objectContaining({ level: 'ERROR', message: 'migration step failed', correlation_id: 'cfn-request-1' })]);
    expect(ecsMock.calls()).toHaveLength(0);
  });
});
