import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Construct } from 'constructs';
import { WEB_SERVICE_DEFAULTS as D } from './defaults';
import type { WebServiceProps } from './props';
import type { ResolvedSettings } from './settings';
import type { WebTask } from './task';

/** The Fargate service, its security group and the target group it registers in. */
export interface WebFargateService {
  readonly cluster: ecs.ICluster;
  readonly service: ecs.FargateService;
  readonly securityGroup: ec2.SecurityGroup;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
}

/**
 * The Fargate service (circuit breaker with rollback, no public IPs, desired count left to
 * autoscaling) in the given or a new cluster, registered behind `listener`, with a rule to
 * the database when there is one.
 */
export function createFargateService(
  scope: Construct,
  props: WebServiceProps,
  settings: ResolvedSettings,
  task: WebTask,
  listener: elbv2.ApplicationListener,
): WebFargateService {
  const cluster =
    props.cluster ??
    new ecs.Cluster(scope, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: settings.containerInsights,
    });

  const securityGroup = new ec2.SecurityGroup(scope, 'ServiceSecurityGroup', {
    vpc: props.vpc,
    description: 'Web service tasks: in only from the ALB on the app port',
    allowAllOutbound: settings.allowAllOutbound,
  });
  if (!settings.allowAllOutbound) {
    // AWS APIs (Secrets Manager, ECR, CloudWatch, tracing) over HTTPS, through NAT or
    // interface endpoints; the database rule is added below.
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');
  }

  const service = new ecs.FargateService(scope, 'Service', {
    cluster,
    taskDefinition: task.taskDefinition,
    platformVersion: ecs.FargatePlatformVersion.LATEST,
    vpcSubnets: settings.taskSubnets,
    assignPublicIp: false,
    securityGroups: [securityGroup],
    circuitBreaker: { enable: true, rollback: true },
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    enableExecuteCommand: settings.enableExecuteCommand,
    healthCheckGracePeriod: D.healthCheckGracePeriod,
    propagateTags: ecs.PropagatedTagSource.SERVICE,
    // desiredCount is deliberately unset: autoscaling owns it, so a deployment does not
    // reset a scaled-out fleet to a fixed number.
  });

  const targetGroup = new elbv2.ApplicationTargetGroup(scope, 'TargetGroup', {
    vpc: props.vpc,
    targetType: elbv2.TargetType.IP,
    protocol: settings.targetProtocol,
    port: settings.containerPort,
    deregistrationDelay: settings.deregistrationDelay,
    // Each request goes to the target with the fewest in flight, which keeps one slow
    // task (GC pause, cold cache) from dragging the p99.
    loadBalancingAlgorithmType: elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS,
    healthCheck: {
      protocol: settings.targetProtocol === elbv2.ApplicationProtocol.HTTPS ? elbv2.Protocol.HTTPS : elbv2.Protocol.HTTP,
      path: settings.targetHealthCheckPath,
      healthyHttpCodes: '200',
      interval: D.targetHealthCheckInterval,
      timeout: D.targetHealthCheckTimeout,
      healthyThresholdCount: D.healthyThresholdCount,
      unhealthyThresholdCount: D.unhealthyThresholdCount,
    },
    targets: [service.loadBalancerTarget({ containerName: task.container.containerName, containerPort: settings.containerPort })],
  });
  // Attaching through the listener also opens the service group to the ALB group on the
  // app port (and the ALB group's egress to it), and nothing else.
  listener.addTargetGroups('App', { targetGroups: [targetGroup] });

  if (props.database) {
    // allowTo, not database.connections.allowFrom: CDK puts the database group's ingress
    // rule in *this* stack only when the rule is added from this side. From the other
    // side it would land in the database's stack and reference this one (a cycle).
    service.connections.allowTo(props.database, ec2.Port.tcp(settings.databasePort), 'Web service tasks to the database');
  }
  return { cluster, service, securityGroup, targetGroup };
}
