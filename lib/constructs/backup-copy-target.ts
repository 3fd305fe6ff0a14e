import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Props of {@link BackupCopyTarget}. */
export interface BackupCopyTargetProps {
  /** Alias of the key, e.g. `alias/bulwark-prod-backup-copies`; other regions address the key by it. */
  readonly keyAliasName: string;
  /** Name of the AWS Backup vault; other regions address the vault by it. */
  readonly vaultName: string;
  /**
   * Minimum retention enforced by a vault lock (governance mode: privileged principals can
   * still remove the lock). Recovery points cannot be deleted earlier than this.
   * @default - no vault lock
   */
  readonly minRetention?: Duration;
  /**
   * Keep the key and vault when the stack is deleted: they guard the only off-region copies.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What the backup region holds: a rotating KMS key that re-encrypts snapshot copies, and
 * an AWS Backup vault encrypted with it. Both carry deterministic names so that stacks in
 * the primary region can address them without cross-region references.
 */
export class BackupCopyTarget extends Construct {
  readonly key: kms.Key;
  readonly alias: kms.Alias;
  readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: BackupCopyTargetProps) {
    super(scope, id);
    if (!props.keyAliasName.startsWith('alias/') || props.keyAliasName.startsWith('alias/aws/')) {
      throw new Error(`BackupCopyTarget: keyAliasName must start with "alias/" and not "alias/aws/" (got "${props.keyAliasName}")`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts snapshot copies and the AWS Backup vault in the backup region',
      enableKeyRotation: true,
      removalPolicy,
    });
    // The default key policy delegates to IAM: the copier's and AWS Backup's roles get
    // exactly the key permissions they need in their own policies (by alias, with
    // kms:GrantIsForAWSResource), so no service-wide statement is added here.
    this.alias = this.key.addAlias(props.keyAliasName);

    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKey: this.key,
      removalPolicy,
      lockConfiguration: props.minRetention ? { minRetention: props.minRetention } : undefined,
    });
  }
}
