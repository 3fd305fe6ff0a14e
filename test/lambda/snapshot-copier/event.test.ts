import { describe, expect, it } from 'vitest';
import { parseTrigger, UnsupportedEventError } from '../../../lambda/snapshot-copier/event';

const CLUSTER = 'bulwark-prod-db';
const snapshotEvent = (detail: Record<string, unknown>) => ({ source: 'aws.rds', 'detail-type': 'RDS DB Cluster Snapshot Event', detail });

describe('parseTrigger', () => {
  it('runs on an automated cluster snapshot of the cluster', () => {
    expect(parseTrigger(snapshotEvent({ EventID: 'RDS-EVENT-0169', SourceIdentifier: 'rds:bulwark-prod-db-2024-06-14-03-10' }), CLUSTER)).toEqual({
      kind: 'snapshot-created',
      sourceSnapshotIdentifier: 'rds:bulwark-prod-db-2024-06-14-03-10',
    });
  });

  it('runs on the schedule', () => {
    expect(parseTrigger({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, CLUSTER)).toEqual({ kind: 'schedule' });
  });

  it('ignores other event ids and other clusters (including a cluster whose name extends this one)', () => {
    expect(parseTrigger(snapshotEvent({ EventID: 'RDS-EVENT-0168', SourceIdentifier: 'rds:bulwark-prod-db-2024' }), CLUSTER).kind).toBe('ignored');
    expect(parseTrigger(snapshotEvent({ EventID: 'RDS-EVENT-0169', SourceIdentifier: 'rds:other-db-2024-06-14-03-10' }), CLUSTER).kind).toBe('ignored');
    expect(parseTrigger(snapshotEvent({ EventID: 'RDS-EVENT-0169', SourceIdentifier: 'rds:bulwark-prod-db2-2024-06-14-03-10' }), CLUSTER).kind).toBe('ignored');
  });

  it('rejects anything else as a wiring mistake', () => {
    expect(() => parseTrigger({ Records: [] }, CLUSTER)).toThrow(UnsupportedEventError);
    expect(() => parseTrigger(undefined, CLUSTER)).toThrow(UnsupportedEventError);
  });
});
