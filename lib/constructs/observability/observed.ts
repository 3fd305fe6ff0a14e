import type { Duration } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { DatabaseMetricSource, IpSetSyncMetricSource, LoadBalancedTarget } from './metrics';

/** The load-balanced ECS service (satisfied by WebService). */
export interface ObservedWebService extends LoadBalancedTarget {
  readonly service: ecs.IBaseService;
  /** Fewest tasks autoscaling keeps (the task-count alarms and the dashboard use the bounds). */
  readonly minTasks: number;
  /** Most tasks autoscaling may run. */
  readonly maxTasks: number;
}

/**
 * The database and the limits its alarms are relative to. AuroraDatabase satisfies it and
 * knows both limits for Serverless v2 and the usual instance classes; for another class
 * (or a cluster imported by identifier) pass them yourself.
 */
export interface ObservedDatabase {
  /** Metrics of the cluster. */
  readonly metrics: DatabaseMetricSource;
  /** max_connections of an instance; the connections alarm fires at a fraction of it. Required by Observability. */
  readonly maxConnections?: number;
  /** Memory of an instance in bytes (Serverless v2: at maximum capacity); the freeable-memory alarm fires at a fraction of it. Required by Observability. */
  readonly memoryBytes?: number;
}

/** The IP-set sync function's metrics and how often it runs (satisfied by EdgeProtection). */
export interface ObservedIpSetSync extends IpSetSyncMetricSource {
  /** Time between two syncs (the period of its metrics); undefined when there is no sync. */
  readonly syncInterval?: Duration;
}

/** An {@link ObservedDatabase} whose limits are known (Observability refuses one without them). */
export interface DatabaseWithLimits extends ObservedDatabase {
  readonly maxConnections: number;
  readonly memoryBytes: number;
}
