import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { businessMetricNamespace, type StageConfig } from '../config';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AuroraClusterMetrics } from '../constructs/aurora-cluster-metrics';
import { defaultMaxConnections, instanceMemoryBytes, serverlessMemoryBytes } from '../constructs/aurora-capacity';
import type { EdgeProtection } from '../constructs/edge-protection';
import { Observability, RUNBOOK_PATH } from '../constructs/observability';
import { SecurityBaseline } from '../constructs/security-baseline';
import type { RealUserMonitoring } from '../constructs/real-user-monitoring';
import type { SnapshotReplication } from '../constructs/snapshot-replication';
import type { WebService } from '../constructs/web-service';
import { readDataParameter } from './data-parameters';

export interface MonitoringStackProps extends StackProps {
  readonly config: StageConfig;
  /** The web tier of the Service stack. */
  readonly webService: WebService;
  /** The WAF (and Shield) of the Service stack. */
  readonly edgeProtection: EdgeProtection;
  /**
   * Whether the Data stack's cluster is Serverless v2. The cluster itself is addressed by
   * the identifier the Data stack publishes in SSM, which a restore changes.
   */
  readonly databaseIsServerless: boolean;
  /** The snapshot copier of the Data stack. */
  readonly replication: SnapshotReplication;
  /**
   * The RUM app monitor (created in the Service stack, whose tasks need its ids).
   * @default - no real-user section
   */
  readonly rum?: RealUserMonitoring;
}

/**
 * Memory of one database instance, from the config: Serverless v2 at its maximum capacity,
 * provisioned from the class name. The Data stack's cluster is addressed by identifier here
 * (a restore changes it), so the limits come from the config, not the construct.
 */
export function databaseMemoryBytes(database: StageConfig['database']): number {
  if (database.serverless) return serverlessMemoryBytes(database.serverless.maxCapacity);
  try {
    return instanceMemoryBytes(database.instanceClass ?? '');
  } catch (error) {
    throw new Error(`database.instanceClass: ${(error as Error).message}`);
  }
}

/** Aurora PostgreSQL's default max_connections for an instance with `memoryBytes`. */
export const databaseMaxConnections = defaultMaxConnections;

/**
 * The operators' stack: the Observability construct over the Service and Data stacks'
 * resources. It only reads them (metric dimensions), so it deploys after both and can be
 * replaced without touching them. (Deployment rollback does not depend on this stack:
 * the WebService construct owns the alarms ECS watches during a deployment.)
 */
export class MonitoringStack extends Stack {
  readonly observability: Observability;
  /**
   * The account's running security audit, when the stage has `security.baseline`. It lives
   * here because its findings go to this stack's alarm topic, whose key and topic policies
   * must name EventBridge: a policy can only be extended in the stack that owns it.
   */
  readonly securityBaseline?: SecurityBaseline;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config, webService, edgeProtection } = props;
    const memoryBytes = databaseMemoryBytes(config.database);

    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(this, 'Database', {
      clusterIdentifier: readDataParameter(this, config, 'clusterIdentifier'),
    });

    this.observability = new Observability(this, 'Observability', {
      webService,
      database: { metrics: new AuroraClusterMetrics(cluster, props.databaseIsServerless), memoryBytes, maxConnections: databaseMaxConnections(memoryBytes) },
      webAcl: edgeProtection,
      ipSetSync: edgeProtection.syncFunction ? edgeProtection : undefined,
      shieldProtectedResourceArn: edgeProtection.shieldProtection ? webService.loadBalancer.loadBalancerArn : undefined,
      backups: props.replication,
      functions: {
        'snapshot-copier': props.replication.function,
        ...(edgeProtection.syncFunction ? { 'ip-set-sync': edgeProtection.syncFunction } : {}),
      },
      businessMetrics: { namespace: businessMetricNamespace(config), stage: config.stage },
      rum: props.rum,
      availabilityTarget: config.observability.availabilityTarget,
      latencyObjective: { thresholdMs: config.service.p99LatencyTargetMs, target: 0.99 },
      alarmEmails: [config.observability.alarmEmail],
      // The runbook ships in this repository: every alarm names its section there.
      runbookUrl: RUNBOOK_PATH,
      alarmNamePrefix: `${config.prefix}-${config.stage}`,
      dashboardName: `${config.prefix}-${config.stage}`,
    });

    if (config.security.baseline) {
      this.securityBaseline = new SecurityBaseline(this, 'SecurityBaseline', {
        managedByOrganization: config.security.managedByOrganization,
        alarmTopic: this.observability.alarmTopic,
        configHistoryRetention: Duration.days(config.security.configHistoryRetentionDays),
      });
      this.observability.dashboard.addSection(
        'Security findings',
        'Threat and vulnerability findings of high severity and above (GuardDuty, Inspector, other products through Security Hub), each also sent to the alarm topic; Security Hub\'s newly failed controls per day, sent to the compliance topic and never paged. Triage: docs/runbook.md#security-findings.',
        [this.securityBaseline.findingsWidget()],
      );
    }
  }
}
