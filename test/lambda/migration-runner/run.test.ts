import { DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseMigrationTask, MIGRATION_RESOURCE_PROPERTIES as P, type MigrationTask } from '../../../lambda/migration-runner/properties';
import { check, MigrationFailedError, start, STARTED_BY, type Wait } from '../../../lambda/migration-runner/run';
import { STOP_REASON_MAX_LENGTH } from '../../../lambda/migration-runner/stop-task';

const TASK: MigrationTask = {
  clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/web',
  taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/migrate:4',
  containerName: 'Migrate',
  subnetIds: ['subnet-0a1b2c3d', 'subnet-0e1f2a3b'],
  securityGroupIds: ['sg-0a1b2c3d'],
  logStreamPrefix: 'migrate',
};
const TASK_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/web/0123456789abcdef';
const STARTED_AT = '2026-12-02T03:00:00.000Z';
/** A wait of 30 minutes that began at STARTED_AT, `elapsedSeconds` ago. */
const waited = (elapsedSeconds: number, overrides: Partial<Wait> = {}): Wait => ({
  startedAt: STARTED_AT,
  timeoutSeconds: 30 * 60,
  now: new Date(Date.parse(STARTED_AT) + elapsedSeconds * 1000),
  deploy: { stackName: 'Bulwark-dev-Service', requestId: 'cfn-request-7' },
  ...overrides,
});
const WAIT = waited(60);

const ecsMock = mockClient(ECSClient);
const ecs = new ECSClient({ region: 'eu-west-1' });
beforeEach(() => ecsMock.reset());

const stopped = (overrides: Partial<Task>, exitCode?: number): Task => ({
  taskArn: TASK_ARN,
  lastStatus: 'STOPPED',
  containers: [{ name: 'Migrate', ...(exitCode !== undefined && { exitCode }) }, { name: 'sidecar', exitCode: 0 }],
  ...overrides,
});

describe('start (onEvent)', () => {
  it('runs the task definition once on Fargate, in the private subnets and security groups, no public IP', async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }] });
    expect(await start(ecs, 'Create', TASK, undefined, new Date(STARTED_AT))).toEqual({ PhysicalResourceId: TASK_ARN, Data: { TaskArn: TASK_ARN, StartedAt: STARTED_AT } });
    expect(ecsMock.commandCalls(RunTaskCommand)[0].args[0].input).toEqual({
      cluster: TASK.clusterArn,
      taskDefinition: TASK.taskDefinitionArn,
      launchType: 'FARGATE',
      count: 1,
      startedBy: STARTED_BY,
      networkConfiguration: { awsvpcConfiguration: { subnets: TASK.subnetIds, securityGroups: TASK.securityGroupIds, assignPublicIp: 'DISABLED' } },
    });
    expect(STARTED_BY.length).toBeLessThanOrEqual(36);
  });

  it('fails with the placement failures ECS returns instead of a task', async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ arn: TASK.taskDefinitionArn, reason: 'RESOURCE:ENI', detail: 'no free addresses' }] });
    await expect(start(ecs, 'Update', TASK)).rejects.toThrow(new MigrationFailedError(`ECS did not start the migration task: ${TASK.taskDefinitionArn}: RESOURCE:ENI (no free addresses)`));
  });

  it('names the task definition for a failure ECS returns without an ARN, and says when it returned nothing at all', async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'AGENT' }] });
    await expect(start(ecs, 'Create', TASK)).rejects.toThrow(`ECS did not start the migration task: ${TASK.taskDefinitionArn}: AGENT`);
    ecsMock.on(RunTaskCommand).resolves({});
    await expect(start(ecs, 'Create', TASK)).rejects.toMatchObject({ name: 'MigrationFailedError', message: 'ECS did not start the migration task: no task and no failure returned' });
  });

  it('passes an API error through (the provider fails the resource with it)', async () => {
    ecsMock.on(RunTaskCommand).rejects(Object.assign(new Error('User is not authorized to perform: iam:PassRole'), { name: 'AccessDeniedException' }));
    await expect(start(ecs, 'Create', TASK)).rejects.toThrow('iam:PassRole');
  });

  it('runs nothing on Delete', async () => {
    expect(await start(ecs, 'Delete', TASK, TASK_ARN)).toEqual({ PhysicalResourceId: TASK_ARN });
    expect(await start(ecs, 'Delete', TASK, undefined)).toEqual({ PhysicalResourceId: 'none' });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
  });
});

