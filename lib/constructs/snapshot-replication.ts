import { Arn, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { MAX_COPY_PREFIX_LENGTH } from '../../lambda/snapshot-copier/config';
import {
  SNAPSHOT_COPIES_PRUNED,
  SNAPSHOT_COPIES_STARTED,
  SNAPSHOT_COPY_AGE_SECONDS,
  SNAPSHOT_COPY_FAILURES,
  SNAPSHOT_PRUNE_FAILURES,
  STAGE_DIMENSION,
} from '../../lambda/snapshot-copier/metric-names';
import { BundledFunction, lambdaBundle } from './internal/bundled-function';
import { restrictServiceTrustToAccount } from './internal/service-trust';

/** The AWS Backup half of the replication: a daily plan whose recovery points are copied to the backup region. */
export interface AwsBackupCopyProps {
  /** ARN of the vault in the backup region that receives the copies. */
  readonly destinationVaultArn: string;
  /**
   * Retention of recovery points in the primary region.
   * @default Duration.days(35)
   */
  readonly retention?: Duration;
  /**
   * Retention of the copies in the backup region.
   * @default Duration.days(90)
   */
  readonly copyRetention?: Duration;
  /**
   * When the plan runs.
   * @default `events.Schedule.cron({ hour: '5', minute: '0' })` - daily, after the automated backup window
   */
  readonly schedule?: events.Schedule;
}

/** Props of {@link SnapshotReplication}. */
export interface SnapshotReplicationProps {
  /** The cluster whose automated snapshots are copied. */
  readonly cluster: rds.IDatabaseCluster;
  /** The key that encrypts the cluster (and so its snapshots); the copier needs grants on it. */
  readonly clusterEncryptionKey: kms.IKey;
  /** Region that receives the copies; must differ from this stack's region. */
  readonly backupRegion: string;
  /** Alias (e.g. `alias/bulwark-prod-backup-copies`) of the key in the backup region that re-encrypts the copies. */
  readonly backupKeyAliasName: string;
  /** Copies older than this, made by this copier, are pruned (the newest copy is always kept). */
  readonly retention: Duration;
  /** Prefix of every copy's identifier; also scopes the copier's delete permission. */
  readonly copyIdentifierPrefix: string;
  /** Namespace of the copier's metrics. */
  readonly metricNamespace: string;
  /** Value of the `Stage` metric dimension. */
  readonly stage: string;
  /**
   * Copies in progress in the backup region the copier allows, counting copies it did not
   * start (AWS allows five per destination region; staying below leaves room for manual copies).
   * @default 3
   */
  readonly maxConcurrentCopies?: number;
  /**
   * The reconciling run: copies anything the event-driven runs missed, prunes expired
   * copies, and reports the copy age. Hourly by default, so the copy-age metric has a data
   * point every hour and its alarm can tell a long copy from a missing one.
   * @default events.Schedule.rate(Duration.hours(1))
   */
  readonly catchUpSchedule?: events.Schedule;
  /**
   * Concurrent executions reserved for the copier. None by default: a fresh account's
   * concurrency quota is 10 and AWS refuses a reservation that leaves less than that
   * unreserved. Overlapping runs are safe: copy target ids are deterministic (a second
   * copy meets AlreadyExists) and pruning deletes only tagged copies past retention.
   * @default - no reservation
   */
  readonly reservedConcurrency?: number;
  /**
   * Retention of the copier's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * AWS Backup plan with a cross-region copy action, beside the snapshot copier.
   * @default - no AWS Backup plan
   */
  readonly awsBackup?: AwsBackupCopyProps;
}

/** Tag the copier writes on every copy it makes; only snapshots carrying it are ever pruned. */
export const MANAGED_BY_TAG_KEY = 'bulwark:managed-by';

/**
 * Copies a cluster's automated snapshots into a backup region and prunes the copies it
 * made once they pass retention. An SDK Lambda runs on every "automated cluster snapshot
 * created" event and on a daily schedule; an optional AWS Backup plan adds a second,
 * independent copy path.
 */
export class SnapshotReplication extends Construct {
  readonly function: lambda.IFunction;
  readonly role: iam.Role;
  readonly snapshotCreatedRule: events.Rule;
  readonly catchUpRule: events.Rule;
  /** Value of the `bulwark:managed-by` tag on the copies. */
  readonly managedByTagValue: string;
  readonly backupPlan?: backup.BackupPlan;
  readonly backupVault?: backup.BackupVault;
  private readonly stage: string;
  private readonly metricNamespace: string;

  constructor(scope: Construct, id: string, props: SnapshotReplicationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    validateProps(props, stack.region);
    this.stage = props.stage;
    this.metricNamespace = props.metricNamespace;
    this.managedByTagValue = `${props.copyIdentifierPrefix}-copier`;
    const backupKeyAliasArn = `arn:${stack.partition}:kms:${props.backupRegion}:${stack.account}:${props.backupKeyAliasName}`;
    const maxConcurrentCopies = props.maxConcurrentCopies ?? 3;

    const copier = new BundledFunction(this, 'Copier', {
      code: lambdaBundle('snapshot-copier'),
      description: `Copies automated snapshots of the cluster to ${props.backupRegion} and prunes expired copies`,
      timeout: Duration.minutes(5),
      logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        SOURCE_CLUSTER_IDENTIFIER: props.cluster.clusterIdentifier,
        SOURCE_REGION: stack.region,
        BACKUP_REGION: props.backupRegion,
        BACKUP_KMS_KEY_ID: backupKeyAliasArn,
        RETENTION_DAYS: String(props.retention.toDays()),
        MAX_CONCURRENT_COPIES: String(maxConcurrentCopies),
        COPY_PREFIX: props.copyIdentifierPrefix,
        MANAGED_BY_TAG_VALUE: this.managedByTagValue,
        METRIC_NAMESPACE: props.metricNamespace,
        STAGE: props.stage,
      },
    });
    this.function = copier.function;
    this.role = copier.role;
    this.grantCopierPermissions(props, backupKeyAliasArn);

    this.snapshotCreatedRule = new events.Rule(this, 'SnapshotCreated', {
      description: 'An automated snapshot of the cluster was created: copy it to the backup region',
      eventPattern: {
        source: ['aws.rds'],
        detailType: ['RDS DB Cluster Snapshot Event'],
        detail: {
          EventID: ['RDS-EVENT-0169'],
          SourceIdentifier: [{ prefix: `rds:${props.cluster.clusterIdentifier}-` }],
        },
      },
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 4, maxEventAge: Duration.hours(2) })],
    });
    this.catchUpRule = new events.Rule(this, 'CatchUp', {
      description: 'Hourly reconcile: copy any automated snapshot the event-driven runs missed, prune, report the copy age',
      schedule: props.catchUpSchedule ?? events.Schedule.rate(Duration.hours(1)),
      // The next hourly run is the retry.
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    if (props.awsBackup) {
      ({ plan: this.backupPlan, vault: this.backupVault } = this.createBackupPlan(props.cluster, props.awsBackup));
    }
  }

  /** Seconds since the source snapshot of the newest completed copy was taken. */
  metricSnapshotCopyAgeSeconds(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(SNAPSHOT_COPY_AGE_SECONDS, { statistic: 'Maximum', ...props });
  }

  metricCopiesStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(SNAPSHOT_COPIES_STARTED, { statistic: 'Sum', ...props });
  }

  metricCopyFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(SNAPSHOT_COPY_FAILURES, { statistic: 'Sum', ...props });
  }

  metricCopiesPruned(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(SNAPSHOT_COPIES_PRUNED, { statistic: 'Sum', ...props });
  }

  metricPruneFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(SNAPSHOT_PRUNE_FAILURES, { statistic: 'Sum', ...props });
  }

  /**
   * AWS Backup copy jobs of Aurora recovery points that failed (Sum per period), from the
   * AWS/Backup metrics of this account and region; undefined without the AWS Backup plan.
   * A Metrics Insights query, because AWS Backup publishes the count under several
   * dimension sets and the alarm only needs to know whether any failed.
   */
  metricAwsBackupCopyJobsFailed(props?: { readonly period?: Duration }): cloudwatch.IMetric | undefined {
    if (!this.backupPlan) return undefined;
    return new cloudwatch.MathExpression({
      expression: `SELECT SUM(NumberOfCopyJobsFailed) FROM "AWS/Backup" WHERE ResourceType = 'Aurora'`,
      usingMetrics: {},
      label: 'AWS Backup copy jobs failed',
      period: props?.period ?? Duration.hours(1),
    });
  }

  /** A copier metric by name, with the dimensions the copier publishes. */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricNamespace,
      metricName,
      dimensionsMap: { [STAGE_DIMENSION]: this.stage },
      period: Duration.minutes(5),
      ...props,
    });
  }

  private grantCopierPermissions(props: SnapshotReplicationProps, backupKeyAliasArn: string): void {
    const stack = Stack.of(this);
    const rdsArn = (region: string, resourceName: string, resource = 'cluster-snapshot') =>
      Arn.format({ service: 'rds', region, resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack);
    const sourceSnapshots = rdsArn(stack.region, `rds:${props.cluster.clusterIdentifier}-*`);
    const copies = rdsArn(props.backupRegion, `${props.copyIdentifierPrefix}-*`);

    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheClusterAndItsAutomatedSnapshots',
        actions: ['rds:DescribeDBClusterSnapshots'],
        resources: [rdsArn(stack.region, props.cluster.clusterIdentifier, 'cluster'), sourceSnapshots],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListSnapshotsInTheBackupRegion',
        actions: ['rds:DescribeDBClusterSnapshots', 'rds:ListTagsForResource'],
        resources: [rdsArn(props.backupRegion, '*')],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CopyAutomatedSnapshotsIntoTheBackupRegion',
        actions: ['rds:CopyDBClusterSnapshot', 'rds:AddTagsToResource'],
        resources: [sourceSnapshots, copies],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteOnlyCopiesThisCopierMade',
        actions: ['rds:DeleteDBClusterSnapshot'],
        resources: [copies],
        conditions: { StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG_KEY}`]: this.managedByTagValue } },
      }),
    );
    const grantOnlyForRds = { Bool: { 'kms:GrantIsForAWSResource': 'true' } };
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LetRdsUseTheSourceKey',
        actions: ['kms:CreateGrant'],
        resources: [props.clusterEncryptionKey.keyArn],
        conditions: grantOnlyForRds,
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'DescribeTheSourceKey', actions: ['kms:DescribeKey'], resources: [props.clusterEncryptionKey.keyArn] }),
    );
    // The backup-region key lives in another stack and region: it is matched by its alias,
    // so the policy names exactly one key without a cross-region reference.
    const backupKeyByAlias = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': props.backupKeyAliasName } };
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LetRdsUseTheBackupRegionKey',
        actions: ['kms:CreateGrant'],
        resources: [`arn:${stack.partition}:kms:${props.backupRegion}:${stack.account}:key/*`],
        conditions: { ...grantOnlyForRds, ...backupKeyByAlias },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeTheBackupRegionKey',
        actions: ['kms:DescribeKey'],
        resources: [`arn:${stack.partition}:kms:${props.backupRegion}:${stack.account}:key/*`, backupKeyAliasArn],
        conditions: backupKeyByAlias,
      }),
    );
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Wildcards are name patterns, not blanket grants: the cluster\'s automated snapshots (rds:<cluster>-*), the copier\'s own copies (<prefix>-*, delete further restricted by the managed-by tag), listing snapshots in the backup region (read-only), the backup-region key matched by its alias (kms:ResourceAliases), its log streams, and X-Ray trace submission, which has no resource-level permissions.',
        },
      ],
      true,
    );
  }

  private createBackupPlan(cluster: rds.IDatabaseCluster, props: AwsBackupCopyProps): { plan: backup.BackupPlan; vault: backup.BackupVault } {
    const vaultKey = new kms.Key(this, 'BackupVaultKey', {
      description: 'Encrypts the AWS Backup vault of the primary region',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const vault = new backup.BackupVault(this, 'BackupVault', { encryptionKey: vaultKey, removalPolicy: RemovalPolicy.RETAIN });
    const plan = new backup.BackupPlan(this, 'BackupPlan', { backupVault: vault });
    plan.addRule(
      new backup.BackupPlanRule({
        ruleName: 'DailyWithCrossRegionCopy',
        scheduleExpression: props.schedule ?? events.Schedule.cron({ hour: '5', minute: '0' }),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
        deleteAfter: props.retention ?? Duration.days(35),
        copyActions: [
          {
            destinationBackupVault: backup.BackupVault.fromBackupVaultArn(this, 'DestinationVault', props.destinationVaultArn),
            deleteAfter: props.copyRetention ?? Duration.days(90),
          },
        ],
      }),
    );
    const selection = plan.addSelection('Cluster', { resources: [backup.BackupResource.fromArn(cluster.clusterArn)] });
    restrictServiceTrustToAccount(selection.node.findChild('Role'));
    NagSuppressions.addResourceSuppressions(
      selection,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'AWSBackupServiceRolePolicyForBackup is the service-role policy AWS Backup documents for taking and copying backups; the role can only be assumed by backup.amazonaws.com and the selection names a single cluster.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup'],
        },
      ],
      true,
    );
    return { plan, vault };
  }
}

const RDS_IDENTIFIER_PREFIX = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function validateProps(props: SnapshotReplicationProps, region: string): void {
  if (props.backupRegion === region) {
    throw new Error(`SnapshotReplication: backupRegion must differ from the stack's region (both are ${region})`);
  }
  if (!props.backupKeyAliasName.startsWith('alias/')) {
    throw new Error(`SnapshotReplication: backupKeyAliasName must start with "alias/" (got "${props.backupKeyAliasName}")`);
  }
  if (props.retention.toDays() < 1) throw new Error('SnapshotReplication: retention must be at least one day');
  if (!RDS_IDENTIFIER_PREFIX.test(props.copyIdentifierPrefix) || props.copyIdentifierPrefix.length > MAX_COPY_PREFIX_LENGTH) {
    throw new Error(
      `SnapshotReplication: copyIdentifierPrefix must be lower-case letters, digits and single hyphens, at most ${MAX_COPY_PREFIX_LENGTH} (got "${props.copyIdentifierPrefix}")`,
    );
  }
  const concurrency = props.maxConcurrentCopies ?? 3;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 5) {
    throw new Error(`SnapshotReplication: maxConcurrentCopies must be 1..5, the cross-region copy limit (got ${concurrency})`);
  }
  const reserved = props.reservedConcurrency;
  if (reserved !== undefined && !(Number.isInteger(reserved) && reserved >= 1 && reserved <= 1000)) {
    throw new Error(`SnapshotReplication: reservedConcurrency must be an integer between 1 and 1000 (got ${reserved})`);
  }
}
