import { DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandlers } from '../../../lambda/migration-runner/create-handler';
import { MIGRATION_RESOURCE_PROPERTIES as P } from '../../../lambda/migration-runner/properties';
import { captureOutput, type CapturedOutput } from '../support/captured-output';
import { lambdaContext } from '../support/lambda-context';
import { timeoutFromEnvironment } from '../../../lambda/migration-runner/timeout';

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
  ({
    RequestType: 'Create',
    RequestId: 'cfn-request-1',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Bulwark-dev-Service/5f0e2a10-0000-0000-0000-000000000000',
    ResourceProperties: properties,
    ...overrides,
  }) as unknown as CloudFormationCustomResourceEvent;
/** What the provider framework hands isComplete: the request merged with onEvent's result (framework.js createResponseEvent). */
const polled = (started: object) => ({ ...event(), ...started }) as never;
/** A clock the test moves. */
const clock = (start: string) => {
  let current = Date.parse(start);
  return { now: () => new Date(current), advance: (seconds: number) => void (current += seconds * 1000) };
};

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
    const { onEvent, isComplete } = createHandlers({ timeoutSeconds: 1800, ecs: new ECSClient({ region: 'eu-west-1' }) });
    const started = await onEvent(event(), lambdaContext('start', 'invoke-1'));
    await isComplete(polled(started), lambdaContext('check', 'invoke-2'));
    expect(output.logs().map((line) => [line.message, line.correlation_id, line.taskArn])).toEqual([
      ['migration task started', 'cfn-request-1', TASK_ARN],
      ['migration task running', 'cfn-request-1', TASK_ARN],
    ]);
    // The default logger names the service the log queries filter on.
    expect(output.logs().map((line) => line.service)).toEqual(['db-migration-runner', 'db-migration-runner']);

    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'STOPPED', containers: [{ name: 'Migrate', exitCode: 0 }] }] });
    expect(await isComplete(polled(started), lambdaContext('check', 'invoke-3'))).toMatchObject({ IsComplete: true });
    expect(output.logs().at(-1)).toMatchObject({ message: 'migration task finished', requestType: 'Create', taskArn: TASK_ARN });
  });

  it('measures the timeout from onEvent\'s StartedAt, then stops the task naming the stack and request, and logs the failure', async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] });
    ecsMock.on(StopTaskCommand).resolves({});
    const time = clock('2026-12-02T03:00:00.000Z');
    const { onEvent, isComplete } = createHandlers({ timeoutSeconds: 300, ecs: new ECSClient({ region: 'eu-west-1' }), now: time.now });
    const started = await onEvent(event({ RequestType: 'Update' }), lambdaContext('start', 'invoke-1'));
    expect(started.Data).toEqual({ TaskArn: TASK_ARN, StartedAt: '2026-12-02T03:00:00.000Z' });
    time.advance(299);
    expect(await isComplete(polled(started), lambdaContext('check', 'invoke-2'))).toEqual({ IsComplete: false });
    time.advance(1);
    await expect(isComplete(polled(started), lambdaContext('check', 'invoke-3'))).rejects.toThrow(/did not finish within the 5 min timeout; the task was stopped/);
    expect(ecsMock.commandCalls(StopTaskCommand).map((call) => call.args[0].input.reason)).toEqual([
      'Bulwark-dev-Service deploy (CloudFormation request cfn-request-1) stopped waiting for its migration: it ran past the 5 min timeout',
    ]);
    expect(output.logs().at(-1)).toMatchObject({ level: 'ERROR', message: 'migration step failed', correlation_id: 'cfn-request-1' });
  });

  it('logs a failure at error level and rethrows it, so the provider fails the resource with its message', async () => {
    const { onEvent } = createHandlers({ timeoutSeconds: 1800, ecs: new ECSClient({ region: 'eu-west-1' }) });
    await expect(onEvent(event({ ResourceProperties: { ...properties, [P.subnetIds]: [] } }), lambdaContext('start', 'invoke-3'))).rejects.toThrow('SubnetIds must be a non-empty list');
    expect(output.logs()).toEqual([expect.objectContaining({ level: 'ERROR', message: 'migration step failed', correlation_id: 'cfn-request-1' })]);
    expect(ecsMock.calls()).toHaveLength(0);
  });

  it('reads its timeout from MIGRATION_TIMEOUT_SECONDS, refusing anything but whole seconds', () => {
    expect(timeoutFromEnvironment({ MIGRATION_TIMEOUT_SECONDS: '1800' })).toBe(1800);
    for (const bad of [undefined, '', '0', '30m', '1.5']) {
      expect(() => timeoutFromEnvironment({ MIGRATION_TIMEOUT_SECONDS: bad })).toThrow(`MIGRATION_TIMEOUT_SECONDS must be a whole number of seconds, got ${JSON.stringify(bad)}`);
    }
  });
});
