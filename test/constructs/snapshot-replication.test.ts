import { type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuroraDatabase } from '../../lib/constructs/aurora-database';
import { Network } from '../../lib/constructs/network';
import { SnapshotReplication, type SnapshotReplicationProps } from '../../lib/constructs/snapshot-replication';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';

const BACKUP_VAULT_ARN = 'arn:aws:backup:eu-central-1:123456789012:backup-vault:bulwark-test-backup-copies';

function replicationStack(overrides: Partial<SnapshotReplicationProps> = {}) {
  const stack = new Stack(testApp(), 'Data', { env: { account: '123456789012', region: 'eu-west-1' } });
  applyNag(stack);
  const { vpc } = new Network(stack, 'Net', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
  const database = new AuroraDatabase(stack, 'Db', { vpc });
  const replication = new SnapshotReplication(stack, 'Replication', {
    cluster: database.cluster,
    clusterEncryptionKey: database.encryptionKey,
    backupRegion: 'eu-central-1',
    backupKeyAliasName: 'alias/bulwark-test-backup-copies',
    retention: Duration.days(14),
    copyIdentifierPrefix: 'bulwark-test-copy',
    metricNamespace: 'Bulwark/Operations',
    stage: 'test',
    awsBackup: { destinationVaultArn: BACKUP_VAULT_ARN, retention: Duration.days(35), copyRetention: Duration.days(90) },
    ...overrides,
  });
  return { stack, database, replication };
}

/** Every IAM statement of the copier's role policies. */
function copierStatements(template: Template): Array<Record<string, any>> {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ReplicationCopierRole') }] },
  });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('SnapshotReplication', () => {
  let stack: Stack;
  let database: AuroraDatabase;
  let replication: SnapshotReplication;
  let template: Template;
  beforeAll(() => {
    ({ stack, database, replication } = replicationStack());
    template = Template.fromStack(stack);
  });

  it('runs the copier on the current Node.js runtime, ARM64, bundled locally', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      // A fresh account's concurrency quota (10) leaves nothing to reserve.
      ReservedConcurrentExecutions: Match.absent(),
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          SOURCE_REGION: 'eu-west-1',
          BACKUP_REGION: 'eu-central-1',
          BACKUP_KMS_KEY_ID: 'arn:aws:kms:eu-central-1:123456789012:alias/bulwark-test-backup-copies',
          RETENTION_DAYS: '14',
          MAX_CONCURRENT_COPIES: '3',
          COPY_PREFIX: 'bulwark-test-copy',
          MANAGED_BY_TAG_VALUE: 'bulwark-test-copy-copier',
          METRIC_NAMESPACE: 'Bulwark/Operations',
          STAGE: 'test',
          SOURCE_CLUSTER_IDENTIFIER: { Ref: Match.stringLikeRegexp('^DbCluster') },
        }),
      },
    });
  });

  it('is triggered by the automated cluster snapshot event of this cluster', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.rds'],
        'detail-type': ['RDS DB Cluster Snapshot Event'],
        detail: {
          EventID: ['RDS-EVENT-0169'],
          SourceIdentifier: [{ prefix: { 'Fn::Join': ['', ['rds:', { Ref: Match.stringLikeRegexp('^DbCluster') }, '-']] } }],
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReplicationCopierFunction'), 'Arn'] }, RetryPolicy: Match.anyValue() })],
    });
  });

  it('reconciles every hour (so the copy age is reported hourly), the next run being the retry', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReplicationCopierFunction'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
  });

  it('copies only the cluster\'s automated snapshots, into copies named by its prefix', () => {
    const copy = copierStatements(template).find((s) => s.Sid === 'CopyAutomatedSnapshotsIntoTheBackupRegion')!;
    expect([...copy.Action].sort()).toEqual(['rds:AddTagsToResource', 'rds:CopyDBClusterSnapshot']);
    expect(JSON.stringify(copy.Resource)).toContain(':cluster-snapshot:rds:');
    expect(copy.Resource).toContain('arn:aws:rds:eu-central-1:123456789012:cluster-snapshot:bulwark-test-copy-*');
  });

  it('deletes only snapshots tagged as its own copies', () => {
    const prune = copierStatements(template).find((s) => s.Sid === 'DeleteOnlyCopiesThisCopierMade')!;
    expect(prune.Action).toBe('rds:DeleteDBClusterSnapshot');
    expect(prune.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/bulwark:managed-by': 'bulwark-test-copy-copier' } });
    expect(JSON.stringify(prune.Resource)).toContain(':cluster-snapshot:bulwark-test-copy-*');
  });

  it('lets RDS create KMS grants only for AWS resources, on the source key and the aliased backup key', () => {
    const statements = copierStatements(template);
    const source = statements.find((s) => s.Sid === 'LetRdsUseTheSourceKey')!;
    expect(source).toMatchObject({ Action: 'kms:CreateGrant', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
    expect(source.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DbKey/), 'Arn'] });
    const backup = statements.find((s) => s.Sid === 'LetRdsUseTheBackupRegionKey')!;
    expect(backup.Condition).toEqual({
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/bulwark-test-backup-copies' },
    });
    expect(JSON.stringify(backup.Resource)).toContain(':kms:eu-central-1:123456789012:key/*');
  });

  it('grants nothing beyond the named statements', () => {
    const actions = copierStatements(template).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.includes('*') && !a.startsWith('xray:'))).toEqual([]);
    expect(actions).not.toContain('rds:DeleteDBCluster');
  });

  it('backs the cluster up with AWS Backup and copies each recovery point to the backup vault', () => {
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [
          Match.objectLike({
            RuleName: 'DailyWithCrossRegionCopy',
            Lifecycle: { DeleteAfterDays: 35 },
            CopyActions: [{ DestinationBackupVaultArn: BACKUP_VAULT_ARN, Lifecycle: { DeleteAfterDays: 90 } }],
          }),
        ],
      },
    });
    // The selection is this cluster and nothing else; the primary-region vault has its own key.
    const clusterId = stack.getLogicalId(database.cluster.node.defaultChild as CfnElement);
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({ Resources: [{ 'Fn::Join': ['', ['arn:aws:rds:eu-west-1:123456789012:cluster:', { Ref: clusterId }]] }] }),
    });
    template.hasResourceProperties('AWS::Backup::BackupVault', { EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReplicationBackupVaultKey'), 'Arn'] } });
  });

  it('publishes metrics under the stage dimension', () => {
    const age = stack.resolve(replication.metricSnapshotCopyAgeSeconds().toMetricConfig().metricStat);
    expect(age).toMatchObject({ namespace: 'Bulwark/Operations', metricName: 'SnapshotCopyAgeSeconds', statistic: 'Maximum', dimensions: [{ name: 'Stage', value: 'test' }] });
    expect(replication.metricCopyFailures().metricName).toBe('SnapshotCopyFailures');
    expect(replication.metricCopiesPruned().metricName).toBe('SnapshotCopiesPruned');
  });

  it('passes cdk-nag AwsSolutions', () => {
    expectNoNagFindings(stack);
  });
});

describe('SnapshotReplication options and validation', () => {
  it('omits the AWS Backup plan unless asked', () => {
    const { stack, replication } = replicationStack({ awsBackup: undefined });
    Template.fromStack(stack).resourceCountIs('AWS::Backup::BackupPlan', 0);
    expect(replication.backupPlan).toBeUndefined();
  });

  it.each<[string, Partial<SnapshotReplicationProps>, RegExp]>([
    ['the primary region as backup region', { backupRegion: 'eu-west-1' }, /backupRegion must differ from the stack's region/],
    ['an alias without the alias/ prefix', { backupKeyAliasName: 'backup-key' }, /backupKeyAliasName must start with "alias\/"/],
    ['a copy prefix RDS would refuse', { copyIdentifierPrefix: 'Bulwark_Copies' }, /copyIdentifierPrefix must be lower-case/],
    ['more concurrent copies than AWS allows', { maxConcurrentCopies: 6 }, /maxConcurrentCopies must be 1\.\.5/],
  ])('rejects %s', (_name, props, message) => {
    expect(() => replicationStack(props)).toThrow(message);
  });
});
