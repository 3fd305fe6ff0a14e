import * as path from 'node:path';
import { Duration, Names, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { skipCheckov } from './internal/checkov';
import { createLogsEncryptionKey } from './internal/logs-encryption-key';
import { FARGATE_MAX_STOP_TIMEOUT, WEB_SERVICE_DEFAULTS as D } from './web-service-defaults';

/** Directory of the web app; its Dockerfile builds the default image (build context: app/ only). */
export const APP_DIRECTORY = path.join(__dirname, '..', '..', 'app');

/**
 * Container variables filled from the database secret's JSON fields (the shape written by
 * RDS and the AuroraDatabase construct). They reach the task as ECS secrets, resolved by
 * the agent at start, and never appear in the task definition.
 */
export const DATABASE_SECRET_VARIABLES: Readonly<Record<string, string>> = {
  DB_HOST: 'host',
  DB_PORT: 'port',
  DB_USERNAME: 'username',
  DB_PASSWORD: 'password',
  DB_NAME: 'dbname',
};

export interface WebServiceProps {
  /** VPC with public subnets (load balancer) and private subnets with egress (tasks). */
  readonly vpc: ec2.IVpc;
  /** Stage name, passed to the app as STAGE. */
  readonly stage: string;
  /** Fully-qualified name the service answers on; an alias record is created for it. */
  readonly domainName: string;
  /** Public hosted zone that holds `domainName` (import it by attributes; no lookups). */
  readonly hostedZone: route53.IHostedZone;
  /**
   * Certificate for `domainName` on the HTTPS listener.
   * @default - a new ACM certificate for `domainName`, validated by DNS in `hostedZone`
   */
  readonly certificate?: acm.ICertificate;
  /**
   * The app's container image; must listen on `containerPort` and run as a non-root user.
   * @default - built at deploy time from the Dockerfile in the repository's `app/` directory (linux/arm64)
   */
  readonly image?: ecs.ContainerImage;
  /**
   * The container health check ECS runs inside the app container.
   * @default - asks `livenessPath` with `node -e` (the default image has node but no curl or wget)
   */
  readonly containerHealthCheck?: ecs.HealthCheck;
  /**
   * Port the app listens on (also passed as PORT).
   * @default 3000
   */
  readonly containerPort?: number;
  /**
   * Path the ALB target group checks. It should not depend on the database: during a
   * database outage a dependent check fails every target at once, and ECS replaces the
   * whole fleet (which cannot start either) instead of serving 503s until the database is
   * back. Draining needs no failing check: ECS deregisters a task before it stops it.
   * @default - `livenessPath`
   */
  readonly targetHealthCheckPath?: string;
  /**
   * Path the container health check calls; answers 200 while the process is alive.
   * @default '/healthz'
   */
  readonly livenessPath?: string;
  /**
   * User (UID, `UID:GID` or name) the container runs as; must not be root.
   * @default '1000' (the `node` user of the official Node.js images)
   */
  readonly user?: string;
  /**
   * Fargate CPU units of a task (1024 = 1 vCPU).
   * @default 1024
   */
  readonly cpu?: number;
  /**
   * Memory of a task in MiB (must suit `cpu`).
   * @default 2048
   */
  readonly memoryLimitMiB?: number;
  /**
   * Fewest tasks autoscaling keeps; at least 2 keeps the service up when one AZ fails.
   * @default 2
   */
  readonly minTasks?: number;
  /**
   * Most tasks autoscaling may run (mind the database connections: maxTasks × pool size).
   * @default 10
   */
  readonly maxTasks?: number;
  /**
   * Average CPU utilisation (%) the CPU target-tracking policy holds.
   * @default 60
   */
  readonly targetCpuUtilization?: number;
  /**
   * ALB requests per target per minute the request-count target-tracking policy holds.
   * @default 60000
   */
  readonly targetRequestsPerTarget?: number;
  /**
   * p99 target response time (ms) above which the step policy adds tasks.
   * @default 50
   */
  readonly p99LatencyThresholdMs?: number;
  /**
   * Time between SIGTERM and SIGKILL; match the app's graceful-shutdown budget (max 120 s).
   * @default Duration.seconds(30)
   */
  readonly stopTimeout?: Duration;
  /**
   * How long a deregistered target drains before ECS sends SIGTERM.
   * @default Duration.seconds(25) - see WEB_SERVICE_DEFAULTS.deregistrationDelay for the reasoning
   */
  readonly deregistrationDelay?: Duration;
  /**
   * ALB idle connection timeout; keep it below the app's keep-alive timeout.
   * @default Duration.seconds(60)
   */
  readonly idleTimeout?: Duration;
  /**
   * TLS policy of the HTTPS listener.
   * @default elbv2.SslPolicy.TLS13_12_RES_PQ (TLS 1.3 and 1.2, AEAD ciphers, hybrid post-quantum key exchange)
   */
  readonly sslPolicy?: elbv2.SslPolicy;
  /**
   * Serve on IPv6 as well: dual-stack ALB, ::/0 ingress on 80/443 and an AAAA record.
   * The VPC's public subnets must have IPv6 CIDRs.
   * @default false
   */
  readonly dualStack?: boolean;
  /**
   * ALB deletion protection (turn on in production).
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Retention of the container log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Key encrypting the container log group.
   * @default - a new customer managed key with rotation
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Days ALB access logs stay in S3 before they expire.
   * @default 90
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Database credentials secret (JSON fields host, port, username, password, dbname),
   * injected as DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD and DB_NAME, with DB_SSL=require.
   * The tasks also get DB_SECRET_ARN and read access to the secret: ECS injects secrets
   * only when a task starts, so after a scheduled rotation the app re-reads the password
   * itself instead of failing every new connection until the tasks are replaced.
   * @default - no database variables; the app falls back to its embedded database
   */
  readonly databaseSecret?: secretsmanager.ISecret;
  /**
   * The database the tasks connect to; its security group gets an ingress rule from the
   * tasks on `databasePort` (and the tasks an egress rule to it).
   * @default - no database rule
   */
  readonly database?: ec2.IConnectable;
  /**
   * Port of `database`.
   * @default 5432
   */
  readonly databasePort?: number;
  /**
   * Extra container variables, merged over the defaults (PORT, STAGE, TRUSTED_PROXY_HOPS,
   * DB_SSL). Never put secrets here: they would be readable in the task definition.
   * @default - only the defaults
   */
  readonly environment?: Record<string, string>;
  /**
   * Let the tasks open any outbound connection. When false they may reach HTTPS (AWS APIs,
   * ECR) and the database only.
   * @default false
   */
  readonly allowAllOutbound?: boolean;
  /**
   * ECS Exec (interactive shells in running tasks).
   * @default false
   */
  readonly enableExecuteCommand?: boolean;
  /**
   * Roll a deployment back when, during it, the 5xx share of requests exceeds
   * `rollbackErrorRate` or the p99 exceeds `p99LatencyThresholdMs`, each for three minutes
   * in a row. The alarms live in this construct, so the service never names an alarm that
   * may not exist yet. Without it, the circuit breaker still rolls back deployments whose
   * tasks fail to start.
   * @default true
   */
  readonly rollbackOnAlarm?: boolean;
  /**
   * Share of requests (0..1) answered 5xx that rolls a deployment back.
   * @default 0.01
   */
  readonly rollbackErrorRate?: number;
  /**
   * Requests per minute the service must receive for a minute to count towards a rollback:
   * below it, a handful of errors or one slow request would be a 100 % error share or the
   * p99, and would roll back a healthy deployment.
   * @default 60
   */
  readonly rollbackMinRequestsPerMinute?: number;
  /**
   * Container Insights level of the cluster.
   * @default ecs.ContainerInsights.ENHANCED
   */
  readonly containerInsights?: ecs.ContainerInsights;
}

/**
 * The web tier: an internet-facing ALB (HTTPS only, HTTP answers 301, access logs to S3,
 * an alias record in the hosted zone) in front of an autoscaling Fargate service on ARM64
 * in private subnets, with deployment circuit breaker and rollback, the database secret
 * injected as ECS secrets, a read-only root filesystem and a non-root user.
 *
 * Scaling: target tracking on CPU and on ALB requests per target, plus a step policy
 * that adds tasks while p99 latency is above the threshold. The desired count is left to
 * autoscaling, so a deployment never resets a scaled-out fleet.
 */
export class WebService extends Construct {
  readonly cluster: ecs.Cluster;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  /** The HTTPS :443 listener that forwards to the service. */
  readonly listener: elbv2.ApplicationListener;
  /** The HTTP :80 listener; it only redirects to HTTPS. */
  readonly redirectListener: elbv2.ApplicationListener;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly certificate: acm.ICertificate;
  readonly accessLogBucket: s3.Bucket;
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
  readonly aliasRecords: route53.IRecordSet[];
  /** `https://<domainName>` */
  readonly url: string;
  /** The p99 latency threshold of the step policy, in milliseconds. */
  readonly p99LatencyThresholdMs: number;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const settings = resolveProps(props);
    const { containerPort, dualStack } = settings;

    this.url = `https://${props.domainName}`;
    this.p99LatencyThresholdMs = settings.p99LatencyThresholdMs;
    this.certificate =
      props.certificate ??
      new acm.Certificate(this, 'Certificate', {
        domainName: props.domainName,
        validation: acm.CertificateValidation.fromDns(props.hostedZone),
      });

    // --- load balancer -------------------------------------------------------------
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      // ALB access logs can only be written to SSE-S3 buckets (SSE-KMS is not supported).
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { expiration: Duration.days(settings.accessLogRetentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Logs are evidence: they outlive the stack and expire by the lifecycle rule only.
      // No versioning: only the ELB log delivery writes here and every object is new, so
      // versions would add nothing but noncurrent copies to expire; tamper-proofing would
      // take Object Lock, which is beyond what access logs need here.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.accessLogBucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'This bucket is itself the log destination (ALB access logs). Logging its object access to another bucket would need a third bucket for that one; writes come only from the regional ELB log-delivery principal named in the bucket policy, and the bucket is TLS-only with all public access blocked.',
      },
    ]);
    skipCheckov(this.accessLogBucket, [
      { id: 'CKV_AWS_18', comment: 'The bucket is the access-log destination itself; see the AwsSolutions-S1 reason.' },
      { id: 'CKV_AWS_21', comment: 'Access logs are written once and never overwritten; versioning would only keep delete markers past the lifecycle expiry.' },
    ]);

    this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: 'Internet-facing ALB: HTTP/HTTPS in; out only to the service tasks',
      allowAllOutbound: false,
    });
    const clientPeers = dualStack ? [ec2.Peer.anyIpv4(), ec2.Peer.anyIpv6()] : [ec2.Peer.anyIpv4()];
    for (const peer of clientPeers) {
      this.loadBalancerSecurityGroup.addIngressRule(peer, ec2.Port.tcp(443), 'HTTPS from clients');
      this.loadBalancerSecurityGroup.addIngressRule(peer, ec2.Port.tcp(80), 'HTTP from clients (redirected to HTTPS)');
    }
    NagSuppressions.addResourceSuppressions(this.loadBalancerSecurityGroup, [
      {
        id: 'AwsSolutions-EC23',
        reason:
          'A public internet-facing API: clients connect from any address, on 443 (and on 80, which only answers a 301 to HTTPS). No other port is open; the WAF web ACL filters requests before they reach the targets.',
      },
    ]);
    skipCheckov(this.loadBalancerSecurityGroup, [
      { id: 'CKV_AWS_260', comment: 'Port 80 answers only a 301 redirect to HTTPS, so clients that type the bare host name still land on TLS.' },
    ]);

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: this.loadBalancerSecurityGroup,
      ipAddressType: dualStack ? elbv2.IpAddressType.DUAL_STACK : elbv2.IpAddressType.IPV4,
      deletionProtection: settings.deletionProtection,
      idleTimeout: settings.idleTimeout,
      dropInvalidHeaderFields: true,
      // Requests that could be interpreted differently by the ALB and the app (request
      // smuggling) are refused outright.
      desyncMitigationMode: elbv2.DesyncMitigationMode.STRICTEST,
      http2Enabled: true,
    });
    this.loadBalancer.logAccessLogs(this.accessLogBucket, 'alb');
    // The log-delivery service may write here only for this account's load balancers
    // (CDK's statement for it names no source account: a confused deputy otherwise).
    this.accessLogBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'LogDeliveryOnlyForThisAccount',
        effect: iam.Effect.DENY,
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.accessLogBucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );

    this.redirectListener = this.loadBalancer.addListener('Http', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
    });
    this.listener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      open: false,
      certificates: [elbv2.ListenerCertificate.fromCertificateManager(this.certificate)],
      sslPolicy: settings.sslPolicy,
    });

    // --- cluster and task ----------------------------------------------------------
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: settings.containerInsights,
    });

    const logEncryptionKey = props.logEncryptionKey ?? createLogsEncryptionKey(this, 'LogKey', 'Encrypts the web service container logs');
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: settings.logRetention,
      encryptionKey: logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: settings.cpu,
      memoryLimitMiB: settings.memoryLimitMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      // The only writable path: /tmp, for the few libraries that need scratch space.
      volumes: [{ name: 'tmp' }],
    });

    const databaseSecret = props.databaseSecret && secretInThisStack(this, props.databaseSecret);
    // The app re-reads the password after a rotation (see `databaseSecret`).
    databaseSecret?.grantRead(this.taskDefinition.taskRole);

    const linuxParameters = new ecs.LinuxParameters(this, 'LinuxParameters', {
      // A tiny init as PID 1 forwards SIGTERM to node and reaps zombies.
      initProcessEnabled: true,
    });
    linuxParameters.dropCapabilities(ecs.Capability.ALL);

    this.container = this.taskDefinition.addContainer('App', {
      image: props.image ?? ecs.ContainerImage.fromAsset(APP_DIRECTORY, { platform: Platform.LINUX_ARM64 }),
      essential: true,
      user: settings.user,
      readonlyRootFilesystem: true,
      linuxParameters,
      portMappings: [{ containerPort, name: 'http', protocol: ecs.Protocol.TCP }],
      environment: { ...settings.environment, ...(databaseSecret ? { DB_SECRET_ARN: databaseSecret.secretArn } : {}) },
      secrets: databaseSecrets(databaseSecret),
      stopTimeout: settings.stopTimeout,
      healthCheck: props.containerHealthCheck ?? {
        // The image has node but no curl or wget: ask the liveness endpoint with node itself.
        command: ['CMD', 'node', '-e', livenessProbe(containerPort, settings.livenessPath)],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'app',
        // A CloudWatch Logs slowdown must not block the event loop (a blocked stdout write
        // would stall every request); the 25 MiB buffer absorbs bursts.
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });
    this.container.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
    if (databaseSecret?.encryptionKey) {
      // ECS (execution role) injects the DB_* variables and the app (task role) re-reads the
      // secret after a rotation: both need the secret's key as well as the secret.
      for (const role of [this.taskDefinition.obtainExecutionRole(), this.taskDefinition.taskRole]) {
        grantDecryptViaSecretsManager(databaseSecret.encryptionKey, role);
      }
    }

    // --- service -------------------------------------------------------------------
    this.serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: props.vpc,
      description: 'Web service tasks: in only from the ALB on the app port',
      allowAllOutbound: settings.allowAllOutbound,
    });
    if (!settings.allowAllOutbound) {
      // AWS APIs (Secrets Manager, ECR, CloudWatch, tracing) over HTTPS, through NAT or
      // interface endpoints; the database rule is added below.
      this.serviceSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');
    }

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      securityGroups: [this.serviceSecurityGroup],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      enableExecuteCommand: settings.enableExecuteCommand,
      healthCheckGracePeriod: D.healthCheckGracePeriod,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      // desiredCount is deliberately unset: autoscaling owns it, so a deployment does not
      // reset a scaled-out fleet to a fixed number.
    });

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      targetType: elbv2.TargetType.IP,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: containerPort,
      deregistrationDelay: settings.deregistrationDelay,
      // Each request goes to the target with the fewest in flight, which keeps one slow
      // task (GC pause, cold cache) from dragging the p99.
      loadBalancingAlgorithmType: elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS,
      healthCheck: {
        path: settings.targetHealthCheckPath,
        healthyHttpCodes: '200',
        interval: D.targetHealthCheckInterval,
        timeout: D.targetHealthCheckTimeout,
        healthyThresholdCount: D.healthyThresholdCount,
        unhealthyThresholdCount: D.unhealthyThresholdCount,
      },
      targets: [this.service.loadBalancerTarget({ containerName: this.container.containerName, containerPort })],
    });
    // Attaching through the listener also opens the service group to the ALB group on the
    // app port (and the ALB group's egress to it), and nothing else.
    this.listener.addTargetGroups('App', { targetGroups: [this.targetGroup] });

    if (props.database) {
      // allowTo, not database.connections.allowFrom: CDK puts the database group's ingress
      // rule in *this* stack only when the rule is added from this side. From the other
      // side it would land in the database's stack and reference this one (a cycle).
      this.service.connections.allowTo(props.database, ec2.Port.tcp(settings.databasePort), 'Web service tasks to the database');
    }

    // --- autoscaling ---------------------------------------------------------------
    this.scalableTarget = this.service.autoScaleTaskCount({ minCapacity: settings.minTasks, maxCapacity: settings.maxTasks });
    this.scalableTarget.scaleOnCpuUtilization('CpuScaling', {
      targetUtilizationPercent: settings.targetCpuUtilization,
      scaleOutCooldown: D.scaleOutCooldown,
      scaleInCooldown: D.scaleInCooldown,
    });
    // The resource label is "<alb full name>/<target group full name>"; CDK derives it
    // from the target group, which is why it must be attached to the listener first.
    this.scalableTarget.scaleOnRequestCount('RequestCountScaling', {
      requestsPerTarget: settings.targetRequestsPerTarget,
      targetGroup: this.targetGroup,
      scaleOutCooldown: D.scaleOutCooldown,
      scaleInCooldown: D.scaleInCooldown,
    });
    // Latency has no sensible target-tracking form (it does not fall in proportion to
    // added tasks), so a step policy adds 20 % while p99 is above the threshold for three
    // minutes and 50 % while it is above twice the threshold. It never scales in: the
    // target-tracking policies do that.
    const thresholdSeconds = settings.p99LatencyThresholdMs / 1000;
    this.scalableTarget.scaleOnMetric('P99LatencyScaling', {
      metric: this.metricTargetResponseTimeP99({ period: Duration.minutes(1) }),
      scalingSteps: [
        { upper: thresholdSeconds, change: 0 },
        { lower: thresholdSeconds, change: +20 },
        { lower: thresholdSeconds * 2, change: +50 },
      ],
      adjustmentType: appscaling.AdjustmentType.PERCENT_CHANGE_IN_CAPACITY,
      minAdjustmentMagnitude: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      cooldown: D.latencyScalingCooldown,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    });
    // ScalableTaskCount.scaleOnMetric returns nothing; the policy is a child of its target.
    this.latencyScalingPolicy = this.scalableTarget.node.findChild('Target').node.findChild('P99LatencyScaling') as appscaling.StepScalingPolicy;

    this.rollbackAlarms = settings.rollbackOnAlarm ? this.enableRollbackAlarms(settings.rollbackErrorRate, settings.rollbackMinRequestsPerMinute) : [];

    // --- DNS -----------------------------------------------------------------------
    const aliasTarget = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer));
    this.aliasRecords = [new route53.ARecord(this, 'AliasRecord', { zone: props.hostedZone, recordName: props.domainName, target: aliasTarget })];
    if (dualStack) {
      this.aliasRecords.push(new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: props.hostedZone, recordName: props.domainName, target: aliasTarget }));
    }

    this.suppressTaskRoleFindings();
  }

  /**
   * Alarms ECS watches while a deployment runs: a new version that serves errors or is
   * slow goes back to the last completed deployment. They carry no actions; paging is
   * the monitoring's job.
   */
  private enableRollbackAlarms(errorRate: number, minRequestsPerMinute: number): cloudwatch.Alarm[] {
    const threeMinutes = { evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING };
    // A minute with too few requests to judge reads as 0: neither an error share nor a p99.
    const whenBusy = (label: string, metric: cloudwatch.IMetric) =>
      new cloudwatch.MathExpression({
        expression: `IF(FILL(traffic, 0) >= ${minRequestsPerMinute}, value, 0)`,
        usingMetrics: { traffic: this.metricRequestCount(), value: metric },
        label: `${label} (minutes with at least ${minRequestsPerMinute} requests)`,
        period: Duration.minutes(1),
      });
    const alarms = [
      whenBusy('5xx error rate', this.metricServerErrorRate()).createAlarm(this, 'RollbackOnErrors', {
        ...threeMinutes,
        alarmName: this.rollbackAlarmName('RollbackOnErrors'),
        alarmDescription: `Deployment guard: more than ${errorRate * 100} % of requests answered 5xx for three minutes; ECS rolls the deployment back.`,
        threshold: errorRate,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      }),
      whenBusy('p99 target response time', this.metricTargetResponseTimeP99()).createAlarm(this, 'RollbackOnLatency', {
        ...threeMinutes,
        alarmName: this.rollbackAlarmName('RollbackOnLatency'),
        alarmDescription: `Deployment guard: p99 target response time above ${this.p99LatencyThresholdMs} ms for three minutes; ECS rolls the deployment back.`,
        threshold: this.p99LatencyThresholdMs / 1000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      }),
    ];
    this.service.enableDeploymentAlarms(
      ['RollbackOnErrors', 'RollbackOnLatency'].map((id) => this.rollbackAlarmName(id)),
      { behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM },
    );
    return alarms;
  }

  /**
   * A fixed name derived from the construct path: the service then refers to its alarms
   * by a literal, not by a reference that CloudFormation must resolve first.
   */
  private rollbackAlarmName(id: string): string {
    return Names.uniqueResourceName(this, { maxLength: 200, separator: '-' }) + `-${id}`;
  }

  // --- metrics -------------------------------------------------------------------------
  // One-minute periods by default: the ALB publishes per minute and alarms want it fresh.

  /** p99 of the time targets take to answer (seconds), over all targets of the service. */
  metricTargetResponseTimeP99(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricTargetResponseTime({ statistic: 'p99', ...props });
  }

  /** Target response time (seconds); pass `statistic` for another percentile. @default p50 */
  metricTargetResponseTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.targetResponseTime({ period: Duration.minutes(1), statistic: 'p50', ...props });
  }

  /** Requests the load balancer received (Sum). */
  metricRequestCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.loadBalancer.metrics.requestCount({ period: Duration.minutes(1), ...props });
  }

  /** Requests per target (Sum per minute), the quantity the request-count policy tracks. */
  metricRequestCountPerTarget(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.requestCountPerTarget({ period: Duration.minutes(1), ...props });
  }

  /** 5xx answered by the app (Sum). */
  metricHttp5xxFromTargets(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1), ...props });
  }

  /** 5xx generated by the load balancer itself: 502/503/504 when no target could answer (Sum). */
  metricHttp5xxFromLoadBalancer(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: Duration.minutes(1), ...props });
  }

  /** 4xx answered by the app (Sum): validation errors, 401/403, 404, 413, 429. */
  metricHttp4xxFromTargets(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, { period: Duration.minutes(1), ...props });
  }

  /**
   * Fraction (0..1) of requests that failed with a 5xx from the app or the load balancer:
   * the error ratio the availability SLO counts. Treats a period with no requests as 0.
   */
  metricServerErrorRate(props?: cloudwatch.MetricOptions): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, (FILL(targetErrors, 0) + FILL(elbErrors, 0)) / requests, 0)',
      usingMetrics: {
        requests: this.metricRequestCount(props),
        targetErrors: this.metricHttp5xxFromTargets(props),
        elbErrors: this.metricHttp5xxFromLoadBalancer(props),
      },
      label: '5xx error rate',
      period: props?.period ?? Duration.minutes(1),
    });
  }

  /** Targets passing the target group health check (Minimum). */
  metricHealthyHostCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1), statistic: 'Minimum', ...props });
  }

  /** Targets failing the target group health check (Maximum). */
  metricUnhealthyHostCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum', ...props });
  }

  /** Connections the ALB could not open to a target (Sum). */
  metricTargetConnectionErrorCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.loadBalancer.metrics.targetConnectionErrorCount({ period: Duration.minutes(1), ...props });
  }

  /** Tasks running (Container Insights, Average). */
  metricRunningTaskCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: this.cluster.clusterName, ServiceName: this.service.serviceName },
      statistic: 'Average',
      period: Duration.minutes(1),
      ...props,
    });
  }

  /** Service CPU utilisation (%, Average), the quantity the CPU policy tracks. */
  metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricCpuUtilization({ period: Duration.minutes(1), ...props });
  }

  /** Service memory utilisation (%, Average). */
  metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricMemoryUtilization({ period: Duration.minutes(1), ...props });
  }

  private suppressTaskRoleFindings(): void {
    const executionRole = this.taskDefinition.obtainExecutionRole();
    NagSuppressions.addResourceSuppressions(
      executionRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'ecr:GetAuthorizationToken has no resource-level permissions and must be granted on "*"; image pulls, log writes and the secret read are scoped to the one repository, log group and secret.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(this.taskDefinition, [
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'The environment holds only non-secret settings (port, stage, pool size, rate limits, metric namespace); database credentials are injected as ECS secrets from Secrets Manager, and the construct refuses secret-looking variable names in `environment`.',
      },
    ]);
  }
}

