/**
 * The real handler, over real HTTP, against moto server standing in for RDS and KMS in two
 * regions. What moto does not emulate is covered by reconcile.test.ts and listed here:
 * - automated snapshots: moto takes exactly one, `rds:<cluster>-<yyyy-mm-dd-hh-mm>`, when a
 *   cluster is created, and never another; so the scenario has one automated snapshot.
 * - snapshot states: every snapshot and copy is "available" at once (no "creating" or
 *   "copying"), so the concurrency limit and the still-creating skip are not exercised here.
 * - time: moto cannot back-date a snapshot, so the "old copy made by an earlier run" is
 *   seeded with CopyDBClusterSnapshot and the copier's own tags, its bulwark:source-created
 *   set 40 days back (the copier dates copies by that tag).
 * - PreSignedUrl / cross-region authorisation: moto ignores the presigned URL the SDK adds
 *   and reads the source snapshot straight from the other region's backend.
 * - DescribeDBClusterSnapshots pagination: moto ignores MaxRecords/Marker and returns one page.
 * - Throttling, SnapshotQuotaExceededFault for copies (moto only raises it past
 *   MOTO_RDS_SNAPSHOT_LIMIT), and KMS grants are not emulated.
 */
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  RDSClient,
  type DBClusterSnapshot,
} from '@aws-sdk/client-rds';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HandlerResult } from '../../../lambda/snapshot-copier/handler';
import type { ReconcileSummary } from '../../../lambda/snapshot-copier/reconcile';
import { startMotoServer, type MotoServer } from '../../support/moto-server';
import { captureOutput, type EmfDocument, type LogLine } from '../support/captured-output';
import { lambdaContext } from '../support/lambda-context';

const MOTO_ACCOUNT = '123456789012';
const SOURCE_REGION = 'eu-west-1';
const BACKUP_REGION = 'eu-central-1';
const CLUSTER = 'bulwark-moto-db';
const PREFIX = 'bulwark-moto-copy';
const MANAGED_BY = 'Bulwark-moto-snapshot-copier';
const KEY_ALIAS = 'alias/bulwark-moto-backup';
const KEY_ALIAS_ARN = `arn:aws:kms:${BACKUP_REGION}:${MOTO_ACCOUNT}:${KEY_ALIAS}`;
const FORTY_DAYS_AGO = new Date(Date.now() - 40 * 86_400_000).toISOString();

let moto: MotoServer;
let source: RDSClient;
let backup: RDSClient;

/** KMS has no SDK client in this project; moto reads the region from the credential scope. */
async function kms<T>(action: string, body: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${moto.endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `TrentService.${action}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20240101/${BACKUP_REGION}/kms/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`KMS ${action}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function backupSnapshots(): Promise<Map<string, DBClusterSnapshot>> {
  const { DBClusterSnapshots = [] } = await backup.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }));
  return new Map(DBClusterSnapshots.map((snapshot) => [snapshot.DBClusterSnapshotIdentifier!, snapshot]));
}

function tagsOf(snapshot: DBClusterSnapshot | undefined): Record<string, string> {
  return Object.fromEntries((snapshot?.TagList ?? []).map((tag) => [tag.Key!, tag.Value!]));
}

const SCHEDULED_EVENT_ID = '7bf73129-1428-4cd3-a780-95db273d1602';

/**
 * Runs a fresh cold start of the handler on a scheduled event and returns its summary, the
 * run's EMF document (the one carrying the copier's metrics), every EMF document and the log lines.
 */
