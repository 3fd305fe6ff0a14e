import { CreateClusterCommand, DescribeTasksCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { MIGRATION_RESOURCE_PROPERTIES as P } from '../../../lambda/migration-runner/properties';
import { createHandlers } from '../../../lambda/migration-runner/create-handler';
import { createEcsClient } from '../../../lambda/migration-runner/ecs-client';
import { STARTED_BY } from '../../../lambda/migration-runner/run';
import { startMotoServer, type MotoServer } from '../../support/moto-server';
import { lambdaContext } from '../support/lambda-context';

/**
 * The real entry points (lambda/migration-runner/handler.ts: onEvent and isComplete) against
 * moto's ECS over HTTP: RunTask gets the cluster, task definition and private networking
 * from the resource properties, and isComplete polls DescribeTasks until the task stops
 * (moto walks a task from RUNNING to STOPPED with exit code 0, one state per describe).
 * moto reports exit code 0 for every stopped task, so the failure paths are in run.test.ts.
 */
describe('migration runner against moto', () => {
  const REGION = 'eu-west-1';
  let moto: MotoServer;
  let ecs: ECSClient;
  let handlers: typeof import('../../../lambda/migration-runner/handler');
  const saved = { ...process.env };
  let properties: Record<string, unknown>;

  beforeAll(async () => {
    moto = await startMotoServer();
    Object.assign(process.env, { AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', POWERTOOLS_LOG_LEVEL: 'SILENT', MIGRATION_TIMEOUT_SECONDS: '1800' });
    vi.resetModules();
    handlers = await import('../../../lambda/migration-runner/handler');
    ecs = new ECSClient({ endpoint: moto.endpoint, region: REGION, credentials: moto.credentials });
  });

  afterAll(async () => {
    process.env = saved;
    ecs?.destroy();
    await moto?.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'web' }));
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'migrate',
        // Bridge mode, no FARGATE compatibility: moto 5.2.5 cannot attach a network interface
        // to an awsvpc task (NetworkInterface has no private_dns_name), so the task runs
        // without one here; run.test.ts checks the awsvpc configuration RunTask is sent.
        networkMode: 'bridge',
        // moto sizes tasks from the containers' cpu and memory (Fargate reads the task's).
        containerDefinitions: [{ name: 'Migrate', image: 'app:1', command: ['node', 'migrate.js'], essential: true, cpu: 256, memory: 512 }],
      }),
    );
    properties = {
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
      [P.clusterArn]: cluster!.clusterArn,
      [P.taskDefinitionArn]: taskDefinition!.taskDefinitionArn,
      [P.containerName]: 'Migrate',
      [P.subnetIds]: ['subnet-0a1b2c3d'],
      [P.securityGroupIds]: ['sg-0a1b2c3d'],
      [P.logStreamPrefix]: 'migrate',
    };
  });

  const event = (requestType: 'Create' | 'Update' | 'Delete', physicalResourceId?: string) =>
    ({
      RequestType: requestType,
      RequestId: `request-${requestType}`,
      ResponseURL: 'https://example.com',
      StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Service/1',
      LogicalResourceId: 'Migration',
      ResourceType: 'Custom::DatabaseMigration',
      ServiceToken: properties.ServiceToken as string,
      ResourceProperties: properties,
      ...(physicalResourceId && { PhysicalResourceId: physicalResourceId }),
    }) as unknown as CloudFormationCustomResourceEvent;

  it('starts the migration task in the cluster and reports it complete once it stopped with exit code 0', async () => {
    const started = await handlers.handler(event('Create'), lambdaContext('migration-start', 'r1'));
    const taskArn = started.PhysicalResourceId;
    expect(started.Data).toEqual({ TaskArn: taskArn, StartedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'web', tasks: [taskArn] }));
    expect(tasks![0]).toMatchObject({ taskDefinitionArn: properties[P.taskDefinitionArn], startedBy: STARTED_BY, launchType: 'FARGATE' });

    const polled: boolean[] = [];
    for (let poll = 0; poll < 10 && !polled.at(-1); poll++) {
      // As the provider framework does: the request merged with onEvent's result.
      polled.push((await handlers.isComplete({ ...event('Create'), ...started } as never, lambdaContext('migration-check', 'r1'))).IsComplete);
    }
    expect(polled[0]).toBe(false);
    expect(polled.at(-1)).toBe(true);
  });

  it('runs again on Update (a new task definition) and does nothing on Delete', async () => {
    const first = await handlers.handler(event('Create'), lambdaContext('migration-start', 'r1'));
    const second = await handlers.handler(event('Update', first.PhysicalResourceId), lambdaContext('migration-start', 'r2'));
    expect(second.PhysicalResourceId).not.toBe(first.PhysicalResourceId);
    const deleted = await handlers.handler(event('Delete', second.PhysicalResourceId), lambdaContext('migration-start', 'r3'));
    expect(deleted).toEqual({ PhysicalResourceId: second.PhysicalResourceId });
    expect(await handlers.isComplete({ ...event('Delete'), PhysicalResourceId: second.PhysicalResourceId } as never, lambdaContext('migration-check', 'r3'))).toEqual({ IsComplete: true });
  });

  it('stops the task it gave up on: moto records the stop and its reason', async () => {
    let now = new Date('2026-12-02T03:00:00.000Z');
    const runner = createHandlers({ timeoutSeconds: 60, ecs: createEcsClient({ endpoint: moto.endpoint, region: REGION, credentials: moto.credentials }), now: () => now });
    const started = await runner.onEvent(event('Update', 'arn:aws:ecs:eu-west-1:123456789012:task/web/previous'), lambdaContext('migration-start', 'r1'));
    now = new Date(now.getTime() + 60_000);
    await expect(runner.isComplete({ ...event('Update'), ...started } as never, lambdaContext('migration-check', 'r1'))).rejects.toThrow(/did not finish within the 1 min timeout; the task was stopped/);
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'web', tasks: [started.PhysicalResourceId] }));
    expect(tasks![0]).toMatchObject({ desiredStatus: 'STOPPED', stoppedReason: 'Service deploy (CloudFormation request request-Update) stopped waiting for its migration: it ran past the 1 min timeout' });
  });

  it('fails with the ECS reason when the task definition does not exist', async () => {
    properties[P.taskDefinitionArn] = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/missing:7';
    await expect(handlers.handler(event('Create'), lambdaContext('migration-start', 'r1'))).rejects.toThrow();
  });
});
