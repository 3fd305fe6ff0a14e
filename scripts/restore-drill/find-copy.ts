import { DescribeDBClusterSnapshotsCommand, type DBClusterSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import { newestCompletedCopy, type BackupSnapshot } from '../../lambda/snapshot-copier/prune';
import { identifierOf, listManualSnapshots, MANAGED_BY_TAG, sourceCreatedTime, tagsOf, tagValue } from '../../lambda/snapshot-copier/snapshots';

/** The copy a drill restores, with what the report says about it. */
export interface DrillSource {
  readonly snapshot: DBClusterSnapshot;
  readonly identifier: string;
  /** When the copy's source snapshot was taken in the primary region (the data's age). */
  readonly sourceCreated: Date | undefined;
}

export class NoCopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoCopyError';
  }
}

/**
 * The newest completed copy the copier made in the backup region: the copies carrying its
 * `bulwark:managed-by` value, dated by their `bulwark:source-created` tag, exactly the copy
 * the copier's "latest copy age" metric describes.
 */
export async function findNewestCopy(backup: RDSClient, managedByTagValue: string): Promise<DrillSource> {
  const snapshots = await listManualSnapshots(backup);
  const classified: BackupSnapshot[] = [];
  for (const snapshot of snapshots) {
    const tags = await tagsOf(backup, snapshot);
    const managed = tagValue(tags, MANAGED_BY_TAG) === managedByTagValue;
    classified.push({ snapshot, identifier: identifierOf(snapshot), tags, managed, foreign: false, sourceCreated: sourceCreatedTime(snapshot, tags) });
  }
  const newest = newestCompletedCopy(classified);
  if (!newest) {
    const managedCount = classified.filter((candidate) => candidate.managed).length;
    throw new NoCopyError(
      `no available snapshot tagged ${MANAGED_BY_TAG}=${managedByTagValue} in the backup region ` +
        `(${snapshots.length} manual snapshots, ${managedCount} with that tag): is the copier deployed and has it run?`,
    );
  }
  return { snapshot: newest.snapshot, identifier: newest.identifier, sourceCreated: newest.sourceCreated };
}

/** A copy named on the command line; it must exist and be available, whoever made it. */
export async function findNamedCopy(backup: RDSClient, identifier: string): Promise<DrillSource> {
  const response = await backup.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: identifier })).catch((error: unknown) => {
    if ((error as Error).name === 'DBClusterSnapshotNotFoundFault') throw new NoCopyError(`snapshot ${identifier} does not exist in the backup region`);
    throw error;
  });
  const snapshot = response.DBClusterSnapshots?.[0];
  if (!snapshot) throw new NoCopyError(`snapshot ${identifier} does not exist in the backup region`);
  if ((snapshot.Status ?? '').toLowerCase() !== 'available') throw new NoCopyError(`snapshot ${identifier} is ${snapshot.Status}, not available`);
  const tags = await tagsOf(backup, snapshot);
  return { snapshot, identifier: identifierOf(snapshot), sourceCreated: sourceCreatedTime(snapshot, tags) };
}
