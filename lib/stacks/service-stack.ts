import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { businessMetricNamespace, edgeRuleOptions, erasureBackupBound, operationsMetricNamespace, type StageConfig } from '../config';
import { logRetention as logRetentionDays } from '../config/durations';
import { EdgeProtection } from '../constructs/edge-protection';
import { skipCheckov } from '../constructs/internal/checkov';
import { RealUserMonitoring } from '../constructs/real-user-monitoring';
import { TracingSidecar } from '../constructs/tracing-sidecar';
import { ShieldMitigationAction } from '../constructs/shield-protection';
import { DatabaseMigration } from '../constructs/database-migration';
import { WebService } from '../constructs/web-service';
import { acceptAlarmWithoutAction } from '../constructs/internal/nist';
import { defaultImage } from '../constructs/web-service/task';
import { readDataParameter } from './data-parameters';
import { readNatEgressAddresses } from './nat-egress';

export interface ServiceStackProps extends StackProps {
  readonly config: StageConfig;
  /** VPC of the Network stack. */
  readonly vpc: ec2.IVpc;
  /**
   * Key of the database secrets, the master's and the runtime role's (the cluster's key,
   * which a restore keeps). The secrets themselves, which a restore replaces, are read
   * from the Data stack's SSM parameters.
   */
  readonly databaseSecretKey: kms.IKey;
  /** The database the tasks connect to on 5432 (the AuroraDatabase construct). */
  readonly database: ec2.IConnectable;
}

/**
 * What happens to a stage's logs (WAF, migration) when their stack goes: kept where the stage
 * protects its resources, except when the stack's first create rolls back. Plain RETAIN would
 * leave the WAF log group's fixed name (aws-waf-logs-…) behind then, and the retried create
 * would fail with "already exists"; a failed create has logged nothing worth keeping.
 */
function keptLogs(deletionProtection: boolean): RemovalPolicy {
  return deletionProtection ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
}

/**
 * The stateless web tier of one stage: {@link WebService} (ALB, Fargate service,
 * autoscaling, DNS) behind {@link EdgeProtection} (WAF web ACL, IP-set sync, and Shield
 * Advanced where the stage turns it on).
 */
