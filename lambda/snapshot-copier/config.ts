/**
 * The copier's configuration, read once from the environment at cold start. Every error
 * names the variable, so a misconfigured deployment fails its first invocation with a
 * message that says what to fix.
 */

/** The documented quota: "up to five snapshot copy requests in progress to a single destination Region per account" (Aurora User Guide, Copying a DB cluster snapshot). */
export const DEFAULT_MAX_CONCURRENT_COPIES = 5;

/** Room left in the 63-character target identifier after the prefix, for the source snapshot id. */
export const MAX_COPY_PREFIX_LENGTH = 30;

export interface CopierConfig {
  readonly sourceClusterIdentifier: string;
  readonly sourceRegion: string;
  readonly backupRegion: string;
  /** Alias or key ARN of the customer-managed key in the backup region that encrypts the copies. */
  readonly backupKmsKeyId: string;
  readonly retentionDays: number;
  /** Copies allowed in progress in the backup region at once, counting copies this function did not start. */
  readonly maxConcurrentCopies: number;
  /** How many of the newest source snapshots one run considers. */
  readonly maxCopiesPerRun: number;
  readonly copyPrefix: string;
  readonly managedByTagValue: string;
  readonly metricNamespace: string;
  readonly stage: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
const CLUSTER_IDENTIFIER = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(alias\/[a-zA-Z0-9/_-]+|key\/[a-zA-Z0-9-]+)$/;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(name, 'is required');
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function positiveInteger(name: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new ConfigError(name, `must be a positive integer, got "${raw}"`);
  }
  return Number(raw);
}

function region(name: string, value: string): string {
  if (!REGION.test(value)) throw new ConfigError(name, `"${value}" is not an AWS region name`);
  return value;
}

function identifierPrefix(name: string, value: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(value) || value.includes('--') || value.endsWith('-')) {
    throw new ConfigError(
      name,
      `"${value}" must be lower-case letters, digits and single hyphens, start with a letter and not end with a hyphen`,
    );
  }
  if (value.length > MAX_COPY_PREFIX_LENGTH) {
    throw new ConfigError(name, `must be at most ${MAX_COPY_PREFIX_LENGTH} characters, got ${value.length}`);
  }
  return value;
}

export function loadConfig(env: Env): CopierConfig {
  const sourceClusterIdentifier = required(env, 'SOURCE_CLUSTER_IDENTIFIER');
  if (!CLUSTER_IDENTIFIER.test(sourceClusterIdentifier) || sourceClusterIdentifier.endsWith('-')) {
    throw new ConfigError('SOURCE_CLUSTER_IDENTIFIER', `"${sourceClusterIdentifier}" is not a valid DB cluster identifier`);
  }

  const sourceRegionRaw = optional(env, 'SOURCE_REGION') ?? optional(env, 'AWS_REGION');
  if (!sourceRegionRaw) throw new ConfigError('SOURCE_REGION', 'is required when AWS_REGION is not set');
  const sourceRegion = region('SOURCE_REGION', sourceRegionRaw);

  const backupRegion = region('BACKUP_REGION', required(env, 'BACKUP_REGION'));
  if (backupRegion === sourceRegion) {
    throw new ConfigError('BACKUP_REGION', `must differ from the source region (${sourceRegion})`);
  }

  const backupKmsKeyId = required(env, 'BACKUP_KMS_KEY_ID');
  const keyMatch = KMS_KEY_ARN.exec(backupKmsKeyId);
  if (!keyMatch) {
    throw new ConfigError('BACKUP_KMS_KEY_ID', `"${backupKmsKeyId}" is not a KMS alias or key ARN`);
  }
  if (keyMatch[1] !== backupRegion) {
    throw new ConfigError('BACKUP_KMS_KEY_ID', `key is in ${keyMatch[1]} but must be in BACKUP_REGION (${backupRegion})`);
  }

  const retentionDays = positiveInteger('RETENTION_DAYS', required(env, 'RETENTION_DAYS'));

  const concurrentRaw = optional(env, 'MAX_CONCURRENT_COPIES');
  const maxConcurrentCopies = concurrentRaw === undefined ? DEFAULT_MAX_CONCURRENT_COPIES : positiveInteger('MAX_CONCURRENT_COPIES', concurrentRaw);
  const perRunRaw = optional(env, 'MAX_COPIES_PER_RUN');
  const maxCopiesPerRun = perRunRaw === undefined ? maxConcurrentCopies : positiveInteger('MAX_COPIES_PER_RUN', perRunRaw);

  const copyPrefix = identifierPrefix('COPY_PREFIX', required(env, 'COPY_PREFIX'));

  const managedByTagValue = required(env, 'MANAGED_BY_TAG_VALUE');
  if (managedByTagValue.length > 256 || !TAG_VALUE.test(managedByTagValue)) {
    throw new ConfigError('MANAGED_BY_TAG_VALUE', `"${managedByTagValue}" is not a valid tag value (at most 256 of letters, digits, spaces and _.:/=+-@)`);
  }

  const metricNamespace = required(env, 'METRIC_NAMESPACE');
  if (metricNamespace.length > 255 || metricNamespace.startsWith('AWS/')) {
    throw new ConfigError('METRIC_NAMESPACE', `"${metricNamespace}" must be at most 255 characters and must not start with "AWS/"`);
  }

  const stage = required(env, 'STAGE');

  return {
    sourceClusterIdentifier,
    sourceRegion,
    backupRegion,
    backupKmsKeyId,
    retentionDays,
    maxConcurrentCopies,
    maxCopiesPerRun,
    copyPrefix,
    managedByTagValue,
    metricNamespace,
    stage,
  };
}
