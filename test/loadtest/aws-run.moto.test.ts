/**
 * The AWS path of `npm run loadtest`: stack outputs (CloudFormation), the state machine
 * (Step Functions) and the results (S3) on a moto server over real HTTP. moto keeps an
 * execution RUNNING forever, so the success path and CloudWatch's metric data (moto has no
 * percentile statistics) use aws-sdk-client-mock.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, DescribeExecutionCommand, DescribeExecutionCommandOutput, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readLoadTestOutputs, runOnAws, startAndWait } from '../../loadtest/aws-run';
import { createLatencyHistogram, encodeHistogram, recordMs } from '../../loadtest/histogram';
import { s3ResultStore } from '../../loadtest/result-store';
import { storeResult } from '../../loadtest/run-steps';
import { fetchServiceMetrics } from '../../loadtest/service-metrics';
import { startMotoServer, type MotoServer } from '../support/moto-server';

const REGION = 'eu-west-1';
const STACK = 'Bulwark-prod-LoadTest';
const BUCKET = 'bulwark-prod-loadtest-results';
const settings = { runId: 'prod-20261201t000000', targetRate: 100, workers: 2, rampPercents: [100], warmUpSeconds: 0, stepSeconds: 60 };

let moto: MotoServer;
const client = <T>(Client: new (config: object) => T): T => new Client({ endpoint: moto.endpoint, region: REGION, credentials: moto.credentials, forcePathStyle: true });

async function deployFakeLoadTestStack(stateMachineArn: string): Promise<void> {
  const output = (value: string) => ({ Value: value });
  const template = {
    Resources: { Placeholder: { Type: 'AWS::SNS::Topic' } },
    Outputs: {
      StateMachineArn: output(stateMachineArn),
      ResultsBucketName: output(BUCKET),
      LoadBalancerFullName: output('app/bulwark-prod/0123456789abcdef'),
      ClusterName: output('bulwark-prod'),
      ServiceName: output('web'),
    },
  };
  await client(CloudFormationClient).send(new CreateStackCommand({ StackName: STACK, TemplateBody: JSON.stringify(template) }));
}

async function createStateMachine(): Promise<string> {
  const definition = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
  const { stateMachineArn } = await client(SFNClient).send(new CreateStateMachineCommand({ name: 'loadtest', roleArn: 'arn:aws:iam::123456789012:role/loadtest', definition }));
  return stateMachineArn!;
}

beforeAll(async () => {
  moto = await startMotoServer();
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
});

describe('on moto', () => {
  it('reads the LoadTest stack\'s outputs, and says which one is missing', async () => {
    await deployFakeLoadTestStack('arn:aws:states:eu-west-1:123456789012:stateMachine:loadtest');
    expect(await readLoadTestOutputs(client(CloudFormationClient), STACK)).toEqual({
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:loadtest',
      resultsBucket: BUCKET,
      loadBalancerFullName: 'app/bulwark-prod/0123456789abcdef',
      clusterName: 'bulwark-prod',
      serviceName: 'web',
    });
    await client(CloudFormationClient).send(new CreateStackCommand({ StackName: 'Empty', TemplateBody: JSON.stringify({ Resources: { Placeholder: { Type: 'AWS::SNS::Topic' } } }) }));
    await expect(readLoadTestOutputs(client(CloudFormationClient), 'Empty')).rejects.toThrow('stack Empty has no output StateMachineArn: is the LoadTest stack deployed');
  });

  it('starts the execution named after the run with the plan as input, and gives up at the deadline', async () => {
    const sfn = client(SFNClient);
    const arn = await createStateMachine();
    let clock = 0;
    const progress: string[] = [];
    await expect(
      startAndWait(sfn, arn, settings, { pollSeconds: 60, onProgress: (m) => progress.push(m), sleep: async (ms) => void (clock += ms), now: () => clock }),
    ).rejects.toThrow(/still running after \d+ s, past its deadline/);
    expect(progress[0]).toMatch(/^started arn:aws:states:eu-west-1:123456789012:execution:loadtest:prod-20261201t000000; waiting at most 11 min$/);
    expect(progress.filter((m) => m.startsWith('running')).length).toBeGreaterThan(1);
  });

  it('reads every worker\'s results of the run from the bucket once the execution succeeded', async () => {
    const arn = await createStateMachine();
    await deployFakeLoadTestStack(arn);
    const s3 = client(S3Client);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    for (const workerId of ['worker-0', 'worker-1']) {
      const histogram = createLatencyHistogram();
      recordMs(histogram, 12);
      await storeResult(s3ResultStore(s3, BUCKET), {
        runId: settings.runId, step: 'step-1-100pct', workerId, targetRate: 50, startedAt: '2026-12-01T00:00:00.000Z', endedAt: '2026-12-01T00:01:00.000Z',
        outcomes: { ok2xx: 1, other3xx4xx: 0, rateLimited: 0, server5xx: 0, transportErrors: 0 }, histogram: encodeHistogram(histogram),
      });
    }
    // moto never finishes an execution: the state machine's answers come from a mock, the rest from moto.
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${arn}:run` });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', startDate: new Date('2026-12-01T00:00:00Z'), stopDate: new Date('2026-12-01T00:02:00Z') } as DescribeExecutionCommandOutput);
    const cloudWatch = mockClient(CloudWatchClient);
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    try {
      const run = await runOnAws(
        { cloudFormation: client(CloudFormationClient), stepFunctions: new SFNClient({ region: REGION }), s3, cloudWatch: new CloudWatchClient({ region: REGION }) },
        STACK,
        settings,
        { pollSeconds: 1, onProgress: () => undefined },
      );
      expect(run.results.map((r) => r.workerId)).toEqual(['worker-0', 'worker-1']);
      const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
      expect(start.name).toBe(settings.runId);
      expect(JSON.parse(start.input!).steps[0].workers).toEqual([{ workerId: 'worker-0', rate: '50' }, { workerId: 'worker-1', rate: '50' }]);
      expect(cloudWatch.commandCalls(GetMetricDataCommand)[0].args[0].input.StartTime).toEqual(new Date('2026-12-01T00:00:00Z'));
    } finally {
      sfn.restore();
      cloudWatch.restore();
    }
  });
});

describe('with mocked clients', () => {
  it('fails with the execution\'s error when the run fails', async () => {
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'LoadTestFailed', cause: 'worker-3 exited 1' } as DescribeExecutionCommandOutput);
    try {
      await expect(startAndWait(new SFNClient({ region: REGION }), 'arn:sm', settings, { pollSeconds: 1, onProgress: () => undefined })).rejects.toThrow(
        'run prod-20261201t000000 ended FAILED: LoadTestFailed worker-3 exited 1',
      );
    } finally {
      sfn.restore();
    }
  });

  it('merges the ALB and ECS series per minute over every page: p99 in ms, target and ELB 5xx summed', async () => {
    const cloudWatch = mockClient(CloudWatchClient);
    const t1 = new Date('2026-12-01T00:01:00Z');
    const t2 = new Date('2026-12-01T00:02:00Z');
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'albP99', Timestamps: [t1, t2], Values: [0.0315, 0.048] }, { Id: 'target5xx', Timestamps: [t1], Values: [3] }], NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'elb5xx', Timestamps: [t1], Values: [2] }, { Id: 'requests', Timestamps: [t1, t2], Values: [600_000, 590_000] }, { Id: 'tasks', Timestamps: [t2], Values: [12] }] });
    try {
      const points = await fetchServiceMetrics(new CloudWatchClient({ region: REGION }), { loadBalancerFullName: 'app/x/1', clusterName: 'c', serviceName: 's' }, t1, t2);
      expect(points).toEqual([
        { time: t1.toISOString(), albP99Ms: 31.5, server5xx: 5, requests: 600_000, runningTasks: undefined },
        { time: t2.toISOString(), albP99Ms: 48, server5xx: undefined, requests: 590_000, runningTasks: 12 },
      ]);
      const queries = cloudWatch.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries!;
      expect(queries.find((q) => q.Id === 'albP99')!.MetricStat).toMatchObject({ Stat: 'p99', Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/x/1' }] } });
      expect(cloudWatch.commandCalls(GetMetricDataCommand)[1].args[0].input.NextToken).toBe('page-2');
    } finally {
      cloudWatch.restore();
    }
  });
});