interface ResolvedSettings {
  readonly containerPort: number;
  readonly databasePort: number;
  readonly targetHealthCheckPath: string;
  readonly livenessPath: string;
  readonly user: string;
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly targetCpuUtilization: number;
  readonly targetRequestsPerTarget: number;
  readonly p99LatencyThresholdMs: number;
  readonly stopTimeout: Duration;
  readonly deregistrationDelay: Duration;
  readonly idleTimeout: Duration;
  readonly sslPolicy: elbv2.SslPolicy;
  readonly dualStack: boolean;
  readonly deletionProtection: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly accessLogRetentionDays: number;
  readonly allowAllOutbound: boolean;
  readonly enableExecuteCommand: boolean;
  readonly rollbackOnAlarm: boolean;
  readonly rollbackErrorRate: number;
  readonly rollbackMinRequestsPerMinute: number;
  readonly containerInsights: ecs.ContainerInsights;
  readonly environment: Record<string, string>;
}

/** Merges props over WEB_SERVICE_DEFAULTS and validates them, naming the prop at fault. */
function resolveProps(props: WebServiceProps): ResolvedSettings {
  const s: ResolvedSettings = {
    containerPort: props.containerPort ?? D.containerPort,
    databasePort: props.databasePort ?? 5432,
    targetHealthCheckPath: props.targetHealthCheckPath ?? props.livenessPath ?? D.livenessPath,
    livenessPath: props.livenessPath ?? D.livenessPath,
    user: props.user ?? D.user,
    cpu: props.cpu ?? D.cpu,
    memoryLimitMiB: props.memoryLimitMiB ?? D.memoryLimitMiB,
    minTasks: props.minTasks ?? D.minTasks,
    maxTasks: props.maxTasks ?? D.maxTasks,
    targetCpuUtilization: props.targetCpuUtilization ?? D.targetCpuUtilization,
    targetRequestsPerTarget: props.targetRequestsPerTarget ?? D.targetRequestsPerTarget,
    p99LatencyThresholdMs: props.p99LatencyThresholdMs ?? D.p99LatencyThresholdMs,
    stopTimeout: props.stopTimeout ?? D.stopTimeout,
    deregistrationDelay: props.deregistrationDelay ?? D.deregistrationDelay,
    idleTimeout: props.idleTimeout ?? D.idleTimeout,
    sslPolicy: props.sslPolicy ?? D.sslPolicy,
    dualStack: props.dualStack ?? false,
    deletionProtection: props.deletionProtection ?? true,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    accessLogRetentionDays: props.accessLogRetentionDays ?? D.accessLogRetentionDays,
    allowAllOutbound: props.allowAllOutbound ?? false,
    enableExecuteCommand: props.enableExecuteCommand ?? false,
    rollbackOnAlarm: props.rollbackOnAlarm ?? true,
    rollbackErrorRate: props.rollbackErrorRate ?? 0.01,
    rollbackMinRequestsPerMinute: props.rollbackMinRequestsPerMinute ?? 60,
    containerInsights: props.containerInsights ?? ecs.ContainerInsights.ENHANCED,
    environment: {},
  };

  const problems: string[] = [];
  const integerIn = (name: string, value: number, min: number, max: number) => {
    if (!Token.isUnresolved(value) && !(Number.isInteger(value) && value >= min && value <= max)) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got ${value})`);
    }
  };
  integerIn('containerPort', s.containerPort, 1024, 65535);
  integerIn('databasePort', s.databasePort, 1, 65535);
  integerIn('minTasks', s.minTasks, 1, 1000);
  integerIn('maxTasks', s.maxTasks, 1, 1000);
  if (s.minTasks > s.maxTasks) problems.push(`minTasks (${s.minTasks}) must not exceed maxTasks (${s.maxTasks})`);
  integerIn('targetCpuUtilization', s.targetCpuUtilization, 1, 100);
  if (!(s.targetRequestsPerTarget > 0)) problems.push(`targetRequestsPerTarget must be greater than 0 (got ${s.targetRequestsPerTarget})`);
  if (!(s.p99LatencyThresholdMs > 0)) problems.push(`p99LatencyThresholdMs must be greater than 0 (got ${s.p99LatencyThresholdMs})`);
  integerIn('rollbackMinRequestsPerMinute', s.rollbackMinRequestsPerMinute, 1, 1_000_000);
  if (!(s.rollbackErrorRate > 0 && s.rollbackErrorRate < 1)) problems.push(`rollbackErrorRate must be between 0 and 1, exclusive (got ${s.rollbackErrorRate})`);
  integerIn('accessLogRetentionDays', s.accessLogRetentionDays, 1, 36500);
  const stopSeconds = s.stopTimeout.toSeconds();
  if (stopSeconds < 2 || stopSeconds > FARGATE_MAX_STOP_TIMEOUT.toSeconds()) {
    problems.push(`stopTimeout must be between 2 and ${FARGATE_MAX_STOP_TIMEOUT.toSeconds()} seconds on Fargate (got ${stopSeconds})`);
  }
  const drainSeconds = s.deregistrationDelay.toSeconds();
  if (drainSeconds < 0 || drainSeconds > 3600) problems.push(`deregistrationDelay must be between 0 and 3600 seconds (got ${drainSeconds})`);
  const idleSeconds = s.idleTimeout.toSeconds();
  if (idleSeconds < 1 || idleSeconds > 4000) problems.push(`idleTimeout must be between 1 and 4000 seconds (got ${idleSeconds})`);
  for (const [name, value] of [['targetHealthCheckPath', s.targetHealthCheckPath], ['livenessPath', s.livenessPath]] as const) {
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(value)) problems.push(`${name} must be an absolute URL path such as /healthz (got "${value}")`);
  }
  if (/^(0|root)(:|$)/.test(s.user)) problems.push(`user must not be root (got "${s.user}")`);
  if (props.databasePort !== undefined && props.database === undefined) problems.push('databasePort needs database (the resource whose security group opens that port)');

  const injected = props.databaseSecret ? Object.keys(DATABASE_SECRET_VARIABLES) : [];
  for (const name of Object.keys(props.environment ?? {})) {
    if (injected.includes(name)) problems.push(`environment.${name} conflicts with the variable injected from databaseSecret`);
    else if (/PASSWORD|SECRET|TOKEN|PRIVATE_KEY/i.test(name)) {
      problems.push(`environment.${name} looks like a secret: pass it as an ECS secret (container.addSecret), never as plain environment`);
    }
  }
  if (problems.length > 0) throw new Error(`Invalid WebService props:\n  - ${problems.join('\n  - ')}`);

  return {
    ...s,
    environment: {
      PORT: String(s.containerPort),
      STAGE: props.stage,
      // The ALB is the one proxy in front of the app: it appends the client address to
      // X-Forwarded-For, and the app trusts exactly that hop.
      TRUSTED_PROXY_HOPS: '1',
      ...(props.databaseSecret ? { DB_SSL: 'require' } : {}),
      ...props.environment,
    },
  };
}

/**
 * A reference to `secret` that lives in `scope`'s stack. Granting the execution role read
 * access to a secret (and its key) defined in another stack would write the role's ARN
 * into that stack's key policy, making the database stack depend on this one while this
 * one depends on it for the secret: a cycle. Through a local reference the grants land
 * only in the role's own policy.
 */
function secretInThisStack(scope: Construct, secret: secretsmanager.ISecret): secretsmanager.ISecret {
  if (Stack.of(secret) === Stack.of(scope)) return secret;
  return secretsmanager.Secret.fromSecretAttributes(scope, 'DatabaseSecretReference', {
    secretCompleteArn: secret.secretArn,
    encryptionKey: secret.encryptionKey && kms.Key.fromKeyArn(scope, 'DatabaseSecretKeyReference', secret.encryptionKey.keyArn),
  });
}

/**
 * Lets `grantee` decrypt with `key` only through Secrets Manager in this region. Written
 * into the grantee's own policy, because `ISecret.grantRead` puts the key half of its grant
 * into the key policy only: for a key in another stack (imported here, see
 * {@link secretInThisStack}) CDK drops that half silently, and GetSecretValue then fails
 * with AccessDenied on kms:Decrypt. The key policy must delegate to IAM (the account root
 * principal), as keys created by CDK and RDS do.
 */
function grantDecryptViaSecretsManager(key: kms.IKey, grantee: iam.IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(key).region}.amazonaws.com` } },
    }),
  );
}

function databaseSecrets(secret: secretsmanager.ISecret | undefined): Record<string, ecs.Secret> | undefined {
  if (!secret) return undefined;
  return Object.fromEntries(
    Object.entries(DATABASE_SECRET_VARIABLES).map(([variable, field]) => [variable, ecs.Secret.fromSecretsManager(secret, field)]),
  );
}

/**
 * A one-line node program: exit 0 when GET <path> answers 200 within 2 s, else 1. Uses
 * the http module rather than fetch so it works on every Node.js the image may carry.
 */
function livenessProbe(port: number, livenessPath: string): string {
  return (
    `require('http').get({host:'127.0.0.1',port:${port},path:'${livenessPath}',timeout:2000},` +
    `r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))`
  );
}
