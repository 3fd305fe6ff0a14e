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

  it('says why it ignored an event (the log line an operator reads), a missing identifier included', () => {
    expect(parseTrigger(snapshotEvent({ EventID: 'RDS-EVENT-0168', SourceIdentifier: 'rds:bulwark-prod-db-2024' }), CLUSTER)).toEqual({
      kind: 'ignored',
      reason: 'event RDS-EVENT-0168 is not RDS-EVENT-0169',
    });
    expect(parseTrigger(snapshotEvent({ EventID: 'RDS-EVENT-0169', SourceIdentifier: 'rds:other-db-1' }), CLUSTER)).toEqual({
      kind: 'ignored',
      reason: 'snapshot rds:other-db-1 is not of cluster bulwark-prod-db',
    });
    expect(parseTrigger(snapshotEvent({ EventID: 'RDS-EVENT-0169' }), CLUSTER)).toEqual({ kind: 'ignored', reason: 'snapshot  is not of cluster bulwark-prod-db' });
  });

  // RDS may name the snapshot by its ARN; any partition, Region and account.
  it.each([
    ['aws', 'eu-west-1', '111122223333'],
    ['aws-us-gov', 'us-gov-west-1', '123456789012'],
    ['aws-cn', 'cn-north-1', '9'],
  ])('accepts the snapshot ARN form (partition %s) and copies by the bare identifier', (partition, region, account) => {
    const id = 'rds:bulwark-prod-db-2024-06-14-03-10';
    expect(parseTrigger(snapshotEvent({ EventID: 'RDS-EVENT-0169', SourceIdentifier: `arn:${partition}:rds:${region}:${account}:cluster-snapshot:${id}` }), CLUSTER)).toEqual({
      kind: 'snapshot-created',
      sourceSnapshotIdentifier: id,
    });
  });

  it('strips only a leading ARN prefix, and not a malformed one', () => {
    const inside = 'rds:bulwark-prod-db-1arn:aws:rds:eu-west-1:1:cluster-snapshot:x';
    expect(parseTrigger(snapshotEvent({ EventID: 'RDS-EVENT-0169', SourceIdentifier: inside }), CLUSTER)).toEqual({ kind: 'snapshot-created', sourceSnapshotIdentifier: inside });
    // An account that is not digits is no ARN of a snapshot: nothing is stripped, so it is not ours.
    const badAccount = 'arn:aws:rds:eu-west-1:acct:cluster-snapshot:rds:bulwark-prod-db-1';
    expect(parseTrigger(snapshotEvent({ EventID: 'RDS-EVENT-0169', SourceIdentifier: badAccount }), CLUSTER).kind).toBe('ignored');
  });

  it('takes a snapshot event only from aws.rds: the same shape from another source is a wiring mistake, not a copy', () => {
    const forged = { source: 'custom.orders', 'detail-type': 'RDS DB Cluster Snapshot Event', detail: { EventID: 'RDS-EVENT-0169', SourceIdentifier: 'rds:bulwark-prod-db-1' } };
    expect(() => parseTrigger(forged, CLUSTER)).toThrow(UnsupportedEventError);
    expect(() => parseTrigger({ ...forged, source: 'aws.rds', 'detail-type': 'RDS DB Snapshot Event' }, CLUSTER)).toThrow(UnsupportedEventError);
  });

  it('rejects anything else as a wiring mistake, naming what it expected and what came', () => {
    expect(() => parseTrigger({ Records: [] }, CLUSTER)).toThrow(UnsupportedEventError);
    expect(() => parseTrigger(undefined, CLUSTER)).toThrow(
      'expected an "RDS DB Cluster Snapshot Event" from aws.rds or a "Scheduled Event", got source=undefined detail-type=undefined',
    );
    let error: unknown;
    try {
      parseTrigger({ source: 'aws.s3', 'detail-type': 'Object Created' }, CLUSTER);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ name: 'UnsupportedEventError', message: expect.stringContaining('got source=aws.s3 detail-type=Object Created') });
  });
});
