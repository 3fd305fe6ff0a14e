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
  readonly namespace: string;
  readonly stage: string;
  readonly clusterIdentifier: string;
  readonly timestamp: Date;
}

/**
 * One CloudWatch Embedded Metric Format document. Printed as a single line, CloudWatch Logs
 * turns it into metrics, so the function needs no cloudwatch:PutMetricData permission.
 */
export function embeddedMetricDocument(metrics: RunMetrics, context: MetricContext): Record<string, unknown> {
  const values: Record<string, { value: number; unit: 'Seconds' | 'Count' }> = {
    [SNAPSHOT_COPY_AGE_SECONDS]: {
      value: metrics.newestCompletedCopyAgeSeconds ?? NO_COMPLETED_COPY_AGE_SECONDS,
      unit: 'Seconds',
    },
    [SNAPSHOT_COPIES_STARTED]: { value: metrics.copiesStarted, unit: 'Count' },
    [SNAPSHOT_COPY_FAILURES]: { value: metrics.copyFailures, unit: 'Count' },
    [SNAPSHOT_COPIES_PRUNED]: { value: metrics.copiesPruned, unit: 'Count' },
    [SNAPSHOT_PRUNE_FAILURES]: { value: metrics.pruneFailures, unit: 'Count' },
    [SNAPSHOTS_REFUSED_FOREIGN]: { value: metrics.refusedForeign, unit: 'Count' },
  };
  return {
    _aws: {
      Timestamp: context.timestamp.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: context.namespace,
          Dimensions: SNAPSHOT_COPIER_DIMENSION_SETS.map((set) => [...set]),
          Metrics: Object.entries(values).map(([name, { unit }]) => ({ Name: name, Unit: unit })),
        },
      ],
    },
    [STAGE_DIMENSION]: context.stage,
    [CLUSTER_IDENTIFIER_DIMENSION]: context.clusterIdentifier,
    ...Object.fromEntries(Object.entries(values).map(([name, { value }]) => [name, value])),
  };
}

/**
 * Writes straight to stdout, not through console.log: the Lambda runtime prefixes
 * console.log lines with a timestamp and request id, and CloudWatch only extracts
 * metrics from a log event that is the JSON document alone.
 */
export const writeToStdout = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
