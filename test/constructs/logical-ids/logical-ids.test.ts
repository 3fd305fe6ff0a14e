import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import * as lib from '../../../lib';
import { AuroraDatabase, SecurityBaseline, ShieldProtection, WebService } from '../../../lib';
import { baselinePath, displayPath, orphanedBaselines, readBaseline } from './baselines';
import { changesetBump, pendingMajorChangesets } from './changesets';
import { compareSnapshots, describeChanges, hasChanges, isBreaking, UPDATE_COMMAND } from './compare';
import { databaseIn, RESTORE_SNAPSHOT_ARN, stackIn } from './fixtures';
import { snapshotSubject, type LogicalIdSnapshot, type LogicalIdSubject } from './snapshot';
import { LOGICAL_ID_SUBJECTS } from './subjects';

/** The failure message when `subject` no longer matches its committed baseline, or undefined. */
function baselineMismatch(subject: LogicalIdSubject): string | undefined {
  const baseline = readBaseline(subject);
  if (!baseline) return `${subject.name} has no baseline at ${displayPath(baselinePath(subject))}: run \`${UPDATE_COMMAND}\``;
  const changes = compareSnapshots(baseline, snapshotSubject(subject));
  return hasChanges(changes) ? describeChanges(subject, displayPath(baselinePath(subject)), changes) : undefined;
}

