import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { IP_SET_SYNC_DIMENSIONS, IP_SET_SYNC_METRICS } from './metric-names';
import type { SyncReport } from './sync';

/**
 * Publishes a run's metrics as Embedded Metric Format documents (through Powertools Metrics,
 * in the namespace it was created with), one per dimension set. The run-level document
 * (dimension Stage) always carries IpSetSyncFailures, 0 on a clean run, so an alarm on it
 * sees data every run. One document per address family (Stage, AddressFamily) follows when
 * the sets were reached.
 */
export function publishSyncMetrics(metrics: Metrics, report: SyncReport, stage: string, timestamp: number): void {
  const publish = (dimensions: Record<string, string>, values: Record<string, number>) => {
    for (const [name, value] of Object.entries(dimensions)) metrics.addDimension(name, value);
    for (const [name, value] of Object.entries(values)) metrics.addMetric(name, MetricUnit.Count, value);
    metrics.setTimestamp(timestamp);
    metrics.publishStoredMetrics();
  };
  const stageDimension = { [IP_SET_SYNC_DIMENSIONS.stage]: stage };
  publish(stageDimension, {
    [IP_SET_SYNC_METRICS.failures]: report.failures.length,
    [IP_SET_SYNC_METRICS.rejectedEntries]: report.rejectedCount,
  });
  for (const family of report.families) {
    publish(
      { ...stageDimension, [IP_SET_SYNC_DIMENSIONS.addressFamily]: family.family },
      {
        ...(family.entryCount !== undefined ? { [IP_SET_SYNC_METRICS.entries]: family.entryCount } : {}),
        [IP_SET_SYNC_METRICS.changes]: family.changes,
        [IP_SET_SYNC_METRICS.truncated]: family.truncatedCount,
        [IP_SET_SYNC_METRICS.shrinkRefused]: family.status === 'shrink-refused' ? 1 : 0,
      },
    );
  }
}
