import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { backupKeyAliasName, backupVaultName, operationsMetricNamespace, type StageConfig } from '../config';
import { logRetention } from '../config/durations';
import { AuroraDatabase } from '../constructs/aurora-database';
import { SnapshotReplication } from '../constructs/snapshot-replication';
import { publishDataParameters } from './data-parameters';

/**
 * The role the service tasks log in as. It holds DML on the app's tables and nothing else:
 * the migration step (as the master user, who owns the schema) creates it, sets its
 * password from the runtime secret and grants it.
 */
export const RUNTIME_DATABASE_USER = 'bulwark_app';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
}

/** The stateful tier: the Aurora cluster and the copies that let it survive a regional loss. */
export class DataStack extends Stack {
  readonly database: AuroraDatabase;
  /**
   * Credentials of {@link RUNTIME_DATABASE_USER}. A password in its own rotated secret rather
   * than IAM database authentication: the app already re-reads a rotated secret on a failed
   * login; the password is checked by PostgreSQL itself, so the role split is testable on a
   * plain PostgreSQL; and a pool refilling after a failover opens its connections at
   * PostgreSQL's pace instead of minting a signed token per connection, whose rate Aurora
   * recommends keeping under 200 new IAM connections a second.
   */
  readonly runtimeSecret: secretsmanager.ISecret;
  readonly replication: SnapshotReplication;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const db = config.database;
    this.database = new AuroraDatabase(this, 'Database', {
      vpc: props.vpc,
      instanceType: db.instanceClass ? new ec2.InstanceType(db.instanceClass.replace(/^db\./, '')) : undefined,
      serverless: db.serverless,
      readers: db.readers,
      databaseName: db.databaseName,
      snapshotIdentifier: db.restoreFromSnapshot,
      backupRetention: Duration.days(db.backupRetentionDays),
      preferredBackupWindow: db.preferredBackupWindow,
      preferredMaintenanceWindow: db.preferredMaintenanceWindow,
      deletionProtection: db.deletionProtection,
      removalPolicy: db.deletionProtection ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      logRetention: logRetention(db.logRetentionDays),
      secretRotation: Duration.days(db.secretRotationDays),
    });

    if (!db.deletionProtection) {
      NagSuppressions.addResourceSuppressions(this.database.cluster, [
        {
          id: 'AwsSolutions-RDS10',
          reason: `Stage ${config.stage} holds disposable data and turns deletion protection off on purpose (database.deletionProtection in its config); prod keeps it on.`,
        },
      ]);
    }

    this.runtimeSecret = this.database.addUserSecret('RuntimeSecret', RUNTIME_DATABASE_USER);

    publishDataParameters(this, config, {
      databaseSecretArn: this.database.secret.secretArn,
      runtimeSecretArn: this.runtimeSecret.secretArn,
      clusterIdentifier: this.database.cluster.clusterIdentifier,
    });

    const { backup } = config;
    this.replication = new SnapshotReplication(this, 'SnapshotReplication', {
      cluster: this.database.cluster,
      clusterEncryptionKey: this.database.encryptionKey,
      backupRegion: config.backupRegion,
      backupKeyAliasName: backupKeyAliasName(config),
      retention: Duration.days(backup.snapshotCopyRetentionDays),
      copyIdentifierPrefix: `${config.prefix.toLowerCase()}-${config.stage}-copy`,
      metricNamespace: operationsMetricNamespace(config),
      stage: config.stage,
      reservedConcurrency: config.lambdaReservedConcurrency || undefined,
      awsBackup: backup.awsBackupEnabled
        ? {
            destinationVaultArn: Arn.format(
              { service: 'backup', region: config.backupRegion, resource: 'backup-vault', resourceName: backupVaultName(config), arnFormat: ArnFormat.COLON_RESOURCE_NAME },
              this,
            ),
            retention: Duration.days(backup.awsBackupRetentionDays),
            copyRetention: Duration.days(backup.awsBackupCopyRetentionDays),
          }
        : undefined,
    });
  }
}
