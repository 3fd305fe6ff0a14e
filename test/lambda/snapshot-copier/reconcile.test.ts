import {
  CopyDBClusterSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  ListTagsForResourceCommand,
  type DBClusterSnapshot,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInstrumentation } from '../../../lambda/shared/instrumentation';
import { createHandler, SnapshotCopyRunFailedError, type HandlerDeps } from '../../../lambda/snapshot-copier/create-handler';
import {
  NO_COMPLETED_COPY_AGE_SECONDS,
  SNAPSHOT_COPIER_METRIC_NAMES,
  SNAPSHOT_COPIES_PRUNED,
  SNAPSHOT_COPIES_STARTED,
  SNAPSHOT_COPY_AGE_SECONDS,
  SNAPSHOT_COPY_FAILURES,
  SNAPSHOT_PRUNE_FAILURES,
  SNAPSHOTS_REFUSED_FOREIGN,
} from '../../../lambda/snapshot-copier/metric-names';
import { reconcile, type ReconcileSummary } from '../../../lambda/snapshot-copier/reconcile';
import { targetSnapshotIdentifier } from '../../../lambda/snapshot-copier/target-id';
import { captureOutput, type CapturedOutput, type EmfDocument } from '../support/captured-output';
import {
  automatedSnapshot,
  awsError,
  BACKUP_KEY_ALIAS_ARN,
  backupSnapshot,
  clients,
  config,
  DAY_MS,
  daysAgo,
  MANAGED_BY,
  NOW,
} from './fixtures';

const rds = clients();
const sourceMock = mockClient(rds.source);
const backupMock = mockClient(rds.backup);

function given(sources: DBClusterSnapshot[], backup: DBClusterSnapshot[] = []): void {
  sourceMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: sources });
  backupMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: backup });
  backupMock.on(CopyDBClusterSnapshotCommand).resolves({});
  backupMock.on(DeleteDBClusterSnapshotCommand).resolves({});
}

let output: CapturedOutput;

async function run(overrides: Partial<typeof config> = {}): Promise<{ summary: ReconcileSummary; metrics: EmfDocument }> {
  output.clear();
  const { metrics } = createInstrumentation('snapshot-copier', config.metricNamespace);
  const summary = await reconcile({ config: { ...config, ...overrides }, clients: rds, now: NOW, metrics });
  expect(output.emf()).toHaveLength(1);
  return { summary, metrics: output.emf()[0] };
}

function copyInputs() {
  return backupMock.commandCalls(CopyDBClusterSnapshotCommand).map((call) => call.args[0].input);
}

function deletedIds() {
  return backupMock.commandCalls(DeleteDBClusterSnapshotCommand).map((call) => call.args[0].input.DBClusterSnapshotIdentifier);
}

const target = (snapshot: DBClusterSnapshot) => targetSnapshotIdentifier(config.copyPrefix, snapshot.DBClusterSnapshotIdentifier!);