describe('check (isComplete)', () => {
  it('is not complete while the task runs', async () => {
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] });
    expect(await check(ecs, 'Create', TASK, TASK_ARN, WAIT)).toEqual({ IsComplete: false });
    expect(ecsMock.commandCalls(DescribeTasksCommand)[0].args[0].input).toEqual({ cluster: TASK.clusterArn, tasks: [TASK_ARN] });
  });

  it('is complete when the migration container exited 0', async () => {
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [stopped({}, 0)] });
    expect(await check(ecs, 'Update', TASK, TASK_ARN, WAIT)).toEqual({ IsComplete: true, Data: { TaskArn: TASK_ARN, ExitCode: 0 } });
  });

  it('fails with the exit code, the stop reason and the log stream when the migration exited non-zero', async () => {
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [stopped({ stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' }, 1)] });
    await expect(check(ecs, 'Create', TASK, TASK_ARN, WAIT)).rejects.toThrow(
      `migration task ${TASK_ARN} failed (exit code 1; stop code EssentialContainerExited; reason: Essential container in task exited); its log: stream migrate/Migrate/0123456789abcdef`,
    );
  });

  it('judges the migration container by name, whatever order ECS lists a sidecar in', async () => {
    const sidecarFirst = (exitCode: number) => stopped({ containers: [{ name: 'sidecar', exitCode: 0 }, { name: 'Migrate', exitCode }] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [sidecarFirst(3)] });
    await expect(check(ecs, 'Create', TASK, TASK_ARN, WAIT)).rejects.toThrow(/failed \(exit code 3\)/);
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [stopped({ containers: [{ name: 'sidecar', exitCode: 0 }, { name: 'Migrate' }] })] });
    await expect(check(ecs, 'Create', TASK, TASK_ARN, WAIT)).rejects.toThrow(/failed \(no exit code\)/);
  });

  it('reads the task it asked about, not another one in the answer', async () => {
    const other = { ...stopped({}, 0), taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/web/ffffffffffffffff' };
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [other, { taskArn: TASK_ARN, lastStatus: 'RUNNING' }] });
    expect(await check(ecs, 'Create', TASK, TASK_ARN, WAIT)).toEqual({ IsComplete: false });
  });

  it('fails a task ECS neither returns nor explains, saying so', async () => {
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [] });
    ecsMock.on(StopTaskCommand).resolves({});
    await expect(check(ecs, 'Create', TASK, TASK_ARN, waited(5))).rejects.toThrow(`migration task ${TASK_ARN} cannot be described (not returned)`);
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [], failures: [] });
    await expect(check(ecs, 'Create', TASK, TASK_ARN, waited(5))).rejects.toThrow(`migration task ${TASK_ARN} cannot be described (not returned)`);
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: TASK_ARN }] });
    await expect(check(ecs, 'Create', TASK, TASK_ARN, waited(5))).rejects.toThrow(`migration task ${TASK_ARN} cannot be described (not returned)`);
  });

  it('fails a task that never ran the container (image pull, secret injection), with the container reason', async () => {
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [stopped({ stopCode: 'TaskFailedToStart', stoppedReason: 'ResourceInitializationError: unable to pull secrets', containers: [{ name: 'Migrate', reason: 'CannotPullContainerError' }] })],
    });
    await expect(check(ecs, 'Create', TASK, TASK_ARN, WAIT)).rejects.toThrow(/no exit code; stop code TaskFailedToStart; reason: ResourceInitializationError: unable to pull secrets; container: CannotPullContainerError/);
  });

  it('keeps waiting while a task started under a minute ago is not visible yet (ECS is eventually consistent), without stopping it', async () => {
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: TASK_ARN, reason: 'MISSING' }] });
    await expect(check(ecs, 'Create', TASK, TASK_ARN, waited(59))).resolves.toEqual({ IsComplete: false });
    expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(0);
  });

  it('fails when ECS no longer knows the task, and still asks ECS to stop it', async () => {
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: TASK_ARN, reason: 'MISSING' }] });
    ecsMock.on(StopTaskCommand).resolves({});
    await expect(check(ecs, 'Create', TASK, TASK_ARN, WAIT)).rejects.toThrow(`migration task ${TASK_ARN} cannot be described (MISSING)`);
    expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(1);
  });

  it('does not stop a task that stopped by itself', async () => {
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [stopped({}, 1)] });
    await expect(check(ecs, 'Create', TASK, TASK_ARN, waited(31 * 60))).rejects.toThrow(/failed \(exit code 1\)/);
    expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(0);
  });

  it('is complete on Delete without asking ECS', async () => {
    expect(await check(ecs, 'Delete', TASK, TASK_ARN, WAIT)).toEqual({ IsComplete: true });
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });
});

