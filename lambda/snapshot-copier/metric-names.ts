/**
 * Names shared by the snapshot copier (which emits the metrics) and the CDK code that
 * alarms on them. Kept free of runtime dependencies so a stack can import it without
 * pulling the AWS SDK into synthesis.
 */

/** Seconds since the source snapshot of the newest *completed* copy in the backup region was taken. */
export const SNAPSHOT_COPY_AGE_SECONDS = 'SnapshotCopyAgeSeconds';
/** Copies started by one run (a copy that already existed is not counted). */
export const SNAPSHOT_COPIES_STARTED = 'SnapshotCopiesStarted';
/** Source snapshots a run tried and failed to copy (quota exceeded included). */
export const SNAPSHOT_COPY_FAILURES = 'SnapshotCopyFailures';
/** Copies deleted because they were past retention. */
export const SNAPSHOT_COPIES_PRUNED = 'SnapshotCopiesPruned';
/** Deletions of expired copies that failed. */
export const SNAPSHOT_PRUNE_FAILURES = 'SnapshotPruneFailures';
/**
 * Snapshots in the backup region that look like copies (the copier's id prefix, or a
 * `bulwark:managed-by` tag) but do not carry this copier's tag value, so pruning left them alone.
 * Informational: an operator's hand-made copy is a legitimate reason for it to be non-zero.
 */
export const SNAPSHOTS_REFUSED_FOREIGN = 'SnapshotsRefusedForeign';

export const SNAPSHOT_COPIER_METRIC_NAMES = [
  SNAPSHOT_COPY_AGE_SECONDS,
  SNAPSHOT_COPIES_STARTED,
  SNAPSHOT_COPY_FAILURES,
  SNAPSHOT_COPIES_PRUNED,
  SNAPSHOT_PRUNE_FAILURES,
  SNAPSHOTS_REFUSED_FOREIGN,
] as const;

export const STAGE_DIMENSION = 'Stage';
export const CLUSTER_IDENTIFIER_DIMENSION = 'ClusterIdentifier';

/**
 * Every metric is published under both dimension sets: `{Stage}` for a stage-wide alarm and
 * `{Stage, ClusterIdentifier}` to tell clusters apart.
 */
export const SNAPSHOT_COPIER_DIMENSION_SETS: readonly (readonly string[])[] = [
  [STAGE_DIMENSION],
  [STAGE_DIMENSION, CLUSTER_IDENTIFIER_DIMENSION],
];

/**
 * Published as SnapshotCopyAgeSeconds when the backup region holds no completed copy at all
 * (about 31.7 years). A real value, rather than a gap in the data, lets a plain
 * "greater than threshold" alarm fire on the day the copier is deployed against an empty
 * backup region; alarms should still treat missing data as breaching, for the case where
 * the function does not run.
 */
export const NO_COMPLETED_COPY_AGE_SECONDS = 1_000_000_000;
