import { DescribeDBClusterSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { isAvailable, isInProgress, listAutomatedSnapshots, SOURCE_CREATED_TAG, sourceCreatedTime } from '../../../lambda/snapshot-copier/snapshots';

describe('snapshot status', () => {
  it('copying, creating and pending are in progress, in any case; available and unknown are not', () => {
    expect(['copying', 'Creating', 'PENDING'].map((Status) => isInProgress({ Status }))).toEqual([true, true, true]);
    expect([isInProgress({ Status: 'available' }), isInProgress({})]).toEqual([false, false]);
  });

  it('available is available in any case; a snapshot without a status is not', () => {
    expect([isAvailable({ Status: 'Available' }), isAvailable({ Status: 'copying' }), isAvailable({})]).toEqual([true, false, false]);
  });
});

describe('sourceCreatedTime', () => {
  const copiedAt = new Date('2024-06-15T12:00:00Z');
  const tag = (Value: string) => [{ Key: SOURCE_CREATED_TAG, Value }];

  it('is the source-created tag when it holds a date, else when the copy was made', () => {
    expect(sourceCreatedTime({ SnapshotCreateTime: copiedAt }, tag('2024-06-01T03:10:00Z'))).toEqual(new Date('2024-06-01T03:10:00Z'));
    expect(sourceCreatedTime({ SnapshotCreateTime: copiedAt }, tag('not a date'))).toBe(copiedAt);
    expect(sourceCreatedTime({ SnapshotCreateTime: copiedAt }, [])).toBe(copiedAt);
  });
});

describe('listAutomatedSnapshots', () => {
  const rds = mockClient(RDSClient);
  afterAll(() => rds.restore());

  it('lists newest first, with one still being created (no create time yet) ahead of all', async () => {
    const at = (day: number) => new Date(`2024-06-${String(day).padStart(2, '0')}T03:10:00Z`);
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [
        { DBClusterSnapshotIdentifier: 'rds:db-02', SnapshotCreateTime: at(2) },
        { DBClusterSnapshotIdentifier: 'rds:db-new' },
        { DBClusterSnapshotIdentifier: 'rds:db-03', SnapshotCreateTime: at(3) },
        { DBClusterSnapshotIdentifier: 'rds:db-01', SnapshotCreateTime: at(1) },
      ],
    });
    const listed = await listAutomatedSnapshots(new RDSClient({ region: 'eu-west-1' }), 'db');
    expect(listed.map((snapshot) => snapshot.DBClusterSnapshotIdentifier)).toEqual(['rds:db-new', 'rds:db-03', 'rds:db-02', 'rds:db-01']);
    expect(rds.commandCalls(DescribeDBClusterSnapshotsCommand)[0].args[0].input).toMatchObject({ DBClusterIdentifier: 'db', SnapshotType: 'automated', MaxRecords: 100 });
  });
});
