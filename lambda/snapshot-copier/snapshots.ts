import {
  DescribeDBClusterSnapshotsCommand,
  ListTagsForResourceCommand,
  type DBClusterSnapshot,
  type DescribeDBClusterSnapshotsCommandInput,
  type RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';

export const MANAGED_BY_TAG = 'bulwark:managed-by';
export const SOURCE_SNAPSHOT_TAG = 'bulwark:source-snapshot';
export const SOURCE_CREATED_TAG = 'bulwark:source-created';

const PAGE_SIZE = 100;

/** Snapshot states in which a copy is still using one of the destination region's concurrent-copy slots. */
const IN_PROGRESS_STATUSES: ReadonlySet<string> = new Set(['copying', 'creating', 'pending']);

async function describeAll(rds: RDSClient, input: DescribeDBClusterSnapshotsCommandInput): Promise<DBClusterSnapshot[]> {
  const snapshots: DBClusterSnapshot[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBClusterSnapshotsCommand({ ...input, MaxRecords: PAGE_SIZE, Marker: marker }));
    snapshots.push(...(page.DBClusterSnapshots ?? []));
    marker = page.Marker;
  } while (marker);
  return snapshots;
}

/** Every automated snapshot of the cluster, newest first; snapshots still being taken (no create time yet) sort first. */
export async function listAutomatedSnapshots(rds: RDSClient, clusterIdentifier: string): Promise<DBClusterSnapshot[]> {
  const snapshots = await describeAll(rds, { DBClusterIdentifier: clusterIdentifier, SnapshotType: 'automated' });
  return snapshots.sort((a, b) => createTimeOrInfinity(b) - createTimeOrInfinity(a));
}

/**
 * Every manual cluster snapshot in the region, whoever made it: copies land as manual
 * snapshots, and the concurrent-copy quota counts all of them, not only this function's.
 */
export async function listManualSnapshots(rds: RDSClient): Promise<DBClusterSnapshot[]> {
  return describeAll(rds, { SnapshotType: 'manual' });
}

/** The snapshot's tags: the TagList from the describe output when present, otherwise asked for. */
export async function tagsOf(rds: RDSClient, snapshot: DBClusterSnapshot): Promise<Tag[]> {
  if (snapshot.TagList) return snapshot.TagList;
  if (!snapshot.DBClusterSnapshotArn) return [];
  const response = await rds.send(new ListTagsForResourceCommand({ ResourceName: snapshot.DBClusterSnapshotArn }));
  return response.TagList ?? [];
}

export function tagValue(tags: readonly Tag[], key: string): string | undefined {
  return tags.find((tag) => tag.Key === key)?.Value;
}

export function isInProgress(snapshot: DBClusterSnapshot): boolean {
  return IN_PROGRESS_STATUSES.has((snapshot.Status ?? '').toLowerCase());
}

export function isAvailable(snapshot: DBClusterSnapshot): boolean {
  return (snapshot.Status ?? '').toLowerCase() === 'available';
}

export function identifierOf(snapshot: DBClusterSnapshot): string {
  return (snapshot.DBClusterSnapshotIdentifier ?? '').toLowerCase();
}

function createTimeOrInfinity(snapshot: DBClusterSnapshot): number {
  return snapshot.SnapshotCreateTime?.getTime() ?? Number.POSITIVE_INFINITY;
}

/**
 * When the source snapshot of a copy was taken: the copier's own tag first, because a
 * copy's SnapshotCreateTime is not guaranteed to be the source's; then the copy's own time.
 */
export function sourceCreatedTime(snapshot: DBClusterSnapshot, tags: readonly Tag[]): Date | undefined {
  const tagged = tagValue(tags, SOURCE_CREATED_TAG);
  if (tagged !== undefined) {
    const parsed = new Date(tagged);
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  return snapshot.SnapshotCreateTime;
}
