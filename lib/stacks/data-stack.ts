import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { backupKeyAliasName, backupVaultName, operationsMetricNamespace, type StageConfig } from '../config';
import { logRetention } from '../config/durations';
import { AuroraDatabase } from '../constructs/aurora-database';
import { SnapshotReplication } from '../constructs/snapshot-replication';
import { publishDataParameters } from './data-parameters';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
}

/** The stateful tier: the Aurora cluster and the copies that let it survive a regional loss. */
export class DataStack extends Stack {
  readonly database: AuroraDatabase;
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

    publishDataParameters(this, config, {
      databaseSecretArn: this.database.secret.secretArn,
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
