import { describe, expect, it } from 'vitest';
import { targetSnapshotIdentifier } from '../../../lambda/snapshot-copier/target-id';

// How a source id is spelled into the copy's identifier, character by character.
describe('targetSnapshotIdentifier spelling', () => {
  it('turns each run of characters RDS does not allow into one hyphen', () => {
    expect(targetSnapshotIdentifier('copy', 'manual:snap_shot.1')).toBe('copy-manual-snap-shot-1');
  });

  it('drops "rds:" only as the automated-snapshot prefix', () => {
    expect(targetSnapshotIdentifier('copy', 'app-rds:db')).toBe('copy-app-rds-db');
  });

  it('collapses repeated hyphens into one and drops trailing ones', () => {
    expect(targetSnapshotIdentifier('copy', 'rds:app--db-')).toBe('copy-app-db');
  });

  it('keeps an identifier of exactly 63 characters whole, without a hash', () => {
    const source = `rds:${'a'.repeat(58)}`;
    expect(targetSnapshotIdentifier('copy', source)).toBe(`copy-${'a'.repeat(58)}`);
  });
});
