import { describe, expect, it } from 'vitest';
import { MAX_SNAPSHOT_IDENTIFIER_LENGTH, targetSnapshotIdentifier } from '../../../lambda/snapshot-copier/target-id';

const VALID_IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/;

describe('targetSnapshotIdentifier', () => {
  it('is the prefix plus the source id without "rds:"', () => {
    expect(targetSnapshotIdentifier('bulwark-prod-copy', 'rds:bulwark-prod-db-2024-06-14-03-10')).toBe(
      'bulwark-prod-copy-bulwark-prod-db-2024-06-14-03-10',
    );
  });

  it('is deterministic and a valid, lower-case RDS identifier for awkward sources', () => {
    for (const source of ['rds:App-DB-2024-06-14-03-10', 'rds:a--b-2024-06-14-03-10-', 'manual:snap_shot.1']) {
      const id = targetSnapshotIdentifier('copy', source);
      expect(id).toBe(targetSnapshotIdentifier('copy', source));
      expect(id).toMatch(VALID_IDENTIFIER);
    }
  });

  it('cuts long identifiers to 63 characters with a hash, so long sources stay distinct', () => {
    const cluster = `c${'x'.repeat(62)}`;
    const first = targetSnapshotIdentifier('bulwark-prod-copy', `rds:${cluster}-2024-06-14-03-10`);
    const second = targetSnapshotIdentifier('bulwark-prod-copy', `rds:${cluster}-2024-06-14-03-20`);
    expect(first.length).toBeLessThanOrEqual(MAX_SNAPSHOT_IDENTIFIER_LENGTH);
    expect(first).toMatch(VALID_IDENTIFIER);
    expect(first).not.toBe(second);
  });
});
