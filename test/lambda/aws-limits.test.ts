/**
 * The AWS limits the Lambdas write within, as literals from AWS's documentation, not the
 * modules' own constants (a test that read the constant would pass whatever it said):
 * an ECS stop reason keeps at most 255 characters (StopTask), an RDS DB cluster snapshot
 * identifier is at most 63 characters, and the snapshot copier's RDS client retries
 * throttling up to 6 attempts in all with the SDK's adaptive mode.
 */
import { describe, expect, it } from 'vitest';
import { stopReason } from '../../lambda/migration-runner/stop-task';
import { createRdsClient } from '../../lambda/snapshot-copier/rds-client';
import { targetSnapshotIdentifier } from '../../lambda/snapshot-copier/target-id';

describe('ECS StopTask reason', () => {
  it('is cut to 255 characters, and a short one is kept whole', () => {
    const deploy = { stackName: 'Bulwark-prod-Service', requestId: 'b4c1d2e3-0000-4000-8000-000000000000' };
    expect(stopReason(deploy, 'x'.repeat(400))).toHaveLength(255);
    const short = stopReason(deploy, 'timed out');
    expect(short).toBe('Bulwark-prod-Service deploy (CloudFormation request b4c1d2e3-0000-4000-8000-000000000000) stopped waiting for its migration: timed out');
  });
});

describe('RDS DB cluster snapshot identifier', () => {
  it('of a copy is at most 63 characters however long the source, and a short one is not shortened', () => {
    const long = targetSnapshotIdentifier('bulwark-prod-copy', `rds:${'a'.repeat(120)}-2026-12-03-05-00`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long.length).toBeGreaterThan(55);
    expect(targetSnapshotIdentifier('c', 'rds:db-2026-12-03')).toHaveLength('c-db-2026-12-03'.length);
  });
});

describe('the snapshot copier RDS client', () => {
  it('makes up to 6 attempts with the adaptive retry mode (client-side rate limiting under throttling)', async () => {
    const client = createRdsClient('eu-west-1');
    try {
      expect(await client.config.maxAttempts()).toBe(6);
      expect(client.config.retryMode).toBe('adaptive');
      expect(await client.config.retryStrategy()).toHaveProperty('mode', 'adaptive');
    } finally {
      client.destroy();
    }
  });
});
