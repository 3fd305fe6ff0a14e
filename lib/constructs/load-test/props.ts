import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as logs from 'aws-cdk-lib/aws-logs';

/**
 * The WAF IP set whose addresses are always allowed (a rule evaluated before the
 * rate-based rules, such as {@link EdgeProtection}'s allow list). The state machine puts
 * the workers' egress addresses into it for the length of a run and takes them out again,
 * also when the run fails.
 */
export interface LoadTestAllowList {
  /** Name of the regional IPv4 IP set. */
  readonly name: string;
  /** Its id (UpdateIPSet addresses a set by name, scope and id). */
  readonly id: string;
  readonly arn: string;
  /**
   * The IPv4 CIDRs the workers' traffic leaves from: the NAT gateways' Elastic IPs of the
   * subnets the workers run in (`/32` each).
   */
  readonly egressCidrs: string[];
  /**
   * Addresses the set holds outside a run; the set is restored to exactly these.
   * @default - empty: the set holds nothing between runs
   */
  readonly baselineAddresses?: string[];
}

export interface LoadTestProps {
  /** VPC the workers run in; they need outbound HTTPS to the target and to S3. */
  readonly vpc: ec2.IVpc;
  /** Base URL the workers drive, `https://host` (no path). */
  readonly targetUrl: string;
  /** The app's per-token limit in requests per minute: each worker registers enough users to stay at half of it. */
  readonly perUserLimitPerMinute: number;
  /**
   * Largest number of workers a step runs at once (the Map state's concurrency); the run's
   * plan may use fewer. Counts against the Fargate vCPU quota: `maxWorkers × workerCpu`.
   * @default 10
   */
  readonly maxWorkers?: number;
  /**
   * Fargate CPU units per worker (1024 = 1 vCPU).
   * @default 1024
   */
  readonly workerCpu?: number;
  /**
   * Memory per worker in MiB (a valid Fargate size for `workerCpu`).
   * @default 2048
   */
  readonly workerMemoryMiB?: number;
  /**
   * Subnets the workers run in. Their NAT addresses are what {@link LoadTestAllowList.egressCidrs} lists.
   * @default - the VPC's private subnets with egress
   */
  readonly workerSubnets?: ec2.SubnetSelection;
  /**
   * ECS cluster for the workers.
   * @default - a new cluster in `vpc`, with Container Insights
   */
  readonly cluster?: ecs.ICluster;
  /**
   * The generator image.
   * @default - built at deploy time from this repository's loadtest/Dockerfile (ARM64)
   */
  readonly image?: ecs.ContainerImage;
  /**
   * How load-test traffic is identified to the WAF. Without it the WAF's rate-based rules
   * see a few NAT addresses sending thousands of requests a second and block them.
   * @default - none: the traffic is not identified
   */
  readonly allowList?: LoadTestAllowList;
  /**
   * How long results (histograms) are kept in the bucket.
   * @default Duration.days(30)
   */
  readonly resultsExpiration?: Duration;
  /**
   * Longest a whole run may take; the state machine is stopped after it.
   * @default Duration.hours(4)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the workers' and the state machine's logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the results bucket and log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
