import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { enableRollbackAlarms } from './deployment-alarms';
import { createAliasRecords, createLoadBalancer } from './load-balancer';
import { WebServiceMetrics } from './metrics';
import type { WebServiceProps } from './props';
import { createScaling } from './scaling';
import { createFargateService } from './service';
import { resolveProps } from './settings';
import { createTask } from './task';

export { FARGATE_MAX_STOP_TIMEOUT, WEB_SERVICE_DEFAULTS } from './defaults';
export { WebServiceMetrics } from './metrics';
export type { WebServiceProps } from './props';
export { APP_DIRECTORY, DATABASE_SECRET_VARIABLES } from './task';

/**
 * The web tier: an ALB (HTTPS only, HTTP answers 301, access logs to S3, internet-facing
 * by default, an alias record when given a hosted zone) in front of an autoscaling
 * Fargate service on ARM64 in private subnets, with deployment circuit breaker and
 * rollback, the database secret injected as ECS secrets, a read-only root filesystem and
 * a non-root user.
 *
 * Scaling: target tracking on CPU and on ALB requests per target, plus a step policy
 * that adds tasks while p99 latency is above the threshold. The desired count is left to
 * autoscaling, so a deployment never resets a scaled-out fleet.
 *
 * Each concern has its file in this folder: `settings` (defaults merged, props validated),
 * `load-balancer`, `task`, `service`, `scaling`, `deployment-alarms` and `metrics`. Every
 * resource is a direct child of this construct, so its logical id does not depend on the
 * file that creates it.
 */
export class WebService extends WebServiceMetrics {
  /** The cluster the service runs in: the `cluster` prop, or a new one. */
  readonly cluster: ecs.ICluster;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  /** The HTTPS :443 listener that forwards to the service. */
  readonly listener: elbv2.ApplicationListener;
  /** The HTTP :80 listener; it only redirects to HTTPS. */
  readonly redirectListener: elbv2.ApplicationListener;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly certificate: acm.ICertificate;
  /** The ALB access-log bucket (undefined with `accessLogs: false`). */
  readonly accessLogBucket?: s3.Bucket;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The app container; add sidecars to `taskDefinition` and variables with `container.addEnvironment`. */
  readonly container: ecs.ContainerDefinition;
  readonly logGroup: logs.LogGroup;
  readonly service: ecs.FargateService;
  readonly serviceSecurityGroup: ec2.SecurityGroup;
  readonly scalableTarget: ecs.ScalableTaskCount;
  /** The step policy on p99 latency. */
  readonly latencyScalingPolicy: appscaling.StepScalingPolicy;
  /** The alarms ECS watches during a deployment to roll it back (empty when turned off). */
  readonly rollbackAlarms: cloudwatch.Alarm[];
  /** The alias records of `domainName` (empty without `hostedZone`). */
  readonly aliasRecords: route53.IRecordSet[];
  /** `https://<domainName>`, or `https://<load balancer DNS name>` without `domainName`. */
  readonly url: string;
  /** The p99 latency threshold of the step policy, in milliseconds. */
  readonly p99LatencyThresholdMs: number;
  /** Fewest tasks autoscaling keeps. */
  readonly minTasks: number;
  /** Most tasks autoscaling may run. */
  readonly maxTasks: number;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const settings = resolveProps(props);
    this.p99LatencyThresholdMs = settings.p99LatencyThresholdMs;
    this.minTasks = settings.minTasks;
    this.maxTasks = settings.maxTasks;

    const alb = createLoadBalancer(this, props, settings);
    this.loadBalancer = alb.loadBalancer;
    this.loadBalancerSecurityGroup = alb.securityGroup;
    this.certificate = alb.certificate;
    this.accessLogBucket = alb.accessLogBucket;
    this.listener = alb.listener;
    this.redirectListener = alb.redirectListener;
    this.url = `https://${props.domainName ?? this.loadBalancer.loadBalancerDnsName}`;

    const task = createTask(this, props, settings);
    this.taskDefinition = task.taskDefinition;
    this.container = task.container;
    this.logGroup = task.logGroup;

    const fargate = createFargateService(this, props, settings, task, this.listener);
    this.cluster = fargate.cluster;
    this.service = fargate.service;
    this.serviceSecurityGroup = fargate.securityGroup;
    this.targetGroup = fargate.targetGroup;

    ({ scalableTarget: this.scalableTarget, latencyScalingPolicy: this.latencyScalingPolicy } = createScaling(this, settings));
    this.rollbackAlarms = settings.rollbackOnAlarm ? enableRollbackAlarms(this, settings) : [];
    this.aliasRecords = createAliasRecords(this, props, this.loadBalancer, settings.dualStack);
  }
}
