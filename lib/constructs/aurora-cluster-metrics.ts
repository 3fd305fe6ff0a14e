import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as rds from 'aws-cdk-lib/aws-rds';

/**
 * The AWS/RDS metrics of an Aurora cluster with the statistic each is read with, one
 * minute by default. Built from any `IDatabaseCluster`, so a stack that knows the cluster
 * only by its identifier (read from SSM, say) graphs and alarms on the same metrics as
 * {@link AuroraDatabase}, which delegates to it.
 */
export class AuroraClusterMetrics {
  constructor(
    private readonly cluster: rds.IDatabaseCluster,
    /** Serverless v2: ACU metrics apply; provisioned: they do not. */
    readonly isServerless: boolean,
  ) {}

  /** Any AWS/RDS metric of the cluster, by name. */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.cluster.metric(metricName, { period: Duration.minutes(1), ...props });
  }

  metricCPUUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CPUUtilization', { statistic: 'Maximum', ...props });
  }

  metricDatabaseConnections(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('DatabaseConnections', { statistic: 'Maximum', ...props });
  }

  metricFreeableMemory(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('FreeableMemory', { statistic: 'Minimum', ...props });
  }

  /** Lag of the readers behind the writer, in milliseconds. */
  metricReplicaLag(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('AuroraReplicaLagMaximum', { statistic: 'Maximum', ...props });
  }

  metricDeadlocks(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Deadlocks', { statistic: 'Sum', ...props });
  }

  /** Commit latency, in milliseconds. */
  metricCommitLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CommitLatency', { statistic: 'Average', ...props });
  }

  /** Serverless v2: capacity used as a percentage of the maximum ACUs (meaningless when provisioned). */
  metricACUUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ACUUtilization', { statistic: 'Maximum', ...props });
  }

  metricServerlessDatabaseCapacity(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ServerlessDatabaseCapacity', { statistic: 'Maximum', ...props });
  }
}