async function invokeHandler(): Promise<ReconcileSummary & { metrics: EmfDocument; documents: EmfDocument[]; logs: LogLine[] }> {
  const output = captureOutput();
  try {
    vi.resetModules();
    const { handler } = await import('../../../lambda/snapshot-copier/handler');
    const event = { id: SCHEDULED_EVENT_ID, source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
    const result: HandlerResult = await handler(event, lambdaContext('bulwark-moto-copier', 'request-1'));
    if ('ignored' in result) throw new Error(`handler ignored the event: ${result.ignored}`);
    const documents = output.emf();
    const metrics = documents.find((document) => 'SnapshotCopyAgeSeconds' in document);
    if (!metrics) throw new Error('the run printed no copier metrics');
    return { ...result, metrics, documents, logs: output.logs() };
  } finally {
    vi.mocked(process.stdout.write).mockRestore();
    vi.mocked(process.stderr.write).mockRestore();
  }
}

beforeAll(async () => {
  moto = await startMotoServer();
  const clientConfig = { endpoint: moto.endpoint, credentials: moto.credentials };
  source = new RDSClient({ region: SOURCE_REGION, ...clientConfig });
  backup = new RDSClient({ region: BACKUP_REGION, ...clientConfig });
});

afterAll(async () => {
  source?.destroy();
  backup?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  // The handler builds its own clients; SDK v3 sends them to AWS_ENDPOINT_URL.
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    AWS_REGION: SOURCE_REGION,
    // Set by Lambda; Powertools reports a cold start only for on-demand environments.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    SOURCE_CLUSTER_IDENTIFIER: CLUSTER,
    BACKUP_REGION,
    BACKUP_KMS_KEY_ID: KEY_ALIAS_ARN,
    RETENTION_DAYS: '14',
    COPY_PREFIX: PREFIX,
    MANAGED_BY_TAG_VALUE: MANAGED_BY,
    METRIC_NAMESPACE: 'Bulwark/Operations',
    STAGE: 'moto',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('snapshot copier against moto', () => {
  it('copies into the backup region, is idempotent, and prunes only its own expired copies', async () => {
    const { KeyMetadata } = await kms<{ KeyMetadata: { KeyId: string; Arn: string } }>('CreateKey', { Description: 'backup' });
    await kms('CreateAlias', { AliasName: KEY_ALIAS, TargetKeyId: KeyMetadata.KeyId });

    await source.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: CLUSTER,
        Engine: 'aurora-postgresql',
        MasterUsername: 'bulwark',
        MasterUserPassword: 'not-a-real-password-1',
        StorageEncrypted: true,
        CopyTagsToSnapshot: true,
        Tags: [{ Key: 'project', Value: 'bulwark' }],
      }),
    );
    await source.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: CLUSTER, DBClusterSnapshotIdentifier: 'manual-before-upgrade' }));
    const { DBClusterSnapshots: automated = [] } = await source.send(
      new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: CLUSTER, SnapshotType: 'automated' }),
    );
    expect(automated).toHaveLength(1);
    const automatedSnapshot = automated[0];
    const expectedCopy = `${PREFIX}-${automatedSnapshot.DBClusterSnapshotIdentifier!.replace(/^rds:/, '')}`;

    // An earlier run's copy, now past retention; a foreign snapshot using the prefix, just as old.
    const seed = (identifier: string, managedBy: string | undefined) =>
      backup.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: automatedSnapshot.DBClusterSnapshotArn,
          TargetDBClusterSnapshotIdentifier: identifier,
          KmsKeyId: KEY_ALIAS_ARN,
          Tags: [
            ...(managedBy ? [{ Key: 'bulwark:managed-by', Value: managedBy }] : []),
            { Key: 'bulwark:source-created', Value: FORTY_DAYS_AGO },
          ],
        }),
      );
    await seed(`${PREFIX}-earlier-run`, MANAGED_BY);
    await seed(`${PREFIX}-made-by-hand`, undefined);
    await seed('bulwark-dev-copy-other-stage', 'Bulwark-dev-snapshot-copier');

    // Run 1: the copy is started. The earlier copy is still the newest *completed* one in the
    // listing the run started from, so it is kept.
    const first = await invokeHandler();
    expect(first.copies.started).toEqual([
      { sourceSnapshotIdentifier: automatedSnapshot.DBClusterSnapshotIdentifier, targetSnapshotIdentifier: expectedCopy, encrypted: true },
    ]);
    expect(first.copies.considered).toEqual([automatedSnapshot.DBClusterSnapshotIdentifier]);
    expect(first.prune.pruned).toEqual([]);
    expect(first.prune.keptNewest).toBe(`${PREFIX}-earlier-run`);
    expect(first.metrics).toMatchObject({ SnapshotCopiesStarted: 1, SnapshotCopiesPruned: 0, SnapshotsRefusedForeign: 2 });
    expect(first.metrics.SnapshotCopyAgeSeconds).toBeGreaterThanOrEqual(40 * 86_400);
    // Powertools: the run's log line carries the Lambda context, the cold start and the
    // EventBridge event id as correlation id; the cold start is also a metric.
    expect(first.logs.find((line) => line.message === 'reconciliation finished')).toMatchObject({
      level: 'INFO',
      service: 'snapshot-copier',
      cold_start: true,
      function_name: 'bulwark-moto-copier',
      function_request_id: 'request-1',
      correlation_id: SCHEDULED_EVENT_ID,
    });
    expect(first.documents.find((document) => 'ColdStart' in document)).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'Bulwark/Operations', Dimensions: [['service', 'function_name']] }] },
      service: 'snapshot-copier',
      function_name: 'bulwark-moto-copier',
      ColdStart: 1,
    });

    const afterFirst = await backupSnapshots();
    const copy = afterFirst.get(expectedCopy);
    expect(copy).toMatchObject({ Status: 'available', StorageEncrypted: true, KmsKeyId: KeyMetadata.Arn });
    expect(tagsOf(copy)).toEqual({
      project: 'bulwark',
      'bulwark:managed-by': MANAGED_BY,
      'bulwark:source-snapshot': automatedSnapshot.DBClusterSnapshotArn,
      'bulwark:source-created': automatedSnapshot.SnapshotCreateTime!.toISOString(),
    });
    expect([...afterFirst.keys()].filter((id) => id.includes('manual-before-upgrade'))).toEqual([]);

    // Run 2: nothing to copy; the new copy is now the newest completed one, so the earlier
    // run's copy goes. Foreign snapshots stay, whatever their name or age.
    const second = await invokeHandler();
    expect(second.copies.started).toEqual([]);
    expect(second.copies.alreadyCopied).toEqual([expectedCopy]);
    expect(second.prune.pruned).toEqual([`${PREFIX}-earlier-run`]);
    expect(second.prune.refusedForeign.sort()).toEqual(['bulwark-dev-copy-other-stage', `${PREFIX}-made-by-hand`]);
    expect(second.newestCompletedCopy).toBe(expectedCopy);
    expect(second.failed).toBe(false);
    expect(second.metrics).toMatchObject({ SnapshotCopiesStarted: 0, SnapshotCopiesPruned: 1, SnapshotPruneFailures: 0, SnapshotCopyFailures: 0 });
    expect(second.metrics.SnapshotCopyAgeSeconds).toBeLessThan(3600);
    expect([...(await backupSnapshots()).keys()].sort()).toEqual(['bulwark-dev-copy-other-stage', `${PREFIX}-made-by-hand`, expectedCopy].sort());

    // Run 3: a fixed point.
    const third = await invokeHandler();
    expect(third.copies.started).toEqual([]);
    expect(third.prune.pruned).toEqual([]);
    expect((await backupSnapshots()).size).toBe(3);
  });
});
