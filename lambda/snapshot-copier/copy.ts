import { CopyDBClusterSnapshotCommand, type DBClusterSnapshot, type RDSClient, type Tag } from '@aws-sdk/client-rds';
import type { CopierConfig } from './config';
import { isPastRetention } from './retention';
import { errorMessage, errorName } from './errors';
import { identifierOf, isAvailable, isInProgress, MANAGED_BY_TAG, SOURCE_CREATED_TAG, SOURCE_SNAPSHOT_TAG } from './snapshots';
import { targetSnapshotIdentifier } from './target-id';

/** RDS allows 50 tags per resource; the copier's own three always fit. */
const MAX_TAGS = 50;

export interface CopyStarted {
  readonly sourceSnapshotIdentifier: string;
  readonly targetSnapshotIdentifier: string;
  readonly encrypted: boolean;
}

export interface SnapshotFailure {
  readonly snapshotIdentifier: string;
  /** `<ErrorName>: <message>`. */
  readonly error: string;
}

export interface CopyReport {
  /** Source snapshot ids this run looked at: the newest `maxCopiesPerRun` automated snapshots. */
  readonly considered: string[];
  readonly started: CopyStarted[];
  /** Target ids that already existed in the backup region (found by listing, or told by AlreadyExists). */
  readonly alreadyCopied: string[];
  /** Source snapshots not yet available; the next run (event or schedule) picks them up. */
  readonly skippedInProgress: string[];
  /** Source snapshots older than the retention, whose copy would be pruned at once. */
  readonly skippedExpired: string[];
  /** Source snapshots left for a later run: no free concurrent-copy slot, or the snapshot quota was hit. */
  readonly deferred: string[];
  readonly failures: SnapshotFailure[];
  /** The backup region refused a copy with SnapshotQuotaExceededFault; no further copies were tried. */
  quotaExceeded: boolean;
  /** Copies already in progress in the backup region when the run started, from any source. */
  readonly copiesInProgressBefore: number;
  readonly concurrencyLimit: number;
}

export interface CopyStepInput {
  readonly config: CopierConfig;
  /** Client for the backup (destination) region: CopyDBClusterSnapshot is called where the copy lands. */
  readonly backup: RDSClient;
  readonly now: Date;
  /** Automated source snapshots, newest first. */
  readonly sources: readonly DBClusterSnapshot[];
  /** Manual snapshots in the backup region at the start of the run. */
  readonly backupSnapshots: readonly DBClusterSnapshot[];
}

/**
 * Tags for a copy. The source's tags are merged in explicitly and CopyTags is never set:
 * beside explicit Tags it is at best ignored and at worst copies reserved `aws:` tags,
 * which RDS refuses; the copier's own keys always carry the copier's values.
 */
export function copyTags(sourceTags: readonly Tag[], ownTags: readonly Tag[]): Tag[] {
  const ownKeys = new Set(ownTags.map((tag) => tag.Key));
  const inherited = sourceTags.filter((tag) => tag.Key && !tag.Key.startsWith('aws:') && !ownKeys.has(tag.Key));
  return [...inherited.slice(0, MAX_TAGS - ownTags.length), ...ownTags];
}

export async function startMissingCopies(input: CopyStepInput): Promise<CopyReport> {
  const { config, backup, now } = input;
  const existing = new Set(input.backupSnapshots.map(identifierOf));
  const copiesInProgressBefore = input.backupSnapshots.filter(isInProgress).length;
  let freeSlots = Math.max(0, config.maxConcurrentCopies - copiesInProgressBefore);

  const report: CopyReport = {
    considered: [],
    started: [],
    alreadyCopied: [],
    skippedInProgress: [],
    skippedExpired: [],
    deferred: [],
    failures: [],
    quotaExceeded: false,
    copiesInProgressBefore,
    concurrencyLimit: config.maxConcurrentCopies,
  };

  for (const source of input.sources.slice(0, config.maxCopiesPerRun)) {
    const sourceId = source.DBClusterSnapshotIdentifier ?? '';
    const targetId = targetSnapshotIdentifier(config.copyPrefix, sourceId);
    report.considered.push(sourceId);

    if (existing.has(targetId)) {
      report.alreadyCopied.push(targetId);
      continue;
    }
    if (!isAvailable(source)) {
      report.skippedInProgress.push(sourceId);
      continue;
    }
    const takenAt = source.SnapshotCreateTime;
    if (!takenAt || !source.DBClusterSnapshotArn) {
      report.failures.push({ snapshotIdentifier: sourceId, error: 'InvalidSnapshot: available snapshot without SnapshotCreateTime or ARN' });
      continue;
    }
    if (isPastRetention(takenAt, now, config.retentionDays)) {
      report.skippedExpired.push(sourceId);
      continue;
    }
    if (report.quotaExceeded || freeSlots === 0) {
      report.deferred.push(sourceId);
      continue;
    }

    const encrypted = source.StorageEncrypted === true;
    const tags = copyTags(source.TagList ?? [], [
      { Key: MANAGED_BY_TAG, Value: config.managedByTagValue },
      { Key: SOURCE_SNAPSHOT_TAG, Value: source.DBClusterSnapshotArn },
      { Key: SOURCE_CREATED_TAG, Value: takenAt.toISOString() },
    ]);
    try {
      // With a source ARN in another region the SDK's RDS middleware derives the source region
      // from the ARN and adds the presigned URL itself (SDK v3 has no SourceRegion input).
      // Throttling is retried by the client (rds-client.ts); what reaches here is final.
      await backup.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: source.DBClusterSnapshotArn,
          TargetDBClusterSnapshotIdentifier: targetId,
          ...(encrypted ? { KmsKeyId: config.backupKmsKeyId } : {}),
          Tags: tags,
        }),
      );
      report.started.push({ sourceSnapshotIdentifier: sourceId, targetSnapshotIdentifier: targetId, encrypted });
      freeSlots--;
    } catch (error) {
      const name = errorName(error);
      if (name === 'DBClusterSnapshotAlreadyExistsFault') {
        report.alreadyCopied.push(targetId);
      } else {
        report.failures.push({ snapshotIdentifier: sourceId, error: `${name}: ${errorMessage(error)}` });
        if (name === 'SnapshotQuotaExceededFault') report.quotaExceeded = true;
      }
    }
  }
  return report;
}
