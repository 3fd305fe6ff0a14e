import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/snapshot-copier/config';
import { validEnv } from './fixtures';

const withEnv = (override: Record<string, string>) => () => loadConfig({ ...validEnv, ...override });

// Each limit of the copier's environment, one value on each side of it.
describe('loadConfig limits', () => {
  it('COPY_PREFIX: 30 characters are accepted, 31 are not', () => {
    expect(withEnv({ COPY_PREFIX: 'a'.repeat(30) })().copyPrefix).toBe('a'.repeat(30));
    expect(withEnv({ COPY_PREFIX: 'a'.repeat(31) })).toThrow('COPY_PREFIX: must be at most 30 characters, got 31');
  });

  it('COPY_PREFIX: single hyphens are fine; a double or trailing hyphen is not', () => {
    expect(withEnv({ COPY_PREFIX: 'bulwark-copy' })().copyPrefix).toBe('bulwark-copy');
    expect(withEnv({ COPY_PREFIX: 'bulwark--copy' })).toThrow(/^COPY_PREFIX: "bulwark--copy" must be lower-case letters, digits and single hyphens/);
    expect(withEnv({ COPY_PREFIX: 'bulwark-' })).toThrow(/^COPY_PREFIX: "bulwark-" must be/);
  });

  it('SOURCE_CLUSTER_IDENTIFIER must not end with a hyphen', () => {
    expect(withEnv({ SOURCE_CLUSTER_IDENTIFIER: 'bulwark-' })).toThrow('SOURCE_CLUSTER_IDENTIFIER: "bulwark-" is not a valid DB cluster identifier');
  });

  it('MANAGED_BY_TAG_VALUE: 256 characters are accepted, 257 are not', () => {
    expect(withEnv({ MANAGED_BY_TAG_VALUE: 'a'.repeat(256) })().managedByTagValue).toHaveLength(256);
    expect(withEnv({ MANAGED_BY_TAG_VALUE: 'a'.repeat(257) })).toThrow(/^MANAGED_BY_TAG_VALUE: "a+" is not a valid tag value/);
  });

  it('METRIC_NAMESPACE: 255 characters are accepted, 256 are not', () => {
    expect(withEnv({ METRIC_NAMESPACE: 'a'.repeat(255) })().metricNamespace).toHaveLength(255);
    expect(withEnv({ METRIC_NAMESPACE: 'a'.repeat(256) })).toThrow(/^METRIC_NAMESPACE: "a+" must be at most 255 characters/);
  });

  it('a count of 1 is accepted; one beyond the safe integers is not', () => {
    expect(withEnv({ RETENTION_DAYS: '1' })().retentionDays).toBe(1);
    expect(withEnv({ RETENTION_DAYS: '9007199254740992' })).toThrow('RETENTION_DAYS: must be a positive integer, got "9007199254740992"');
  });
});
