import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { skipCheckov } from '../internal/checkov';
import { grantGuardDutyAgentPull } from '../internal/guardduty-fargate-agent';
import { createLogsEncryptionKey } from '../internal/logs-encryption-key';
import { runDefinition } from './orchestration';
import type { LoadTestProps } from './props';

export type { LoadTestAllowList, LoadTestProps } from './props';
export { PER_RUN_VARIABLES } from './orchestration';

/** The generator's folder in this repository; its Dockerfile builds the default image (context: loadtest/ only). */
export const LOAD_GENERATOR_DIRECTORY = path.join(__dirname, '..', '..', '..', 'loadtest');

const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const TARGET_URL = /^https?:\/\/[^\s/]+$/;
/** Fargate memory sizes (MiB) for the CPU sizes a worker may use. */
const WORKER_MEMORY: Record<number, (memory: number) => boolean> = {
  512: (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  1024: (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  2048: (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  4096: (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
};

/**
 * A distributed load test of an HTTP service, run on demand: a Fargate task definition for
 * the load generator (autocannon at a fixed rate, one HDR histogram per step), a Step
 * Functions state machine that runs a warm-up and a ramp of steps with N workers in
 * parallel each, and a bucket the workers write their histograms to. Nothing runs until
 * the state machine is started (`npm run loadtest`); between runs it costs nothing but
 * the stored results.
 *
 * Load-test traffic comes from a handful of NAT addresses at thousands of requests a
 * second, which is what a WAF's rate-based rules exist to block. With `allowList`, the
 * state machine adds the workers' egress addresses to an IP set that an allow rule ahead
 * of the rate-based rules matches, for the length of the run only, and restores the set
 * afterwards (on failure too). An IP set was chosen over a secret header: the addresses
 * are the NAT gateways' own, which nobody outside the VPC can send from, nothing secret
 * has to reach the workers or the web ACL, and the exemption ends with the run instead of
 * living in the web ACL.
 */
export class LoadTest extends Construct {
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  readonly resultsBucket: s3.Bucket;
  readonly stateMachine: sfn.StateMachine;
  readonly workerLogGroup: logs.LogGroup;
  readonly stateMachineLogGroup: logs.LogGroup;
  /** Largest number of workers a step runs at once. */
  readonly maxWorkers: number;

  constructor(scope: Construct, id: string, props: LoadTestProps) {
    super(scope, id);
    const settings = resolveSettings(props);
    this.maxWorkers = settings.maxWorkers;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.resultsBucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: props.resultsExpiration ?? Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy,
      autoDeleteObjects: false,
    });
    // The bucket holds latency histograms of synthetic traffic: no personal or business data.
    NagSuppressions.addResourceSuppressions(this.resultsBucket, [
      { id: 'AwsSolutions-S1', reason: 'Results are written once per worker and step by the workers\' task role and read by the operator\'s report; CloudTrail data events cover the audit need of a bucket of latency histograms.' },
      { id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: 'See AwsSolutions-S1: a bucket of latency histograms written once per worker and step.' },
      { id: 'NIST.800.53.R5-S3BucketVersioningEnabled', reason: 'Each object is written once under a unique run/step/worker key and expires with the lifecycle rule; versions would keep nothing.' },
      { id: 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason: 'Latency histograms of synthetic test traffic carry no personal or business data; SSE-S3 encrypts them at rest without a key every worker and report reader must be granted.' },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: 'Test results are reproducible by re-running the test and expire after days; there is nothing to recover in another region.' },
    ]);
    skipCheckov(this.resultsBucket, [
      { id: 'CKV_AWS_18', comment: 'See the AwsSolutions-S1 reason: a bucket of latency histograms written once per worker and step.' },
      { id: 'CKV_AWS_21', comment: 'Each object is written once under a unique run/step/worker key and expires with the lifecycle rule; versions would keep nothing.' },
    ]);

    const logsKey = createLogsEncryptionKey(this, 'LogsKey', 'Load test worker and state machine logs', removalPolicy);
    const logGroup = (logId: string) => new logs.LogGroup(this, logId, { retention: logRetention, encryptionKey: logsKey, removalPolicy });
    this.workerLogGroup = logGroup('WorkerLogs');
    this.stateMachineLogGroup = logGroup('StateMachineLogs');

    this.cluster = props.cluster ?? new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: settings.workerCpu,
      memoryLimitMiB: settings.workerMemoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.container = this.taskDefinition.addContainer('Worker', {
      image: props.image ?? defaultImage(),
      readonlyRootFilesystem: true,
      user: '1000',
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.workerLogGroup, streamPrefix: 'worker' }),
      environment: {
        TARGET_URL: props.targetUrl,
        RATE_LIMIT_PER_USER: String(props.perUserLimitPerMinute),
        RESULTS_BUCKET: this.resultsBucket.bucketName,
      },
    });
    // The worker writes its results and nothing else: no read, no list, no delete, no ACLs.
    this.taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.resultsBucket.arnForObjects('*')] }));
    grantGuardDutyAgentPull(this.taskDefinition);

    this.securityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc: props.vpc,
      description: 'Load-test workers: outbound HTTPS only (target and S3), no inbound',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the target and AWS APIs');

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(
        runDefinition(this, {
          cluster: this.cluster,
          taskDefinition: this.taskDefinition,
          container: this.container,
          securityGroup: this.securityGroup,
          subnets: props.workerSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          maxWorkers: settings.maxWorkers,
          allowList: props.allowList,
        }),
      ),
      timeout: props.timeout ?? Duration.hours(4),
      tracingEnabled: true,
      logs: { destination: this.stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.suppressGeneratedFindings();
  }

  /**
   * What starting a run and reporting on it needs (`npm run loadtest`, loadtest/aws-run.ts):
   * start executions of this state machine and follow them, list and read the results
   * bucket, and read CloudWatch metrics for the report. Nothing that writes results,
   * changes the allow list or runs a task: the state machine does those with its own role.
   */
  grantRun(grantee: iam.IGrantable): iam.Grant {
    const grants = [
      this.stateMachine.grantStartExecution(grantee),
      this.stateMachine.grantExecution(grantee, 'states:DescribeExecution'),
      iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.resultsBucket.bucketArn] }),
      iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [this.resultsBucket.arnForObjects('*')] }),
      // GetMetricData has no resource-level permissions: it is granted on "*" or not at all.
      iam.Grant.addToPrincipal({ grantee, actions: ['cloudwatch:GetMetricData'], resourceArns: ['*'] }),
    ];
    return grants.reduce((all, grant) => all.combine(grant));
  }

  /** Findings on what CDK generates for the task and the .sync integration, each with its reason. */
  private suppressGeneratedFindings(): void {
    NagSuppressions.addResourceSuppressions(this.taskDefinition, [
      { id: 'AwsSolutions-ECS2', reason: 'The environment holds the target URL, the results bucket name and the app\'s per-token limit, none of them secret; the per-run values arrive as container overrides.' },
    ]);
    NagSuppressions.addResourceSuppressions(
      this.taskDefinition.obtainExecutionRole(),
      [{ id: 'AwsSolutions-IAM5', reason: 'ecr:GetAuthorizationToken has no resource-level permissions and must be granted on "*"; pulls and log writes are scoped to the repository and log group.', appliesTo: ['Resource::*'] }],
      true,
    );
    NagSuppressions.addResourceSuppressions(
      this.taskDefinition.taskRole,
      [{ id: 'AwsSolutions-IAM5', reason: 'Workers write objects under run/step/worker keys that are chosen per run; the grant is s3:PutObject on this bucket\'s objects only.', appliesTo: [{ regex: '/^Resource::<.*Results.*\\.Arn>/\\*$/' }] }],
      true,
    );
    NagSuppressions.addResourceSuppressions(
      this.stateMachine.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'X-Ray and CloudWatch Logs delivery actions have no resource-level permissions; RunTask is granted on the revisions of the one task definition family (a revision is not known before deployment).',
          // "*": X-Ray and log delivery; the family's revisions (task-definition/family:*) for RunTask.
          appliesTo: ['Resource::*', { regex: '/^Resource::arn:.*:\\*$/' }],
        },
      ],
      true,
    );
  }
}

