import { DeleteDBClusterSnapshotCommand, type DBClusterSnapshot, type RDSClient, type Tag } from '@aws-sdk/client-rds';
import type { CopierConfig } from './config';
import type { SnapshotFailure } from './copy';
import { isPastRetention } from './retention';
import { errorMessage, errorName } from './errors';
import { identifierOf, isAvailable, MANAGED_BY_TAG, sourceCreatedTime, tagsOf, tagValue } from './snapshots';

/** A snapshot in the backup region together with what the copier knows about it. */
export interface BackupSnapshot {
  readonly snapshot: DBClusterSnapshot;
  readonly identifier: string;
  readonly tags: readonly Tag[];
  /** Carries `bulwark:managed-by=<this copier's value>`: the only mark that makes a snapshot the copier's own. */
  readonly managed: boolean;
  /** Not the copier's, yet named with its prefix or tagged by another copier: never touched, and reported. */
  readonly foreign: boolean;
  readonly sourceCreated: Date | undefined;
}

export interface PruneReport {
  readonly pruned: string[];
  readonly failures: SnapshotFailure[];
  /** Snapshots that looked like copies (prefix or managed-by key) but are not this copier's; left alone. */
  readonly refusedForeign: string[];
  /** The newest completed copy, kept whatever its age. */
  readonly keptNewest: string | undefined;
  /** Copies of the copier's own that are kept because their age is unknown. */
  readonly keptUndated: string[];
}

export interface PruneStepInput {
  readonly config: CopierConfig;
  readonly backup: RDSClient;
  readonly now: Date;
  readonly snapshots: readonly BackupSnapshot[];
}

/**
 * Resolves ownership of the backup region's snapshots. Tags are only fetched for snapshots
 * that can be relevant (the describe output normally carries them already); a snapshot that
 * merely has the copier's prefix is not trusted without the tag.
 */
export async function classifyBackupSnapshots(
  snapshots: readonly DBClusterSnapshot[],
  config: CopierConfig,
  backup: RDSClient,
): Promise<BackupSnapshot[]> {
  const prefix = `${config.copyPrefix}-`;
  const classified: BackupSnapshot[] = [];
  for (const snapshot of snapshots) {
    const identifier = identifierOf(snapshot);
    const hasPrefix = identifier.startsWith(prefix);
    const tags = snapshot.TagList ?? (hasPrefix ? await tagsOf(backup, snapshot) : []);
    const managedBy = tagValue(tags, MANAGED_BY_TAG);
    const managed = managedBy === config.managedByTagValue;
    classified.push({
      snapshot,
      identifier,
      tags,
      managed,
      foreign: !managed && (hasPrefix || managedBy !== undefined),
      sourceCreated: sourceCreatedTime(snapshot, tags),
    });
  }
  return classified;
}

/** The copier's newest available copy, by when its source snapshot was taken. */
export function newestCompletedCopy(snapshots: readonly BackupSnapshot[]): BackupSnapshot | undefined {
  let newest: BackupSnapshot | undefined;
  for (const candidate of snapshots) {
    if (!candidate.managed || !isAvailable(candidate.snapshot) || !candidate.sourceCreated) continue;
    if (!newest || candidate.sourceCreated > newest.sourceCreated!) newest = candidate;
  }
  return newest;
}

/**
 * Deletes the copier's own available copies whose source is older than the retention,
 * except the newest completed copy: if the source stops producing snapshots, the backup
 * region keeps the last good one instead of emptying out.
 */
export async function pruneExpiredCopies(input: PruneStepInput): Promise<PruneReport> {
  const { config, backup, now } = input;
  const newest = newestCompletedCopy(input.snapshots);
  const report: PruneReport = {
    pruned: [],
    failures: [],
    refusedForeign: input.snapshots.filter((s) => s.foreign).map((s) => s.identifier),
    keptNewest: newest?.identifier,
    keptUndated: [],
  };

  for (const candidate of input.snapshots) {
    if (!candidate.managed || !isAvailable(candidate.snapshot) || candidate === newest) continue;
    if (!candidate.sourceCreated) {
      report.keptUndated.push(candidate.identifier);
      continue;
    }
    if (!isPastRetention(candidate.sourceCreated, now, config.retentionDays)) continue;
    try {
      await backup.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: candidate.identifier }));
      report.pruned.push(candidate.identifier);
    } catch (error) {
      const name = errorName(error);
      // Gone between the listing and now (deleted by hand): nothing left to do, nothing to count.
      if (name !== 'DBClusterSnapshotNotFoundFault') report.failures.push({ snapshotIdentifier: candidate.identifier, error: `${name}: ${errorMessage(error)}` });
    }
  }
  return report;
}
