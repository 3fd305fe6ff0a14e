import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { CiConfig, StageConfig } from '../config';
import { githubOidcPrincipal, githubOidcProviderArn } from '../constructs/ci-deploy';
import { NagSuppressions } from 'cdk-nag';
import { LoadTest } from '../constructs/load-test';
import type { WebService } from '../constructs/web-service';
import { natEgressAddresses } from './nat-egress';

export interface LoadTestStackProps extends StackProps {
  readonly config: StageConfig;
  /** The Network stack's VPC: workers run in its private subnets and leave through its NAT gateways. */
  readonly vpc: ec2.Vpc;
  /** The web ACL's allow-list IP set (IPv4), matched by a rule ahead of the rate-based rules. */
  readonly allowListIpSet: wafv2.CfnIPSet;
  /** The service under test, whose CloudWatch metrics the report shows next to the workers' figures. */
  readonly webService: WebService;
}

/** Names of the stack outputs `npm run loadtest` reads. */
export const LOAD_TEST_OUTPUTS = {
  stateMachineArn: 'StateMachineArn',
  resultsBucket: 'ResultsBucketName',
  loadBalancerFullName: 'LoadBalancerFullName',
  clusterName: 'ClusterName',
  serviceName: 'ServiceName',
} as const;

/** The NAT gateways' Elastic IPs as /32 CIDRs: the only addresses the workers' traffic leaves the VPC from. */
export function natEgressCidrs(vpc: ec2.Vpc): string[] {
  const addresses = natEgressAddresses(vpc);
  if (addresses.length === 0) throw new Error('LoadTestStack: the VPC has no NAT gateway Elastic IPs; the workers\' egress addresses are unknown');
  return addresses.map((address) => `${address}/32`);
}

/** The GitHub environment of the loadtest workflow's job: the only token subject the runner role trusts. */
export const LOAD_TEST_GITHUB_ENVIRONMENT = 'load-test';

/** Name of the role the loadtest workflow assumes (fixed, so the workflow can name it). */
export function loadTestRunnerRoleName(config: Pick<StageConfig, 'prefix' | 'stage'>): string {
  return `${config.prefix}-${config.stage}-github-loadtest`;
}

/** A run's length (warm-up, four 10-minute steps, task start-ups) plus the report: the workflow's own timeout. */
const RUNNER_SESSION = Duration.hours(2);

/**
 * The opt-in distributed load test of one stage: {@link LoadTest} against the stage's
 * domain, its workers' NAT addresses allow-listed in the stage's web ACL during a run.
 * Deployed only when `loadTest.enabled` (or `-c loadTest=enabled`); destroyed after use.
 */
export class LoadTestStack extends Stack {
  readonly loadTest: LoadTest;
  /**
   * The role the loadtest workflow assumes through GitHub OIDC (stages with a `ci` section):
   * it exists only while the test is deployed, and may only do what `npm run loadtest` does.
   */
  readonly runnerRole?: iam.Role;

  constructor(scope: Construct, id: string, props: LoadTestStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { loadTest } = config;
    const ipSetName = props.allowListIpSet.name;
    if (!ipSetName) throw new Error('LoadTestStack: allowListIpSet must have a name (UpdateIPSet addresses a set by name and id)');
    this.loadTest = new LoadTest(this, 'LoadTest', {
      vpc: props.vpc,
      targetUrl: `https://${config.dns.domainName}`,
      perUserLimitPerMinute: config.service.appRateLimitPerUser,
      maxWorkers: loadTest.workers,
      workerCpu: loadTest.workerCpu,
      workerMemoryMiB: loadTest.workerMemoryMiB,
      allowList: {
        name: ipSetName,
        id: props.allowListIpSet.attrId,
        arn: props.allowListIpSet.attrArn,
        egressCidrs: natEgressCidrs(props.vpc),
        baselineAddresses: props.allowListIpSet.addresses,
      },
      resultsExpiration: Duration.days(loadTest.resultsExpirationDays),
      // Nothing here is worth keeping past the stack: results expire anyway.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (config.ci) {
      this.runnerRole = this.githubRunnerRole(config, config.ci);
      new CfnOutput(this, 'RunnerRoleArn', { value: this.runnerRole.roleArn, description: 'role-to-assume of the loadtest workflow' });
    }
    new CfnOutput(this, LOAD_TEST_OUTPUTS.stateMachineArn, { value: this.loadTest.stateMachine.stateMachineArn });
    new CfnOutput(this, LOAD_TEST_OUTPUTS.resultsBucket, { value: this.loadTest.resultsBucket.bucketName });
    // What the report reads from CloudWatch: the load balancer's and the service's metrics.
    new CfnOutput(this, LOAD_TEST_OUTPUTS.loadBalancerFullName, { value: props.webService.loadBalancer.loadBalancerFullName });
    new CfnOutput(this, LOAD_TEST_OUTPUTS.clusterName, { value: props.webService.cluster.clusterName });
    new CfnOutput(this, LOAD_TEST_OUTPUTS.serviceName, { value: props.webService.service.serviceName });
  }

  /**
   * Trusted by jobs of the repository's `load-test` environment only (its reviewers gate a
   * run); the provider is the account's one, which the CiDeploy stack creates or imports.
   */
  private githubRunnerRole(config: StageConfig, ci: CiConfig): iam.Role {
    const provider = iam.OidcProviderNative.fromOidcProviderArn(this, 'GithubProvider', ci.oidcProviderArn ?? githubOidcProviderArn(this));
    const subject = `repo:${ci.repository}:environment:${LOAD_TEST_GITHUB_ENVIRONMENT}`;
    const role = new iam.Role(this, 'RunnerRole', {
      roleName: loadTestRunnerRoleName(config),
      description: `GitHub Actions load-test runs of ${ci.repository} (${subject}): start and read runs of this stage's load test`,
      maxSessionDuration: RUNNER_SESSION,
      assumedBy: githubOidcPrincipal(provider, subject),
    });
    this.loadTest.grantRun(role);
    // npm run loadtest finds the state machine and bucket in this stack's outputs.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [Aws.STACK_ID] }));
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'cloudwatch:GetMetricData has no resource-level permissions; executions are named per run (execution:<state machine>:*) and results are read under run ids chosen per run, in this stack\'s bucket only.',
          appliesTo: ['Resource::*', { regex: '/^Resource::arn:.*:execution:.*:\\*$/' }, { regex: '/^Resource::<.*Results.*\\.Arn>/\\*$/' }],
        },
      ],
      true,
    );
    return role;
  }
}
