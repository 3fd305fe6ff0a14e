import { RDSClient, type DBClusterSnapshot, type Tag } from '@aws-sdk/client-rds';
import type { CopierConfig } from '../../../lambda/snapshot-copier/config';

export const ACCOUNT = '111122223333';
export const SOURCE_REGION = 'eu-west-1';
export const BACKUP_REGION = 'eu-central-1';
export const CLUSTER = 'bulwark-prod-db';
export const MANAGED_BY = 'Bulwark-prod-snapshot-copier';
export const BACKUP_KEY_ALIAS_ARN = `arn:aws:kms:${BACKUP_REGION}:${ACCOUNT}:alias/bulwark-prod-backup`;
export const NOW = new Date('2024-06-15T12:00:00.000Z');
export const DAY_MS = 86_400_000;

export const config: CopierConfig = {
  sourceClusterIdentifier: CLUSTER,
  sourceRegion: SOURCE_REGION,
  backupRegion: BACKUP_REGION,
  backupKmsKeyId: BACKUP_KEY_ALIAS_ARN,
  retentionDays: 14,
  maxConcurrentCopies: 5,
  maxCopiesPerRun: 5,
  copyPrefix: 'bulwark-prod-copy',
  managedByTagValue: MANAGED_BY,
  metricNamespace: 'Bulwark/Operations',
  stage: 'prod',
};

export const validEnv = {
  SOURCE_CLUSTER_IDENTIFIER: CLUSTER,
  SOURCE_REGION,
  BACKUP_REGION,
  BACKUP_KMS_KEY_ID: BACKUP_KEY_ALIAS_ARN,
  RETENTION_DAYS: '14',
  COPY_PREFIX: 'bulwark-prod-copy',
  MANAGED_BY_TAG_VALUE: MANAGED_BY,
  METRIC_NAMESPACE: 'Bulwark/Operations',
  STAGE: 'prod',
};

export function clients(): { source: RDSClient; backup: RDSClient } {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  return {
    source: new RDSClient({ region: SOURCE_REGION, credentials }),
    backup: new RDSClient({ region: BACKUP_REGION, credentials }),
  };
}

/** `rds:<cluster>-yyyy-mm-dd-hh-mm`, as RDS names automated cluster snapshots. */
export function automatedId(takenAt: Date): string {
  const stamp = takenAt.toISOString().slice(0, 16).replace(/[T:]/g, '-');
  return `rds:${CLUSTER}-${stamp}`;
}

export function automatedSnapshot(
  daysAgo: number,
  options: { status?: string; encrypted?: boolean; tags?: Tag[] } = {},
): DBClusterSnapshot {
  const takenAt = new Date(NOW.getTime() - daysAgo * DAY_MS);
  const id = automatedId(takenAt);
  const status = options.status ?? 'available';
  return {
    DBClusterSnapshotIdentifier: id,
    DBClusterSnapshotArn: `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:cluster-snapshot:${id}`,
    DBClusterIdentifier: CLUSTER,
    SnapshotType: 'automated',
    Status: status,
    SnapshotCreateTime: status === 'creating' ? undefined : takenAt,
    StorageEncrypted: options.encrypted ?? true,
    TagList: options.tags ?? [{ Key: 'project', Value: 'bulwark' }],
  };
}

export function backupSnapshot(
  identifier: string,
  options: { status?: string; tags?: Tag[] | undefined; sourceCreated?: Date; createTime?: Date } = {},
): DBClusterSnapshot {
  const tags =
    'tags' in options
      ? options.tags
      : [
          { Key: 'bulwark:managed-by', Value: MANAGED_BY },
          ...(options.sourceCreated ? [{ Key: 'bulwark:source-created', Value: options.sourceCreated.toISOString() }] : []),
        ];
  return {
    DBClusterSnapshotIdentifier: identifier,
    DBClusterSnapshotArn: `arn:aws:rds:${BACKUP_REGION}:${ACCOUNT}:cluster-snapshot:${identifier}`,
    DBClusterIdentifier: CLUSTER,
    SnapshotType: 'manual',
    Status: options.status ?? 'available',
    SnapshotCreateTime: options.createTime ?? options.sourceCreated ?? NOW,
    StorageEncrypted: true,
    TagList: tags,
  };
}

export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

export function daysAgo(days: number): Date {
  return new Date(NOW.getTime() - days * DAY_MS);
}
