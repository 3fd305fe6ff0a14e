import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';
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

/**
 * The opt-in distributed load test of one stage: {@link LoadTest} against the stage's
 * domain, its workers' NAT addresses allow-listed in the stage's web ACL during a run.
 * Deployed only when `loadTest.enabled` (or `-c loadTest=enabled`); destroyed after use.
 */
export class LoadTestStack extends Stack {
  readonly loadTest: LoadTest;

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
    new CfnOutput(this, LOAD_TEST_OUTPUTS.stateMachineArn, { value: this.loadTest.stateMachine.stateMachineArn });
    new CfnOutput(this, LOAD_TEST_OUTPUTS.resultsBucket, { value: this.loadTest.resultsBucket.bucketName });
    // What the report reads from CloudWatch: the load balancer's and the service's metrics.
    new CfnOutput(this, LOAD_TEST_OUTPUTS.loadBalancerFullName, { value: props.webService.loadBalancer.loadBalancerFullName });
    new CfnOutput(this, LOAD_TEST_OUTPUTS.clusterName, { value: props.webService.cluster.clusterName });
    new CfnOutput(this, LOAD_TEST_OUTPUTS.serviceName, { value: props.webService.service.serviceName });
  }
}
