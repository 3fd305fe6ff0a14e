import { describe, expect, it, vi } from 'vitest';
import { ConfigError, DEFAULT_MAX_CONCURRENT_COPIES, loadConfig } from '../../../lambda/snapshot-copier/config';
import { BACKUP_REGION, validEnv } from './fixtures';

function errorFor(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads the contract and applies the defaults', () => {
    expect(loadConfig(validEnv)).toEqual({
      sourceClusterIdentifier: 'bulwark-prod-db',
      sourceRegion: 'eu-west-1',
      backupRegion: BACKUP_REGION,
      backupKmsKeyId: validEnv.BACKUP_KMS_KEY_ID,
      retentionDays: 14,
      maxConcurrentCopies: DEFAULT_MAX_CONCURRENT_COPIES,
      maxCopiesPerRun: DEFAULT_MAX_CONCURRENT_COPIES,
      copyPrefix: 'bulwark-prod-copy',
      managedByTagValue: 'Bulwark-prod-snapshot-copier',
      metricNamespace: 'Bulwark/Operations',
      stage: 'prod',
    });
    expect(DEFAULT_MAX_CONCURRENT_COPIES).toBe(5);
  });

  it('defaults SOURCE_REGION to AWS_REGION and MAX_COPIES_PER_RUN to MAX_CONCURRENT_COPIES', () => {
    const config = loadConfig({ ...validEnv, SOURCE_REGION: undefined, AWS_REGION: 'us-east-1', MAX_CONCURRENT_COPIES: '3' });
    expect(config.sourceRegion).toBe('us-east-1');
    expect(config.maxCopiesPerRun).toBe(3);
    expect(loadConfig({ ...validEnv, MAX_COPIES_PER_RUN: '10' }).maxCopiesPerRun).toBe(10);
  });

  it.each([
    ['SOURCE_CLUSTER_IDENTIFIER', { SOURCE_CLUSTER_IDENTIFIER: undefined }, /is required/],
    ['SOURCE_CLUSTER_IDENTIFIER', { SOURCE_CLUSTER_IDENTIFIER: '1cluster' }, /not a valid DB cluster identifier/],
    ['SOURCE_REGION', { SOURCE_REGION: undefined, AWS_REGION: undefined }, /AWS_REGION/],
    ['SOURCE_REGION', { SOURCE_REGION: 'Europe' }, /not an AWS region/],
    ['BACKUP_REGION', { BACKUP_REGION: undefined }, /is required/],
    ['BACKUP_REGION', { BACKUP_REGION: 'eu-west-1' }, /must differ/],
    ['BACKUP_KMS_KEY_ID', { BACKUP_KMS_KEY_ID: 'alias/backup' }, /not a KMS alias or key ARN/],
    ['BACKUP_KMS_KEY_ID', { BACKUP_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:111122223333:alias/backup' }, /must be in BACKUP_REGION/],
    ['RETENTION_DAYS', { RETENTION_DAYS: undefined }, /is required/],
    ['RETENTION_DAYS', { RETENTION_DAYS: '0' }, /positive integer/],
    ['RETENTION_DAYS', { RETENTION_DAYS: '7.5' }, /positive integer/],
    ['MAX_CONCURRENT_COPIES', { MAX_CONCURRENT_COPIES: 'five' }, /positive integer/],
    ['MAX_COPIES_PER_RUN', { MAX_COPIES_PER_RUN: '-1' }, /positive integer/],
    ['COPY_PREFIX', { COPY_PREFIX: 'Bulwark--copy' }, /lower-case/],
    ['COPY_PREFIX', { COPY_PREFIX: 'a'.repeat(31) }, /at most 30/],
    ['MANAGED_BY_TAG_VALUE', { MANAGED_BY_TAG_VALUE: '' }, /is required/],
    ['MANAGED_BY_TAG_VALUE', { MANAGED_BY_TAG_VALUE: 'bad"value' }, /not a valid tag value/],
    ['METRIC_NAMESPACE', { METRIC_NAMESPACE: 'AWS/RDS' }, /must not start with "AWS\/"/],
    ['STAGE', { STAGE: undefined }, /is required/],
  ])('names %s when it is wrong (%j)', (variable, override, message) => {
    const error = errorFor({ ...validEnv, ...override });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it('makes the Lambda entry point fail at import with the variable name', async () => {
    for (const [name, value] of Object.entries(validEnv)) vi.stubEnv(name, value);
    vi.stubEnv('BACKUP_REGION', undefined);
    vi.resetModules();
    try {
      await expect(import('../../../lambda/snapshot-copier/handler')).rejects.toThrow(/^BACKUP_REGION: is required$/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
