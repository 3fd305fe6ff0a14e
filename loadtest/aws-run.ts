/**
 * The AWS path of `npm run loadtest`: read the LoadTest stack's outputs, start the state
 * machine with the plan, wait (bounded, with progress), then read the workers' results
 * from S3 and the service's metrics from CloudWatch.
 */
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { LOAD_TEST_OUTPUTS } from '../lib/stacks/load-test-stack';
import { loadRunResults } from './aggregate';
import { runDeadlineSeconds, stateMachineInput, type RunSettings } from './plan';
import { s3ResultStore } from './result-store';
import { fetchServiceMetrics, type ServiceMetricPoint } from './service-metrics';
import type { StepResult } from './step-result';

export type LoadTestOutputs = Record<keyof typeof LOAD_TEST_OUTPUTS, string>;

export interface AwsClients {
  readonly cloudFormation: CloudFormationClient;
  readonly stepFunctions: SFNClient;
  readonly s3: S3Client;
  readonly cloudWatch: CloudWatchClient;
}

export async function readLoadTestOutputs(client: CloudFormationClient, stackName: string): Promise<LoadTestOutputs> {
  const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const entries = Object.entries(LOAD_TEST_OUTPUTS).map(([key, outputKey]) => {
    const value = outputs.get(outputKey);
    if (!value) throw new Error(`stack ${stackName} has no output ${outputKey}: is the LoadTest stack deployed (-c loadTest=enabled)?`);
    return [key, value];
  });
  return Object.fromEntries(entries) as LoadTestOutputs;
}

export interface WaitOptions {
  readonly pollSeconds: number;
  readonly onProgress: (message: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** Starts the run and waits for it, at most the plan's deadline; throws on failure or timeout. */
export async function startAndWait(client: SFNClient, stateMachineArn: string, settings: RunSettings, wait: WaitOptions): Promise<{ start: Date; end: Date }> {
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = wait.now ?? Date.now;
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name: settings.runId, input: JSON.stringify(stateMachineInput(settings)) }));
  if (!executionArn) throw new Error('StartExecution returned no execution ARN');
  const started = now();
  const deadline = started + runDeadlineSeconds(settings) * 1000;
  wait.onProgress(`started ${executionArn}; waiting at most ${Math.round(runDeadlineSeconds(settings) / 60)} min`);
  for (;;) {
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    const elapsed = Math.round((now() - started) / 1000);
    if (execution.status === 'SUCCEEDED') {
      wait.onProgress(`run succeeded after ${elapsed} s`);
      return { start: execution.startDate ?? new Date(started), end: execution.stopDate ?? new Date(now()) };
    }
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      throw new Error(`run ${settings.runId} ended ${execution.status}: ${execution.error ?? ''} ${execution.cause ?? ''}`.trim());
    }
    if (now() >= deadline) throw new Error(`run ${settings.runId} still running after ${elapsed} s, past its deadline; stop it in the Step Functions console`);
    wait.onProgress(`running, ${elapsed} s elapsed`);
    await sleep(wait.pollSeconds * 1000);
  }
}

export interface AwsRunResult {
  readonly results: StepResult[];
  readonly metrics: ServiceMetricPoint[];
}

export async function runOnAws(clients: AwsClients, stackName: string, settings: RunSettings, wait: WaitOptions): Promise<AwsRunResult> {
  const outputs = await readLoadTestOutputs(clients.cloudFormation, stackName);
  const window = await startAndWait(clients.stepFunctions, outputs.stateMachineArn, settings, wait);
  const results = await loadRunResults(s3ResultStore(clients.s3, outputs.resultsBucket), settings.runId);
  const metrics = await fetchServiceMetrics(clients.cloudWatch, outputs, window.start, window.end);
  return { results, metrics };
}