describe('check (isComplete) giving up: the task it leaves would hold the migration lock', () => {
  beforeEach(() => ecsMock.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] }));

  it('keeps waiting until the timeout', async () => {
    expect(await check(ecs, 'Update', TASK, TASK_ARN, waited(30 * 60 - 1))).toEqual({ IsComplete: false });
    expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(0);
  });

  it('stops the task at the timeout, with a reason naming the deploy, and fails saying so', async () => {
    ecsMock.on(StopTaskCommand).resolves({});
    const failure = check(ecs, 'Update', TASK, TASK_ARN, waited(30 * 60));
    await expect(failure).rejects.toThrow(MigrationFailedError);
    await expect(failure).rejects.toThrow(
      `migration task ${TASK_ARN} did not finish within the 30 min timeout; the task was stopped (reason: Bulwark-dev-Service deploy (CloudFormation request cfn-request-7) stopped waiting for its migration: it ran past the 30 min timeout), which releases the migration lock; its log: stream migrate/Migrate/0123456789abcdef`,
    );
    expect(ecsMock.commandCalls(StopTaskCommand).map((call) => call.args[0].input)).toEqual([
      { cluster: TASK.clusterArn, task: TASK_ARN, reason: 'Bulwark-dev-Service deploy (CloudFormation request cfn-request-7) stopped waiting for its migration: it ran past the 30 min timeout' },
    ]);
  });

  it('stops the task when DescribeTasks fails (after the client\'s retries), and fails with that error', async () => {
    ecsMock.on(DescribeTasksCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    ecsMock.on(StopTaskCommand).resolves({});
    await expect(check(ecs, 'Create', TASK, TASK_ARN, WAIT)).rejects.toThrow(/^Rate exceeded; the task was stopped \(reason: .*: ThrottlingException: Rate exceeded\)/);
    expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(1);
  });

  it('stops the task when the provider passed no start time, since the timeout cannot be kept', async () => {
    ecsMock.on(StopTaskCommand).resolves({});
    await expect(check(ecs, 'Create', TASK, TASK_ARN, waited(60, { startedAt: undefined }))).rejects.toThrow(/passed no StartedAt time \(got undefined\).*the task was stopped/);
    expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(1);
  });

  it('says how to stop the task by hand when StopTask fails too', async () => {
    ecsMock.on(StopTaskCommand).rejects(Object.assign(new Error('not authorized to perform: ecs:StopTask'), { name: 'AccessDeniedException' }));
    await expect(check(ecs, 'Update', TASK, TASK_ARN, waited(45 * 60))).rejects.toThrow(
      `stopping the task failed too (AccessDeniedException: not authorized to perform: ecs:StopTask): stop it by hand with aws ecs stop-task --cluster ${TASK.clusterArn} --task ${TASK_ARN}, or it keeps the migration lock`,
    );
  });

  it('keeps the stop reason within the 255 characters ECS allows', async () => {
    ecsMock.on(StopTaskCommand).resolves({});
    const deploy = { stackName: 'S'.repeat(128), requestId: 'r'.repeat(100) };
    await expect(check(ecs, 'Update', TASK, TASK_ARN, waited(30 * 60, { deploy }))).rejects.toThrow(MigrationFailedError);
    expect(ecsMock.commandCalls(StopTaskCommand)[0].args[0].input.reason).toHaveLength(STOP_REASON_MAX_LENGTH);
  });
});