beforeEach(() => {
  sourceMock.reset();
  backupMock.reset();
  output = captureOutput();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('copying', () => {
  it('copies missing automated snapshots in the backup region, re-encrypted and tagged', async () => {
    const newest = automatedSnapshot(1, { tags: [{ Key: 'project', Value: 'bulwark' }, { Key: 'aws:cloudformation:stack-name', Value: 'x' }] });
    given([newest]);

    const { summary } = await run();

    expect(sourceMock.commandCalls(DescribeDBClusterSnapshotsCommand)[0].args[0].input).toMatchObject({
      DBClusterIdentifier: config.sourceClusterIdentifier,
      SnapshotType: 'automated',
    });
    expect(sourceMock.commandCalls(CopyDBClusterSnapshotCommand)).toHaveLength(0);
    expect(copyInputs()).toEqual([
      {
        SourceDBClusterSnapshotIdentifier: newest.DBClusterSnapshotArn,
        TargetDBClusterSnapshotIdentifier: 'bulwark-prod-copy-bulwark-prod-db-2024-06-14-12-00',
        KmsKeyId: BACKUP_KEY_ALIAS_ARN,
        Tags: [
          { Key: 'project', Value: 'bulwark' },
          { Key: 'bulwark:managed-by', Value: MANAGED_BY },
          { Key: 'bulwark:source-snapshot', Value: newest.DBClusterSnapshotArn },
          { Key: 'bulwark:source-created', Value: '2024-06-14T12:00:00.000Z' },
        ],
      },
    ]);
    expect(summary.copies.started).toEqual([
      { sourceSnapshotIdentifier: newest.DBClusterSnapshotIdentifier, targetSnapshotIdentifier: target(newest), encrypted: true },
    ]);
    expect(summary.failed).toBe(false);
  });

  it('passes no KmsKeyId for an unencrypted source (RDS rejects one)', async () => {
    given([automatedSnapshot(1, { encrypted: false })]);

    await run();

    expect(copyInputs()).toHaveLength(1);
    expect(copyInputs()[0]).not.toHaveProperty('KmsKeyId');
  });

  // Retries live in the client (rds-client.ts, tested in rds-client.test.ts); an error that
  // reaches the copier is final and is not retried a second time around the client's retries.
  it('reports a copy that is still throttled after the client gave up as failed, without retrying it again', async () => {
    given([automatedSnapshot(1)]);
    backupMock.on(CopyDBClusterSnapshotCommand).rejects(awsError('Throttling', 'Rate exceeded'));

    const { summary, metrics } = await run();

    expect(copyInputs()).toHaveLength(1);
    expect(summary.copies.failures).toEqual([{ snapshotIdentifier: automatedSnapshot(1).DBClusterSnapshotIdentifier, error: 'Throttling: Rate exceeded' }]);
    expect(summary.failed).toBe(true);
    expect(metrics[SNAPSHOT_COPY_FAILURES]).toBe(1);
  });

  it('stops starting copies when the snapshot quota is exceeded, and reports it', async () => {
    const sources = [automatedSnapshot(1), automatedSnapshot(2), automatedSnapshot(3)];
    given(sources);
    backupMock.on(CopyDBClusterSnapshotCommand).rejects(awsError('SnapshotQuotaExceededFault', 'quota of 100 reached'));

    const { summary } = await run();

    expect(copyInputs()).toHaveLength(1);
    expect(summary.copies.quotaExceeded).toBe(true);
    expect(summary.copies.failures).toEqual([{ snapshotIdentifier: sources[0].DBClusterSnapshotIdentifier, error: 'SnapshotQuotaExceededFault: quota of 100 reached' }]);
    expect(summary.copies.deferred).toEqual([sources[1].DBClusterSnapshotIdentifier, sources[2].DBClusterSnapshotIdentifier]);
    expect(summary.failed).toBe(true);
  });

  it('skips a source snapshot that is still being created and copies the rest', async () => {
    const creating = automatedSnapshot(0, { status: 'creating' });
    const available = automatedSnapshot(1);
    given([available, creating]);

    const { summary } = await run();

    expect(copyInputs().map((input) => input.SourceDBClusterSnapshotIdentifier)).toEqual([available.DBClusterSnapshotArn]);
    expect(summary.copies.skippedInProgress).toEqual([creating.DBClusterSnapshotIdentifier]);
    expect(summary.failed).toBe(false);
  });

  it('treats DBClusterSnapshotAlreadyExistsFault as success', async () => {
    given([automatedSnapshot(1)]);
    backupMock.on(CopyDBClusterSnapshotCommand).rejects(awsError('DBClusterSnapshotAlreadyExistsFault'));

    const { summary, metrics } = await run();

    expect(summary.copies.alreadyCopied).toEqual([target(automatedSnapshot(1))]);
    expect(summary.copies.failures).toEqual([]);
    expect(summary.failed).toBe(false);
    expect(metrics[SNAPSHOT_COPIES_STARTED]).toBe(0);
  });

  it('does not call CopyDBClusterSnapshot for a copy already listed in the backup region', async () => {
    const source = automatedSnapshot(1);
    given([source], [backupSnapshot(target(source), { sourceCreated: daysAgo(1) })]);

    const { summary } = await run();

    expect(copyInputs()).toEqual([]);
    expect(summary.copies.alreadyCopied).toEqual([target(source)]);
  });

  it('follows Marker through every page of both listings', async () => {
    const older = automatedSnapshot(2);
    const newer = automatedSnapshot(1);
    sourceMock
      .on(DescribeDBClusterSnapshotsCommand)
      .resolvesOnce({ DBClusterSnapshots: [older], Marker: 'source-page-2' })
      .resolvesOnce({ DBClusterSnapshots: [newer] });
    backupMock
      .on(DescribeDBClusterSnapshotsCommand)
      .resolvesOnce({ DBClusterSnapshots: [], Marker: 'backup-page-2' })
      .resolvesOnce({ DBClusterSnapshots: [backupSnapshot(target(older), { sourceCreated: daysAgo(2) })] });
    backupMock.on(CopyDBClusterSnapshotCommand).resolves({});

    const { summary } = await run();

    const sourcePages = sourceMock.commandCalls(DescribeDBClusterSnapshotsCommand).map((call) => call.args[0].input.Marker);
    const backupPages = backupMock.commandCalls(DescribeDBClusterSnapshotsCommand).map((call) => call.args[0].input);
    expect(sourcePages).toEqual([undefined, 'source-page-2']);
    expect(backupPages.map((input) => input.Marker)).toEqual([undefined, 'backup-page-2']);
    expect(backupPages[0].SnapshotType).toBe('manual');
    // The copy on page 2 of the backup listing is recognised; only the newer source is copied.
    expect(copyInputs().map((input) => input.TargetDBClusterSnapshotIdentifier)).toEqual([target(newer)]);
    expect(summary.copies.considered).toEqual([newer.DBClusterSnapshotIdentifier, older.DBClusterSnapshotIdentifier]);
  });

  it('keeps copies in progress in the backup region, from any source, under the concurrency limit', async () => {
    const sources = [1, 2, 3, 4].map((days) => automatedSnapshot(days));
    given(sources, [
      backupSnapshot('bulwark-prod-copy-in-flight-a', { status: 'copying' }),
      backupSnapshot('someone-elses-copy', { status: 'creating', tags: [] }),
      backupSnapshot('bulwark-prod-copy-in-flight-b', { status: 'copying' }),
    ]);

    const { summary } = await run({ maxConcurrentCopies: 5, maxCopiesPerRun: 4 });

    expect(summary.copies.copiesInProgressBefore).toBe(3);
    expect(copyInputs().map((input) => input.TargetDBClusterSnapshotIdentifier)).toEqual([target(sources[0]), target(sources[1])]);
    expect(summary.copies.deferred).toEqual([sources[2].DBClusterSnapshotIdentifier, sources[3].DBClusterSnapshotIdentifier]);
    expect(summary.failed).toBe(false);
  });

  it('considers only the newest MAX_COPIES_PER_RUN snapshots and none past retention', async () => {
    const sources = [automatedSnapshot(1), automatedSnapshot(2), automatedSnapshot(20)];
    given(sources);

    const two = await run({ maxCopiesPerRun: 2 });
    expect(two.summary.copies.considered).toEqual([sources[0], sources[1]].map((s) => s.DBClusterSnapshotIdentifier));

    backupMock.resetHistory();
    const all = await run({ maxCopiesPerRun: 3 });
    expect(all.summary.copies.skippedExpired).toEqual([sources[2].DBClusterSnapshotIdentifier]);
    expect(copyInputs()).toHaveLength(2);
  });

  it('copies every other snapshot when one copy fails, and the handler throws afterwards', async () => {
    const sources = [automatedSnapshot(1), automatedSnapshot(2), automatedSnapshot(3)];
    given(sources);
    backupMock
      .on(CopyDBClusterSnapshotCommand, { TargetDBClusterSnapshotIdentifier: target(sources[1]) })
      .rejects(awsError('InvalidDBClusterSnapshotStateFault', 'source is being deleted'));
    const handler = createHandler(handlerDeps());

    const error = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SnapshotCopyRunFailedError);
    // The message is what the Errors alarm's operator reads first: counts, then each failure.
    expect(error).toMatchObject({
      name: 'SnapshotCopyRunFailedError',
      message: expect.stringMatching(new RegExp(`^1 copy and 0 prune failure\\(s\\): ${sources[1].DBClusterSnapshotIdentifier} \\(.*source is being deleted.*\\)$`)),
    });
    const summary = (error as SnapshotCopyRunFailedError).summary;
    expect(summary.copies.started.map((s) => s.targetSnapshotIdentifier)).toEqual([target(sources[0]), target(sources[2])]);
    // Metrics were published before the throw, so the failure shows on the dashboard too.
    expect(output.emf()[0][SNAPSHOT_COPY_FAILURES]).toBe(1);
  });
});

describe('the handler', () => {
  it('ignores an event the rule should not have delivered: logs why, calls no RDS API, publishes nothing', async () => {
    given([automatedSnapshot(1)]);
    output.clear();
    const event = { source: 'aws.rds', 'detail-type': 'RDS DB Cluster Snapshot Event', detail: { EventID: 'RDS-EVENT-0169', SourceIdentifier: 'rds:another-db-1' } };

    const result = await createHandler(handlerDeps())(event);

    const reason = `snapshot rds:another-db-1 is not of cluster ${config.sourceClusterIdentifier}`;
    expect(result).toEqual({ ignored: reason });
    expect(output.logs()).toEqual([expect.objectContaining({ level: 'INFO', message: 'event ignored', reason })]);
    expect(sourceMock.calls()).toHaveLength(0);
    expect(backupMock.calls()).toHaveLength(0);
    expect(output.emf()).toEqual([]);
  });

  it('logs what started the run and what it did', async () => {
    const sources = [automatedSnapshot(1)];
    given(sources);
    output.clear();

    await createHandler(handlerDeps())({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });

    const finished = output.logs().find((line) => line.message === 'reconciliation finished');
    expect(finished).toMatchObject({ level: 'INFO', trigger: { kind: 'schedule' }, summary: { copies: { started: [{ targetSnapshotIdentifier: target(sources[0]) }] } } });
  });
});

describe('pruning', () => {
  const retention = config.retentionDays;

  it('refuses snapshots that are not tagged as its own, whatever their name', async () => {
    given(
      [],
      [
        backupSnapshot('bulwark-prod-copy-newest', { sourceCreated: daysAgo(1) }),
        backupSnapshot('bulwark-prod-copy-looks-like-ours', { tags: [], createTime: daysAgo(100) }),
        backupSnapshot('bulwark-prod-copy-other-stage', {
          tags: [{ Key: 'bulwark:managed-by', Value: 'Bulwark-dev-snapshot-copier' }, { Key: 'bulwark:source-created', Value: daysAgo(100).toISOString() }],
        }),
        backupSnapshot('hand-made-by-an-operator', { tags: [], createTime: daysAgo(100) }),
      ],
    );

    const { summary, metrics } = await run();

    expect(deletedIds()).toEqual([]);
    expect(summary.prune.refusedForeign).toEqual(['bulwark-prod-copy-looks-like-ours', 'bulwark-prod-copy-other-stage']);
    expect(metrics[SNAPSHOTS_REFUSED_FOREIGN]).toBe(2);
    expect(metrics[SNAPSHOT_PRUNE_FAILURES]).toBe(0);
  });

  it('asks ListTagsForResource when the listing carries no TagList, and trusts only the tag', async () => {
    const untaggedInListing = { ...backupSnapshot('bulwark-prod-copy-old', { sourceCreated: daysAgo(30) }), TagList: undefined };
    given([], [backupSnapshot('bulwark-prod-copy-newest', { sourceCreated: daysAgo(1) }), untaggedInListing]);
    backupMock.on(ListTagsForResourceCommand).resolves({
      TagList: [{ Key: 'bulwark:managed-by', Value: MANAGED_BY }, { Key: 'bulwark:source-created', Value: daysAgo(30).toISOString() }],
    });

    await run();

    expect(backupMock.commandCalls(ListTagsForResourceCommand).map((call) => call.args[0].input.ResourceName)).toEqual([untaggedInListing.DBClusterSnapshotArn]);
    expect(deletedIds()).toEqual(['bulwark-prod-copy-old']);
  });

  it('keeps a copy exactly at the retention boundary and prunes one a second older', async () => {
    given(
      [],
      [
        backupSnapshot('bulwark-prod-copy-newest', { sourceCreated: daysAgo(1) }),
        backupSnapshot('bulwark-prod-copy-at-boundary', { sourceCreated: daysAgo(retention) }),
        backupSnapshot('bulwark-prod-copy-past-boundary', { sourceCreated: new Date(NOW.getTime() - retention * DAY_MS - 1000) }),
      ],
    );

    const { summary, metrics } = await run();

    expect(deletedIds()).toEqual(['bulwark-prod-copy-past-boundary']);
    expect(summary.prune.pruned).toEqual(['bulwark-prod-copy-past-boundary']);
    expect(metrics[SNAPSHOT_COPIES_PRUNED]).toBe(1);
  });

  it('dates a copy by its bulwark:source-created tag, not by when the copy was made', async () => {
    given(
      [],
      [
        backupSnapshot('bulwark-prod-copy-newest', { sourceCreated: daysAgo(1) }),
        backupSnapshot('bulwark-prod-copy-copied-late', { sourceCreated: daysAgo(30), createTime: daysAgo(2) }),
      ],
    );

    await run();

    expect(deletedIds()).toEqual(['bulwark-prod-copy-copied-late']);
  });

  it('never deletes the newest completed copy, even past retention', async () => {
    given(
      [],
      [
        backupSnapshot('bulwark-prod-copy-newest-but-old', { sourceCreated: daysAgo(40) }),
        backupSnapshot('bulwark-prod-copy-older', { sourceCreated: daysAgo(50) }),
        // Newer, but not completed: must not stand in for the newest completed copy.
        backupSnapshot('bulwark-prod-copy-still-copying', { status: 'copying', sourceCreated: daysAgo(30) }),
      ],
    );

    const { summary } = await run();

    expect(deletedIds()).toEqual(['bulwark-prod-copy-older']);
    expect(summary.prune.keptNewest).toBe('bulwark-prod-copy-newest-but-old');
  });

  it('reports a failed deletion and carries on with the others', async () => {
    given(
      [],
      [
        backupSnapshot('bulwark-prod-copy-newest', { sourceCreated: daysAgo(1) }),
        backupSnapshot('bulwark-prod-copy-stuck', { sourceCreated: daysAgo(30) }),
        backupSnapshot('bulwark-prod-copy-old', { sourceCreated: daysAgo(31) }),
      ],
    );
    backupMock
      .on(DeleteDBClusterSnapshotCommand, { DBClusterSnapshotIdentifier: 'bulwark-prod-copy-stuck' })
      .rejects(awsError('InvalidDBClusterSnapshotStateFault', 'in use'));

    const { summary, metrics } = await run();

    expect(summary.prune.pruned).toEqual(['bulwark-prod-copy-old']);
    expect(summary.prune.failures).toEqual([{ snapshotIdentifier: 'bulwark-prod-copy-stuck', error: 'InvalidDBClusterSnapshotStateFault: in use' }]);
    expect(summary.failed).toBe(true);
    expect(metrics[SNAPSHOT_PRUNE_FAILURES]).toBe(1);
  });
});

describe('metrics', () => {
  it('prints one Embedded Metric Format line on stdout with the age of the newest completed copy', async () => {
    given([automatedSnapshot(1)], [backupSnapshot('bulwark-prod-copy-yesterday', { sourceCreated: new Date(NOW.getTime() - 3600_000) })]);
    const handler = createHandler(handlerDeps());

    await handler({ source: 'aws.rds', 'detail-type': 'RDS DB Cluster Snapshot Event', detail: { EventID: 'RDS-EVENT-0169', SourceIdentifier: automatedSnapshot(1).DBClusterSnapshotIdentifier } });

    const documents = output.emf();
    expect(documents).toHaveLength(1);
    const document = documents[0];
    expect(document._aws).toEqual({
      Timestamp: NOW.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: 'Bulwark/Operations',
          Dimensions: [['Stage'], ['Stage', 'ClusterIdentifier']],
          Metrics: SNAPSHOT_COPIER_METRIC_NAMES.map((name) => ({ Name: name, Unit: name === SNAPSHOT_COPY_AGE_SECONDS ? 'Seconds' : 'Count' })),
        },
      ],
    });
    expect(document).toMatchObject({
      Stage: 'prod',
      ClusterIdentifier: config.sourceClusterIdentifier,
      [SNAPSHOT_COPY_AGE_SECONDS]: 3600,
      [SNAPSHOT_COPIES_STARTED]: 1,
      [SNAPSHOT_COPY_FAILURES]: 0,
      [SNAPSHOT_COPIES_PRUNED]: 0,
      [SNAPSHOT_PRUNE_FAILURES]: 0,
    });
  });

  it('publishes the sentinel age while no copy has completed', async () => {
    given([automatedSnapshot(1)], [backupSnapshot('bulwark-prod-copy-first', { status: 'copying', sourceCreated: daysAgo(1) })]);
    const handler = createHandler(handlerDeps());

    const summary = await handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });

    expect(output.emf()[0][SNAPSHOT_COPY_AGE_SECONDS]).toBe(NO_COMPLETED_COPY_AGE_SECONDS);
    expect(summary).toMatchObject({ newestCompletedCopyAgeSeconds: undefined });
  });
});

function handlerDeps(): HandlerDeps {
  const { logger, metrics } = createInstrumentation('snapshot-copier', config.metricNamespace);
  return { config, clients: rds, now: () => NOW, logger, metrics };
}
