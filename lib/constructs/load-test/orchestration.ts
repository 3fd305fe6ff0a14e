/**
 * The run as a Step Functions definition. Input (built by `npm run loadtest`, see
 * loadtest/plan.ts):
 *
 *   { "runId": "...", "steps": [ { "name": "warmup", "durationSeconds": "120",
 *     "timeoutSeconds": 720, "workers": [ { "workerId": "worker-0", "rate": "250" }, ... ] }, ... ] }
 *
 * Steps run one after another (the warm-up first, then the ramp); within a step every
 * worker is one Fargate task started with RunTask and awaited (.sync), all in parallel.
 * Numbers the containers read are strings, because container overrides take strings.
 */
import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { LoadTestAllowList } from './props';

export interface RunDefinitionProps {
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly subnets: ec2.SubnetSelection;
  readonly maxWorkers: number;
  readonly allowList?: LoadTestAllowList;
}

/** Environment variables each worker task gets from the state machine (the rest is in the task definition). */
export const PER_RUN_VARIABLES = ['RUN_ID', 'STEP', 'WORKER_ID', 'RATE', 'DURATION_SECONDS'] as const;

/** Sets the allow-list IP set to `addresses`: read its lock token, then update it. */
function setAllowList(scope: Construct, id: string, allowList: LoadTestAllowList, addresses: string[]): sfn.Chain {
  const ipSet = { Name: allowList.name, Scope: 'REGIONAL', Id: allowList.id };
  const read = new tasks.CallAwsService(scope, `${id}ReadLockToken`, {
    service: 'wafv2',
    action: 'getIPSet',
    iamAction: 'wafv2:GetIPSet',
    iamResources: [allowList.arn],
    parameters: ipSet,
    resultSelector: { lockToken: sfn.JsonPath.stringAt('$.LockToken') },
    resultPath: '$.allowList',
  });
  const update = new tasks.CallAwsService(scope, `${id}Update`, {
    service: 'wafv2',
    action: 'updateIPSet',
    iamAction: 'wafv2:UpdateIPSet',
    iamResources: [allowList.arn],
    parameters: { ...ipSet, Addresses: addresses, LockToken: sfn.JsonPath.stringAt('$.allowList.lockToken') },
    resultPath: sfn.JsonPath.DISCARD,
  });
  // Another writer between read and update makes WAF refuse the stale token: read again.
  update.addRetry({ errors: ['WafV2.WafOptimisticLockException'], maxAttempts: 3, interval: Duration.seconds(2) });
  return read.next(update);
}

function workerTask(scope: Construct, props: RunDefinitionProps): tasks.EcsRunTask {
  const variable = (name: (typeof PER_RUN_VARIABLES)[number], path: string): tasks.TaskEnvironmentVariable => ({ name, value: sfn.JsonPath.stringAt(path) });
  const task = new tasks.EcsRunTask(scope, 'RunWorker', {
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    cluster: props.cluster,
    taskDefinition: props.taskDefinition,
    launchTarget: new tasks.EcsFargateLaunchTarget({ platformVersion: ecs.FargatePlatformVersion.LATEST }),
    assignPublicIp: false,
    subnets: props.subnets,
    securityGroups: [props.securityGroup],
    taskTimeout: sfn.Timeout.at('$.timeoutSeconds'),
    containerOverrides: [
      {
        containerDefinition: props.container,
        environment: [
          variable('RUN_ID', '$.runId'),
          variable('STEP', '$.step'),
          variable('WORKER_ID', '$.worker.workerId'),
          variable('RATE', '$.worker.rate'),
          variable('DURATION_SECONDS', '$.durationSeconds'),
        ],
      },
    ],
    resultPath: sfn.JsonPath.DISCARD,
  });
  // Fargate capacity is not always there on the first ask; a worker that ran and failed is not retried.
  task.addRetry({ errors: ['ECS.AmazonECSException'], maxAttempts: 3, interval: Duration.seconds(20), backoffRate: 2 });
  return task;
}

/** The whole run: open the allow list, every step in turn, close it again (also on failure). */
export function runDefinition(scope: Construct, props: RunDefinitionProps): sfn.IChainable {
  const workers = new sfn.Map(scope, 'RunWorkers', {
    comment: 'Every worker of one step, in parallel',
    itemsPath: '$.step.workers',
    maxConcurrency: props.maxWorkers,
    itemSelector: {
      runId: sfn.JsonPath.stringAt('$.runId'),
      step: sfn.JsonPath.stringAt('$.step.name'),
      durationSeconds: sfn.JsonPath.stringAt('$.step.durationSeconds'),
      timeoutSeconds: sfn.JsonPath.numberAt('$.step.timeoutSeconds'),
      worker: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  workers.itemProcessor(workerTask(scope, props));

  const steps = new sfn.Map(scope, 'RunSteps', {
    comment: 'The warm-up, then each ramp step, one after another',
    itemsPath: '$.steps',
    maxConcurrency: 1,
    itemSelector: { runId: sfn.JsonPath.stringAt('$.runId'), step: sfn.JsonPath.stringAt('$$.Map.Item.Value') },
    resultPath: sfn.JsonPath.DISCARD,
  });
  steps.itemProcessor(workers);

  const succeeded = new sfn.Succeed(scope, 'Done');
  const failed = new sfn.Fail(scope, 'RunFailed', { error: 'LoadTestFailed', causePath: '$.failure.Cause' });
  const allowList = props.allowList;
  if (!allowList) {
    steps.addCatch(failed, { resultPath: '$.failure' });
    return steps.next(succeeded);
  }
  const baseline = allowList.baselineAddresses ?? [];
  steps.addCatch(setAllowList(scope, 'CloseAllowListAfterFailure', allowList, baseline).next(failed), { resultPath: '$.failure' });
  return setAllowList(scope, 'OpenAllowList', allowList, [...baseline, ...allowList.egressCidrs])
    .next(steps)
    .next(setAllowList(scope, 'CloseAllowList', allowList, baseline))
    .next(succeeded);
}