describe('logical IDs and replacement-sensitive properties', () => {
  it.each(LOGICAL_ID_SUBJECTS.map((subject) => [subject.name, subject] as const))('of %s match the committed baseline', (_name, subject) => {
    const mismatch = baselineMismatch(subject);
    if (mismatch) expect.fail(mismatch);
  });

  it('are pinned for every construct the package exports (one row in subjects.ts each)', () => {
    const isConstructClass = (value: unknown): value is typeof Construct => typeof value === 'function' && value.prototype instanceof Construct;
    const constructs = Object.entries(lib as Record<string, unknown>).flatMap(([name, value]) => (isConstructClass(value) ? [[name, value] as const] : []));
    const rows = new Set(LOGICAL_ID_SUBJECTS.map((subject) => subject.name));
    // An abstract base (WebServiceMetrics) is covered by the row of the construct extending it.
    const covered = ([name, type]: readonly [string, typeof Construct]) => rows.has(name) || constructs.some(([other, subtype]) => rows.has(other) && subtype.prototype instanceof type);
    expect(constructs.length).toBeGreaterThan(10);
    expect(constructs.filter((entry) => !covered(entry)).map(([name]) => name), `constructs without a row in test/constructs/logical-ids/subjects.ts: add one, then \`${UPDATE_COMMAND} NAME\``).toEqual([]);
    expect(orphanedBaselines(LOGICAL_ID_SUBJECTS), `baselines without a row: \`${UPDATE_COMMAND}\` removes them`).toEqual([]);
  });

  // The resources whose replacement fails the deploy (a second one per account, Region or
  // resource is refused) or re-validates a certificate, and the database's other shapes.
  it.each([
    [SecurityBaseline.name, 'AWS::GuardDuty::Detector'],
    [SecurityBaseline.name, 'AWS::SecurityHub::Hub'],
    [SecurityBaseline.name, 'AWS::Config::ConfigurationRecorder'],
    [SecurityBaseline.name, 'AWS::Config::DeliveryChannel'],
    [ShieldProtection.name, 'AWS::Shield::Protection'],
    [WebService.name, 'AWS::CertificateManager::Certificate'],
    [WebService.name, 'AWS::ECS::Cluster'],
    [`${AuroraDatabase.name}.fromSnapshot`, 'AWS::RDS::DBCluster'],
    [`${AuroraDatabase.name}.serverlessV2`, 'AWS::RDS::DBCluster'],
  ])('pin the %s resource of type %s, with its retention policies', (name, type) => {
    const subject = LOGICAL_ID_SUBJECTS.find((candidate) => candidate.name === name)!;
    const pinned = Object.values(readBaseline(subject)?.pinned ?? {}).filter((resource) => resource.Type === type);
    expect(pinned, `${type} in ${displayPath(baselinePath(subject))}`).toHaveLength(1);
    if (type === 'AWS::RDS::DBCluster') expect(pinned[0]).toMatchObject({ DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
  });

  it('pin the restored cluster to its snapshot: a construct that stopped passing it would replace the restored data', () => {
    const restored = LOGICAL_ID_SUBJECTS.find((subject) => subject.name === `${AuroraDatabase.name}.fromSnapshot`)!;
    const cluster = Object.values(readBaseline(restored)!.pinned).find((resource) => resource.Type === 'AWS::RDS::DBCluster')!;
    expect(cluster.Properties.SnapshotIdentifier).toBe(RESTORE_SNAPSHOT_ARN);
  });

  it('fail when a construct id is renamed, explaining the replacement and how to record it with a major changeset', () => {
    const aurora = LOGICAL_ID_SUBJECTS.find((subject) => subject.name === AuroraDatabase.name)!;
    const renamed: LogicalIdSubject = { ...aurora, build: (app) => databaseIn(stackIn(app), 'OrdersDatabase') };
    const message = baselineMismatch(renamed);
    expect(message).toContain('Subject/DatabaseCluster5B53A178 (AWS::RDS::DBCluster) is gone (its construct id or path changed, or it was removed): the data stays behind');
    expect(message).toContain('Subject/DatabaseKey5E5D9547 (AWS::KMS::Key) is gone');
    expect(message).toContain('Subject/OrdersDatabaseCluster');
    expect(message).toContain(`record it with \`${UPDATE_COMMAND}\` together with a major-version changeset`);
  });
});

describe('comparing against a baseline', () => {
  const baseline: LogicalIdSnapshot = {
    pinned: { 'S/Bucket1': { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'orders' } } },
    replaceable: ['S/Policy1', 'S/Role1'],
  };
  const construct: LogicalIdSubject = { name: 'Orders', kind: 'construct', build: (app) => app };

  it('reports a changed replacement-sensitive property as a replacement, with its consequence', () => {
    const changes = compareSnapshots(baseline, { ...baseline, pinned: { 'S/Bucket1': { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'orders-v2' } } } });
    expect(changes.replaced).toEqual(['S/Bucket1 (AWS::S3::Bucket): BucketName "orders" -> "orders-v2" forces a replacement: a new, empty one takes its place and the old one is deleted, or orphaned when retained, with its objects']);
    expect(isBreaking(construct, changes)).toBe(true);
    expect(isBreaking({ ...construct, kind: 'stage' }, changes)).toBe(false);
    expect(describeChanges({ ...construct, kind: 'stage' }, 'b.json', changes)).toContain('Operators update the Orders stacks in place');
  });

  it('reports a stateless resource that disappeared, but not one that was added', () => {
    const changes = compareSnapshots(baseline, { ...baseline, replaceable: ['S/Policy1', 'S/Topic1'] });
    expect(changes).toEqual({ replaced: [], replacedStateless: ['S/Role1 is gone: CloudFormation replaces or removes it on upgrade'], lessRetained: [], moreRetained: [], unrecorded: [] });
    expect(isBreaking(construct, changes)).toBe(false);
  });

  it('reports a pinned resource that a removal or replacement now deletes as a break, and one kept longer as none', () => {
    const retained: LogicalIdSnapshot = { pinned: { 'S/Bucket1': { ...baseline.pinned['S/Bucket1'], DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Snapshot' } } };
    const weakened = compareSnapshots(retained, { pinned: { 'S/Bucket1': { ...retained.pinned['S/Bucket1'], DeletionPolicy: undefined } } });
    expect(weakened.lessRetained).toEqual(['S/Bucket1 (AWS::S3::Bucket): DeletionPolicy Retain -> Delete: removing it from a stack now deletes what was kept']);
    expect(isBreaking(construct, weakened)).toBe(true);
    expect(describeChanges(construct, 'b.json', weakened)).toContain('together with a major-version changeset');
    const strengthened = compareSnapshots(retained, { pinned: { 'S/Bucket1': { ...retained.pinned['S/Bucket1'], UpdateReplacePolicy: 'Retain' } } });
    expect(strengthened).toMatchObject({ lessRetained: [], moreRetained: ['S/Bucket1 (AWS::S3::Bucket): UpdateReplacePolicy Snapshot -> Retain'] });
    expect(isBreaking(construct, strengthened)).toBe(false);
    expect(hasChanges(strengthened)).toBe(true);
  });

  it('reports a resource whose type became pinned as new, not as gone', () => {
    const changes = compareSnapshots(baseline, { pinned: { ...baseline.pinned, 'S/Role1': { Type: 'AWS::IAM::Role', Properties: { RoleName: 'orders' } } }, replaceable: ['S/Policy1'] });
    expect(changes).toMatchObject({ replacedStateless: [], unrecorded: ['S/Role1 (AWS::IAM::Role) is new and not pinned yet'] });
  });

  it('reports a new stateful resource as not pinned yet, which is no break', () => {
    const changes = compareSnapshots(baseline, { ...baseline, pinned: { ...baseline.pinned, 'S/Key1': { Type: 'AWS::KMS::Key', Properties: {} } } });
    expect(changes.unrecorded).toEqual(['S/Key1 (AWS::KMS::Key) is new and not pinned yet']);
    expect(isBreaking(construct, changes)).toBe(false);
    expect(describeChanges(construct, 'b.json', changes)).toContain(`If this is intended, record it with \`${UPDATE_COMMAND}\``);
  });
});

describe('pending changesets', () => {
  it('reads the bump a changeset gives the package', () => {
    expect(changesetBump('---\n"@bulwark-cdk/constructs": major\n---\n\nRenames X.\n', '@bulwark-cdk/constructs')).toBe('major');
    expect(changesetBump("---\n'@bulwark-cdk/constructs': minor\n---\n", '@bulwark-cdk/constructs')).toBe('minor');
    expect(changesetBump('---\n"other": major\n---\n', '@bulwark-cdk/constructs')).toBeUndefined();
    expect(changesetBump('no front matter: major', '@bulwark-cdk/constructs')).toBeUndefined();
  });

  it('finds the major ones among the pending changesets', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-changesets-'));
    try {
      writeFileSync(path.join(dir, 'README.md'), '---\n"@bulwark-cdk/constructs": major\n---\n');
      writeFileSync(path.join(dir, 'brave-cats.md'), '---\n"@bulwark-cdk/constructs": minor\n---\n');
      writeFileSync(path.join(dir, 'calm-dogs.md'), '---\n"@bulwark-cdk/constructs": major\n---\n');
      expect(pendingMajorChangesets(dir, '@bulwark-cdk/constructs')).toEqual(['calm-dogs.md']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
