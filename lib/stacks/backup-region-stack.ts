import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { backupKeyAliasName, backupVaultName, MIN_RETENTION_DAYS, type StageConfig } from '../config';
import { BackupCopyTarget } from '../constructs/backup-copy-target';

export interface BackupRegionStackProps extends StackProps {
  readonly config: StageConfig;
}

/** The backup region's half of the data tier: the key and vault that receive copies. */
export class BackupRegionStack extends Stack {
  readonly target: BackupCopyTarget;

  constructor(scope: Construct, id: string, props: BackupRegionStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.target = new BackupCopyTarget(this, 'CopyTarget', {
      keyAliasName: backupKeyAliasName(config),
      vaultName: backupVaultName(config),
      // A week-long vault lock: nobody, not even a compromised admin role, deletes a fresh copy.
      minRetention: Duration.days(MIN_RETENTION_DAYS),
    });
  }
}
