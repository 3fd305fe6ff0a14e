import type { StageConfig } from './stage-config';

/**
 * Deterministic names shared by stacks in different regions. The primary-region stacks
 * address the backup region's key and vault by these names instead of
 * `crossRegionReferences`, so every stack synthesizes (and deploys) on its own.
 */
export type Tier = 'BackupRegion' | 'Network' | 'Data' | 'Service' | 'Monitoring' | 'CiDeploy' | 'LoadTest';

/** The two config fields every deterministic name is built from. */
export type Naming = Pick<StageConfig, 'prefix' | 'stage'>;

export function stackName(config: Naming, tier: Tier): string {
  return `${config.prefix}-${config.stage}-${tier}`;
}

/** An IAM pattern for the names of every stack of the stage, and of their nested stacks. */
export function stageStackNamePattern(config: Naming): string {
  return stackName(config, '*' as Tier);
}

function slug(config: Naming): string {
  return `${config.prefix.toLowerCase()}-${config.stage}`;
}

/** Alias of the KMS key in the backup region that encrypts snapshot copies and the vault. */
export function backupKeyAliasName(config: Naming): string {
  return `alias/${slug(config)}-backup-copies`;
}

/** Name of the AWS Backup vault in the backup region that receives cross-region copies. */
export function backupVaultName(config: Naming): string {
  return `${slug(config)}-backup-copies`;
}

/** CloudWatch namespace of the project's own operational metrics (copier, IP-set sync). */
export function operationsMetricNamespace(config: Pick<StageConfig, 'prefix'>): string {
  return `${config.prefix}/Operations`;
}

/** CloudWatch namespace of the app's business metrics (Embedded Metric Format). */
export function businessMetricNamespace(config: Pick<StageConfig, 'prefix'>): string {
  return `${config.prefix}/Business`;
}

/**
 * Name of an SSM parameter the stage's stacks hand a value through, e.g.
 * `/bulwark/prod/data/secret-arn`. Used for values that change when a resource is
 * replaced (a restore rebuilds the cluster and its secret): a CloudFormation export in
 * use can never change its value, a parameter can.
 */
export function stageParameterName(config: Naming, path: string): string {
  return `/${config.prefix.toLowerCase()}/${config.stage}/${path}`;
}
