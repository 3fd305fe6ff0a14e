import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Duration } from 'aws-cdk-lib';

/**
 * What the observability constructs read from the other constructs: only metric
 * methods, so a team can hand in the project's constructs (AuroraDatabase,
 * SnapshotReplication, EdgeProtection, RealUserMonitoring satisfy these as they are) or
 * an object of its own.
 */

/** A construct's `metric*()` method: optional overrides in, a metric out. */
export type MetricMethod = (props?: cloudwatch.MetricOptions) => cloudwatch.Metric;

/** An Aurora cluster (satisfied by AuroraDatabase). Metrics in AWS/RDS, one-minute periods. */
export interface DatabaseMetricSource {
  /** Serverless v2: ACU metrics apply; provisioned: they do not. */
  readonly isServerless: boolean;
  readonly metricCPUUtilization: MetricMethod;
  readonly metricDatabaseConnections: MetricMethod;
  readonly metricFreeableMemory: MetricMethod;
  /** Reader lag behind the writer, milliseconds. */
  readonly metricReplicaLag: MetricMethod;
  readonly metricDeadlocks: MetricMethod;
  /** Milliseconds. */
  readonly metricCommitLatency: MetricMethod;
  readonly metricACUUtilization: MetricMethod;
  readonly metricServerlessDatabaseCapacity: MetricMethod;
}

/** A WAF web ACL (satisfied by EdgeProtection). AWS/WAFV2 Sums. */
export interface WebAclMetricSource {
  /** The web ACL's rule names (the `Rule` dimension). */
  readonly ruleNames: string[];
  readonly metricAllowedRequests: MetricMethod;
  readonly metricBlockedRequests: MetricMethod;
  readonly metricCountedRequests: MetricMethod;
  readonly metricRuleBlockedRequests: (ruleName: string, props?: cloudwatch.MetricOptions) => cloudwatch.Metric;
  readonly metricRuleCountedRequests: (ruleName: string, props?: cloudwatch.MetricOptions) => cloudwatch.Metric;
  readonly metricRateLimitedPerIp: MetricMethod;
  readonly metricRateLimitedPerUser: MetricMethod;
}

export type IpAddressFamily = 'IPv4' | 'IPv6';

/** The IP-set sync function's metrics (satisfied by EdgeProtection); periods are the sync interval. */
export interface IpSetSyncMetricSource {
  /** Failed sources plus failed writes per run; 0 on a clean run, so no data means no run. */
  readonly metricSyncFailures: MetricMethod;
  readonly metricSyncRejectedEntries: MetricMethod;
  readonly metricSyncEntries: (family: IpAddressFamily, props?: cloudwatch.MetricOptions) => cloudwatch.Metric;
  readonly metricSyncShrinkRefused: (family: IpAddressFamily, props?: cloudwatch.MetricOptions) => cloudwatch.Metric;
  readonly metricSyncTruncated: (family: IpAddressFamily, props?: cloudwatch.MetricOptions) => cloudwatch.Metric;
}

/** The snapshot copier's metrics (satisfied by SnapshotReplication). */
export interface BackupMetricSource {
  /** Seconds since the source snapshot of the newest completed copy was taken (1e9 when none exists). */
  readonly metricSnapshotCopyAgeSeconds: MetricMethod;
  readonly metricCopiesStarted: MetricMethod;
  readonly metricCopyFailures: MetricMethod;
  readonly metricCopiesPruned: MetricMethod;
  readonly metricPruneFailures: MetricMethod;
  /** Failed AWS Backup copy jobs (Sum); absent or undefined when no AWS Backup plan copies. */
  readonly metricAwsBackupCopyJobsFailed?: (props?: { readonly period?: Duration }) => cloudwatch.IMetric | undefined;
}

/** A CloudWatch RUM app monitor (satisfied by RealUserMonitoring). AWS/RUM. */
export interface RumMetricSource {
  readonly metricJsErrors: MetricMethod;
  readonly metricHttpErrors: MetricMethod;
  readonly metricSessions: MetricMethod;
  readonly metricPageViews: MetricMethod;
  /** Page load (navigation) duration, milliseconds. */
  readonly metricNavigationDuration: MetricMethod;
}