describe('resource properties', () => {
  const valid = {
    [P.clusterArn]: TASK.clusterArn,
    [P.taskDefinitionArn]: TASK.taskDefinitionArn,
    [P.containerName]: TASK.containerName,
    [P.subnetIds]: TASK.subnetIds,
    [P.securityGroupIds]: TASK.securityGroupIds,
    [P.logStreamPrefix]: TASK.logStreamPrefix,
  };

  it('parses what the construct sends, in any partition', () => {
    expect(parseMigrationTask(valid)).toEqual(TASK);
    const govCloud = {
      ...valid,
      [P.clusterArn]: 'arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/web',
      [P.taskDefinitionArn]: 'arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/migrate:12',
    };
    expect(parseMigrationTask(govCloud)).toMatchObject({ clusterArn: govCloud[P.clusterArn], taskDefinitionArn: govCloud[P.taskDefinitionArn] });
  });

  it.each([
    [P.clusterArn, 'web', 'ClusterArn must be an ECS cluster ARN, got "web"'],
    [P.taskDefinitionArn, 'arn:aws:ecs:eu-west-1:123456789012:task-definition/migrate', 'TaskDefinitionArn must be an ECS task definition ARN with its revision'],
    [P.subnetIds, [], 'SubnetIds must be a non-empty list of subnet ids, got []'],
    [P.securityGroupIds, ['subnet-0a1b2c3d'], 'SecurityGroupIds must be a non-empty list of security group ids'],
    [P.containerName, undefined, 'ContainerName must be a container name, got undefined'],
    // Whole values only: nothing before or after what the pattern allows.
    [P.clusterArn, `x${TASK.clusterArn}`, 'ClusterArn must be an ECS cluster ARN'],
    [P.clusterArn, `${TASK.clusterArn}/x`, 'ClusterArn must be an ECS cluster ARN'],
    [P.taskDefinitionArn, `x${TASK.taskDefinitionArn}`, 'TaskDefinitionArn must be'],
    [P.taskDefinitionArn, `${TASK.taskDefinitionArn}x`, 'TaskDefinitionArn must be'],
    [P.subnetIds, ['xsubnet-0a1b2c3d'], 'SubnetIds must be a non-empty list of subnet ids'],
    [P.subnetIds, ['subnet-0a1b2c3d x'], 'SubnetIds must be a non-empty list of subnet ids'],
    [P.subnetIds, ['subnet-0a1b2c3d', 'subnet-zz'], 'SubnetIds must be a non-empty list of subnet ids'],
    [P.securityGroupIds, ['xsg-0a1b2c3d'], 'SecurityGroupIds must be'],
    [P.securityGroupIds, ['sg-0a1b2c3d x'], 'SecurityGroupIds must be'],
    [P.containerName, ' Migrate', 'ContainerName must be a container name'],
    [P.containerName, 'Migrate ', 'ContainerName must be a container name'],
    [P.logStreamPrefix, '/migrate', 'LogStreamPrefix must be a log stream prefix, got "/migrate"'],
    [P.logStreamPrefix, 'migrate/', 'LogStreamPrefix must be a log stream prefix'],
  ])('refuses a bad %s, naming it', (name, value, message) => {
    expect(() => parseMigrationTask({ ...valid, [name]: value })).toThrow(message);
  });
});