export class ServiceStack extends Stack {
  readonly webService: WebService;
  readonly edgeProtection: EdgeProtection;
  readonly tracing: TracingSidecar;
  /** The key every task seals and opens pagination cursors with (CURSOR_KEY). */
  readonly cursorKey: secretsmanager.Secret;
  /**
   * The deploy's one-off migration task, run before the service rolls. It alone gets the
   * master (schema owner) secret; the service tasks get the runtime role's, DML only.
   */
  readonly migration: DatabaseMigration;
  /** The RUM app monitor of the service's page, where the stage turns RUM on. */
  readonly rum?: RealUserMonitoring;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { service, dns, waf } = config;
    const logRetention = logRetentionDays(service.logRetentionDays);

    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: dns.hostedZoneId,
      zoneName: dns.hostedZoneName,
    });

    // The runtime secret keeps the construct id the master secret's reference had, so the
    // service's logical ids stay as they were; only the ARN it resolves changes.
    const runtimeSecret = secretsmanager.Secret.fromSecretAttributes(this, 'DatabaseSecret', {
      secretCompleteArn: readDataParameter(this, config, 'runtimeSecretArn'),
      encryptionKey: props.databaseSecretKey,
    });
    const ownerSecret = secretsmanager.Secret.fromSecretAttributes(this, 'DatabaseOwnerSecret', {
      secretCompleteArn: readDataParameter(this, config, 'databaseSecretArn'),
      encryptionKey: props.databaseSecretKey,
    });

    this.webService = new WebService(this, 'Web', {
      vpc: props.vpc,
      stage: config.stage,
      domainName: dns.domainName,
      hostedZone,
      certificate: dns.certificateArn ? acm.Certificate.fromCertificateArn(this, 'Certificate', dns.certificateArn) : undefined,
      cpu: service.cpu,
      memoryLimitMiB: service.memoryMiB,
      minTasks: service.minTasks,
      maxTasks: service.maxTasks,
      targetCpuUtilization: service.targetCpuUtilization,
      targetRequestsPerTarget: service.targetRequestsPerTarget,
      p99LatencyThresholdMs: service.p99LatencyTargetMs,
      deletionProtection: service.deletionProtection,
      logRetention,
      accessLogRetentionDays: service.logRetentionDays,
      databaseSecret: runtimeSecret,
      database: props.database,
      targetProtocol: service.tlsToTask ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      environment: {
        ...(service.tlsToTask ? { APP_TLS: 'self-signed' } : {}),
        // The migration step below applies them before any task of this version starts.
        DB_MIGRATIONS: 'skip',
        DB_POOL_SIZE: String(service.databasePoolSize),
        RATE_LIMIT_PER_IP: String(service.appRateLimitPerIp),
        // While the load test is deployed its workers reach the ALB from the NAT addresses
        // only, thousands of requests a second: the per-IP limit (not the per-token one)
        // lets those addresses through, as the web ACL's allow list does during a run.
        ...(config.loadTest.enabled ? { RATE_LIMIT_PER_IP_EXEMPT: readNatEgressAddresses(this, config) } : {}),
        RATE_LIMIT_PER_USER: String(service.appRateLimitPerUser),
        REQUEST_LOG_SAMPLE_RATE: String(service.requestLogSampleRate),
        SLOW_REQUEST_MS: String(service.p99LatencyTargetMs),
        METRICS_NAMESPACE: businessMetricNamespace(config),
        // Shown in DELETE /v1/me's documentation: when an erased user is gone from every backup.
        ERASURE_BACKUP_BOUND_DAYS: String(erasureBackupBound(config).days),
      },
    });

    this.cursorKey = this.shareCursorKey();

    this.migration = new DatabaseMigration(this, 'Migration', {
      cluster: this.webService.cluster,
      image: defaultImage(),
      ownerSecret,
      runtimeSecret,
      database: props.database,
      logRetention,
      removalPolicy: keptLogs(service.deletionProtection),
    });
    this.migration.runsBefore(this.webService.service);

    this.tracing = new TracingSidecar(this, 'Tracing', {
      taskDefinition: this.webService.taskDefinition,
      appContainer: this.webService.container,
      serviceName: `${config.prefix.toLowerCase()}-${config.stage}`,
      sampleRate: config.observability.traceSampleRate,
      logGroup: this.webService.logGroup,
    });
    // RUM lives beside the service, not in the Monitoring stack: the tasks need its
    // generated ids, and Monitoring already depends on this stack.
    if (config.observability.rum) {
      this.rum = new RealUserMonitoring(this, 'Rum', { domainName: dns.domainName, appMonitorName: `${config.prefix}-${config.stage}` });
      for (const [name, value] of Object.entries(this.rum.containerEnvironment())) this.webService.container.addEnvironment(name, value);
    }

    this.edgeProtection = new EdgeProtection(this, 'Edge', {
      resourceArn: this.webService.loadBalancer.loadBalancerArn,
      stage: config.stage,
      name: `${config.prefix.toLowerCase()}-${config.stage}`,
      ...edgeRuleOptions(config),
      blocklistSource: waf.blocklistSource,
      reputationListUrls: waf.reputationListUrls,
      maxShrinkFraction: waf.maxShrinkFraction,
      syncInterval: Duration.minutes(waf.syncIntervalMinutes),
      syncReservedConcurrency: config.lambdaReservedConcurrency || undefined,
      metricNamespace: operationsMetricNamespace(config),
      logRetention,
      logRemovalPolicy: keptLogs(service.deletionProtection),
      shieldAdvanced: config.shield.advanced
        ? {
            healthAlarms: this.shieldHealthAlarms(config),
            automaticResponse: config.shield.automaticResponse,
            // Shield adds mitigation rules only during an event it detected against the
            // learned baseline.
            mitigationAction: ShieldMitigationAction[config.shield.mitigationAction],
            protectionGroup: config.shield.protectionGroup,
          }
        : undefined,
    });

    new CfnOutput(this, 'Url', { value: this.webService.url, description: 'Public URL of the service' });
    new CfnOutput(this, 'LoadBalancerDnsName', { value: this.webService.loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'ClusterName', { value: this.webService.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.webService.service.serviceName });
    new CfnOutput(this, 'WebAclArn', { value: this.edgeProtection.webAcl.attrArn });
    if (this.edgeProtection.syncFunction) {
      new CfnOutput(this, 'IpSetSyncFunctionName', { value: this.edgeProtection.syncFunction.functionName });
    }
  }

  /**
   * One pagination-cursor key for the whole fleet: a cursor sealed by one task must open on
   * any other (the ALB spreads a client's pages over tasks), and a key each process
   * generated itself would answer every other task's cursor with 400. 64 hex digits (32
   * bytes), generated by Secrets Manager, injected by ECS at task start.
   */
  private shareCursorKey(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'CursorKey', {
      description: 'Key that seals the API pagination cursors (CURSOR_KEY); the same on every task',
      generateSecretString: { passwordLength: 64, excludeUppercase: true, excludePunctuation: true, includeSpace: false, excludeCharacters: 'ghijklmnopqrstuvwxyz' },
    });
    this.webService.container.addSecret('CURSOR_KEY', ecs.Secret.fromSecretsManager(secret));
    NagSuppressions.addResourceSuppressions(secret, [
      {
        id: 'NIST.800.53.R5-SecretsManagerRotationEnabled',
        reason: 'See AwsSolutions-SMG4: a cursor-sealing key, not a credential; rotation would only invalidate the cursors clients hold.',
      },
      {
        id: 'NIST.800.53.R5-SecretsManagerUsingKMSKey',
        reason: 'See CKV_AWS_149 below: it holds no credentials or personal data, so the AWS managed Secrets Manager key is enough.',
      },
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The secret is a key that seals pagination cursors, not a credential: nothing outside the app holds it, and rotating it would only turn the cursors clients hold into 400s. Replace the value to rotate by hand.',
      },
    ]);
    skipCheckov(secret, [
      { id: 'CKV_AWS_149', comment: 'Holds no credentials or personal data (a pagination-cursor sealing key); the AWS managed Secrets Manager key is enough.' },
    ]);
    return secret;
  }

  /**
   * What "the application is unhealthy" means to Shield's health-based detection. Route 53
   * reads only single-metric alarms with plain statistics, so no p99 and no error ratio:
   * - the ALB answering 5xx itself (no target could) more than 1 % of what the minimum
   *   fleet serves at its scaling target, two minutes running;
   * - the average response time above the p99 objective (the typical request as slow as
   *   the tail may be), three minutes running;
   * - no healthy target at all.
   */
  private shieldHealthAlarms(config: StageConfig): cloudwatch.IAlarm[] {
    const web = this.webService;
    const { service } = config;
    const baselineRequestsPerMinute = service.minTasks * service.targetRequestsPerTarget;
    const alarms = [
      web.metricHttp5xxFromLoadBalancer().createAlarm(this, 'LoadBalancer5xxAlarm', {
        alarmDescription: 'Shield health: the load balancer answers 5xx because no target could',
        threshold: Math.max(10, Math.ceil(baselineRequestsPerMinute * 0.01)),
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      web.metricTargetResponseTime({ statistic: 'Average' }).createAlarm(this, 'AverageLatencyAlarm', {
        alarmDescription: 'Shield health: average target response time above the p99 objective',
        threshold: service.p99LatencyTargetMs / 1000,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      web.metricHealthyHostCount().createAlarm(this, 'NoHealthyTargetAlarm', {
        alarmDescription: 'Shield health: no target passes the health check',
        threshold: 1,
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      }),
    ];
    for (const alarm of alarms) acceptAlarmWithoutAction(alarm, "Shield Advanced's health-based detection reads it through a Route 53 health check; the Observability alarms page");
    return alarms;
  }
}