interface Settings {
  readonly maxWorkers: number;
  readonly workerCpu: number;
  readonly workerMemoryMiB: number;
}

/** Validates the props, naming each bad one; every problem is reported at once. */
function resolveSettings(props: LoadTestProps): Settings {
  const problems: string[] = [];
  const settings = { maxWorkers: props.maxWorkers ?? 10, workerCpu: props.workerCpu ?? 1024, workerMemoryMiB: props.workerMemoryMiB ?? 2048 };
  if (!Number.isInteger(settings.maxWorkers) || settings.maxWorkers < 1 || settings.maxWorkers > 200) problems.push(`maxWorkers must be an integer between 1 and 200 (got ${settings.maxWorkers})`);
  const memoryFits = WORKER_MEMORY[settings.workerCpu];
  if (!memoryFits) problems.push(`workerCpu must be one of ${Object.keys(WORKER_MEMORY).join(', ')} (got ${settings.workerCpu})`);
  else if (!memoryFits(settings.workerMemoryMiB)) problems.push(`workerMemoryMiB ${settings.workerMemoryMiB} is not a Fargate memory size for workerCpu ${settings.workerCpu}`);
  if (!Token.isUnresolved(props.targetUrl) && !TARGET_URL.test(props.targetUrl)) problems.push(`targetUrl must be http(s)://host without a path (got "${props.targetUrl}")`);
  if (!(Number.isInteger(props.perUserLimitPerMinute) && props.perUserLimitPerMinute > 0)) problems.push(`perUserLimitPerMinute must be a positive integer (got ${props.perUserLimitPerMinute})`);
  if (props.allowList) {
    const { egressCidrs, baselineAddresses = [] } = props.allowList;
    if (egressCidrs.length === 0) problems.push('allowList.egressCidrs must list the workers\' egress addresses (an allow list that adds nothing identifies nothing)');
    [...egressCidrs.map((c, i) => [`allowList.egressCidrs[${i}]`, c]), ...baselineAddresses.map((c, i) => [`allowList.baselineAddresses[${i}]`, c])].forEach(([field, cidr]) => {
      if (!Token.isUnresolved(cidr) && !IPV4_CIDR.test(cidr)) problems.push(`${field} must be an IPv4 CIDR such as 192.0.2.10/32 (got "${cidr}")`);
    });
  }
  if (problems.length > 0) throw new Error(`Invalid LoadTest props:\n  - ${problems.join('\n  - ')}`);
  return settings;
}

/** This repository's generator, built from loadtest/Dockerfile at deploy time; the installed package has no loadtest/. */
function defaultImage(): ecs.ContainerImage {
  if (!existsSync(path.join(LOAD_GENERATOR_DIRECTORY, 'Dockerfile'))) {
    throw new Error('LoadTest: pass `image`: the default image is the Bulwark repository\'s own load generator, which the package does not ship');
  }
  return ecs.ContainerImage.fromAsset(LOAD_GENERATOR_DIRECTORY, { platform: Platform.LINUX_ARM64 });
}

