import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import {
  CLUSTER_IDENTIFIER_DIMENSION,
  NO_COMPLETED_COPY_AGE_SECONDS,
  SNAPSHOT_COPIER_DIMENSION_SETS,
  SNAPSHOT_COPIES_PRUNED,
  SNAPSHOT_COPIES_STARTED,
  SNAPSHOT_COPY_AGE_SECONDS,
  SNAPSHOT_COPY_FAILURES,
  SNAPSHOT_PRUNE_FAILURES,
  SNAPSHOTS_REFUSED_FOREIGN,
  STAGE_DIMENSION,
} from './metric-names';

export interface RunMetrics {
  /** Undefined when the backup region holds no completed copy. */
  readonly newestCompletedCopyAgeSeconds: number | undefined;
  readonly copiesStarted: number;
  readonly copyFailures: number;
  readonly copiesPruned: number;
  readonly pruneFailures: number;
  readonly refusedForeign: number;
}

export interface MetricContext {
  readonly stage: string;
  readonly clusterIdentifier: string;
  readonly timestamp: Date;
}

/**
 * Publishes one run's metrics as one Embedded Metric Format document (Powertools Metrics
 * writes it to stdout, where CloudWatch Logs extracts it, so the function needs no
 * cloudwatch:PutMetricData), under both dimension sets of {@link SNAPSHOT_COPIER_DIMENSION_SETS}.
 * The namespace is the one the Metrics instance was created with.
 */
export function publishRunMetrics(metrics: Metrics, values: RunMetrics, context: MetricContext): void {
  const dimensionValues: Record<string, string> = {
    [STAGE_DIMENSION]: context.stage,
    [CLUSTER_IDENTIFIER_DIMENSION]: context.clusterIdentifier,
  };
  for (const set of SNAPSHOT_COPIER_DIMENSION_SETS) metrics.addDimensions(Object.fromEntries(set.map((name) => [name, dimensionValues[name]])));
  metrics.addMetric(SNAPSHOT_COPY_AGE_SECONDS, MetricUnit.Seconds, values.newestCompletedCopyAgeSeconds ?? NO_COMPLETED_COPY_AGE_SECONDS);
  metrics.addMetric(SNAPSHOT_COPIES_STARTED, MetricUnit.Count, values.copiesStarted);
  metrics.addMetric(SNAPSHOT_COPY_FAILURES, MetricUnit.Count, values.copyFailures);
  metrics.addMetric(SNAPSHOT_COPIES_PRUNED, MetricUnit.Count, values.copiesPruned);
  metrics.addMetric(SNAPSHOT_PRUNE_FAILURES, MetricUnit.Count, values.pruneFailures);
  metrics.addMetric(SNAPSHOTS_REFUSED_FOREIGN, MetricUnit.Count, values.refusedForeign);
  // The age is measured against the run's clock, so the document carries the same instant.
  metrics.setTimestamp(context.timestamp);
  metrics.publishStoredMetrics();
}
