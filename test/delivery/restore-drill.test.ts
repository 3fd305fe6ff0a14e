/**
 * The restore drill against moto server (RDS in the backup region, over real HTTP) and a
 * throwaway PostgreSQL standing in for the restored cluster's database. What moto does not
 * emulate, and so what only a drill against AWS proves:
 * - time: every cluster, instance and snapshot is "available" at once (no "creating",
 *   "resetting-master-credentials", "deleting"), so the waits return on their first poll
 *   and the measured restore time is ~0; the bounded wait is covered with a fake clock below;
 * - data: a moto cluster has no database behind its endpoint, so the row counts run against
 *   a local PostgreSQL (the drill's connection target is swapped; the SQL is real);
 * - KMS: the key passed to RestoreDBClusterFromSnapshot is recorded, not used; KMS grants,
 *   cross-account keys and a wrong-region key are not checked;
 * - network: subnet groups, security groups and reachability of the endpoint are not
 *   modelled; TLS to the RDS CA is not exercised (the local server runs without TLS);
 * - cross-region copies: the copies are seeded as manual snapshots in the backup region
 *   with the copier's tags, as the copier's own moto test shows it writes them.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  type ServiceInputTypes,
} from '@aws-sdk/client-rds';
import { Client } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../scripts/throwaway-postgres';
import { drillIdentifier, runDrill, type DrillDeps } from '../../scripts/restore-drill/drill';
import { NoCopyError } from '../../scripts/restore-drill/find-copy';
import { parseDrillOptions, type DrillOptions } from '../../scripts/restore-drill/options';
import { countRows, countSourceRows, type DatabaseTarget } from '../../scripts/restore-drill/row-counts';
import { startMotoServer, type MotoServer } from '../support/moto-server';

const BACKUP_REGION = 'eu-central-1';
const MANAGED_BY = 'bulwark-prod-copy-copier';
const DAY_MS = 86_400_000;

let moto: MotoServer;
let postgres: ThrowawayPostgres;
let rds: RDSClient;
/** Every command the drill sent, in order. */
let sent: { name: string; input: ServiceInputTypes }[];

function options(argv: string[] = []): DrillOptions {
  return parseDrillOptions(['--stage', 'prod', '--timeout-minutes', '1', ...argv], () => '{}');
}

function deps(overrides: Partial<DrillDeps> = {}): DrillDeps & { targets: DatabaseTarget[]; lines: string[] } {
  const targets: DatabaseTarget[] = [];
  const lines: string[] = [];
  return {
    rds,
    sleep: async () => {},
    now: () => new Date(),
    pollIntervalMs: 0,
    newPassword: () => 'drill-password-0123456789abcdef',
    // The restored cluster's endpoint is moto's invention: count rows in the local server instead.
    countRows: (target, tables, minimums) => {
      targets.push(target);
      return countRows({ host: postgres.host, port: postgres.port, user: postgres.user, password: '', database: postgres.database }, tables, minimums, false);
    },
    log: (line) => lines.push(line),
    targets,
    lines,
    ...overrides,
  };
}

async function seedCopy(identifier: string, managedBy: string, sourceCreated: Date): Promise<void> {
  await rds.send(
    new CreateDBClusterSnapshotCommand({
      DBClusterIdentifier: 'seed-source',
      DBClusterSnapshotIdentifier: identifier,
      Tags: [
        { Key: 'bulwark:managed-by', Value: managedBy },
        { Key: 'bulwark:source-created', Value: sourceCreated.toISOString() },
        { Key: 'bulwark:source-snapshot', Value: `arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:rds:${identifier}` },
      ],
    }),
  );
}

function sourceUrl(): string {
  const url = new URL(postgres.url);
  url.pathname = '/live';
  return url.toString();
}

async function drillClusters(): Promise<string[]> {
  const { DBClusters = [] } = await rds.send(new DescribeDBClustersCommand({}));
  return DBClusters.map((cluster) => cluster.DBClusterIdentifier!).filter((id) => id.includes('-drill-'));
}

beforeAll(async () => {
  [moto, postgres] = await Promise.all([startMotoServer(), startThrowawayPostgres({ database: 'bulwark' })]);
  const client = new Client({ connectionString: postgres.url });
  await client.connect();
  await client.query('CREATE TABLE users (id serial PRIMARY KEY); CREATE TABLE notes (id serial PRIMARY KEY)');
  await client.query('INSERT INTO users SELECT FROM generate_series(1, 3); INSERT INTO notes SELECT FROM generate_series(1, 5)');
  // The "live" database for --compare-source: it has grown since the copy was taken.
  await client.query('CREATE DATABASE live');
  await client.end();
  const live = new Client({ connectionString: sourceUrl() });
  await live.connect();
  await live.query('CREATE TABLE users (id serial PRIMARY KEY); CREATE TABLE notes (id serial PRIMARY KEY)');
  await live.query('INSERT INTO users SELECT FROM generate_series(1, 10); INSERT INTO notes SELECT FROM generate_series(1, 6)');
  await live.end();
});

afterAll(async () => {
  await Promise.all([moto?.stop(), postgres?.stop()]);
});

beforeEach(async () => {
  await moto.reset();
  sent = [];
  rds = new RDSClient({ region: BACKUP_REGION, endpoint: moto.endpoint, credentials: moto.credentials });
  rds.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ name: String(context.commandName), input: args.input as ServiceInputTypes });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  await rds.send(
    new CreateDBClusterCommand({ DBClusterIdentifier: 'seed-source', Engine: 'aurora-postgresql', EngineVersion: '16.4', MasterUsername: 'bulwark_admin', MasterUserPassword: 'seed-password-1' }),
  );
  const now = Date.now();
  await seedCopy('bulwark-prod-copy-older', MANAGED_BY, new Date(now - 3 * DAY_MS));
  await seedCopy('bulwark-prod-copy-newest', MANAGED_BY, new Date(now - DAY_MS));
  // Newer, but made by someone else: never the drill's pick.
  await seedCopy('hand-made-copy', 'someone-else', new Date(now - 3_600_000));
  sent = [];
});

describe('restore drill against moto', () => {
  it('restores the newest completed copy of the copier into a throwaway cluster, counts rows and deletes it', async () => {
    const run = deps();
    const report = await runDrill(options(['--expected', 'x']), run);
    const drillId = drillIdentifier('bulwark-prod', 'bulwark-prod-copy-newest');

    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ drillId, snapshotIdentifier: 'bulwark-prod-copy-newest', passed: true, deleted: true, backupRegion: BACKUP_REGION });
    expect(report.dataAgeHours).toBeCloseTo(24, 0);
    expect(report.rowCounts).toEqual([
      { table: 'public.notes', rows: 5, minimum: undefined, ok: true },
      { table: 'public.users', rows: 3, minimum: undefined, ok: true },
    ]);

    const restore = sent.find((command) => command.name === 'RestoreDBClusterFromSnapshotCommand')!.input;
    expect(restore).toMatchObject({
      DBClusterIdentifier: drillId,
      Engine: 'aurora-postgresql',
      KmsKeyId: 'alias/bulwark-prod-backup-copies',
      DeletionProtection: false,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      Tags: [
        { Key: 'bulwark:restore-drill', Value: drillId },
        { Key: 'bulwark:restore-drill-source', Value: 'bulwark-prod-copy-newest' },
      ],
    });
    expect(sent.map((command) => command.name)).toEqual(
      expect.arrayContaining(['ModifyDBClusterCommand', 'CreateDBInstanceCommand', 'DeleteDBInstanceCommand', 'DeleteDBClusterCommand']),
    );
    // Connected to the restored cluster's endpoint as its master user with the drill's own password.
    expect(run.targets).toEqual([expect.objectContaining({ user: 'bulwark_admin', password: 'drill-password-0123456789abcdef', database: 'bulwark', port: 5432 })]);
    expect(run.targets[0].host).toContain(drillId);
    expect(await drillClusters()).toEqual([]);
  });

  it('fails when a table is below its expected minimum or missing, and still deletes the cluster', async () => {
    const run = parseDrillOptions(['--stage', 'prod', '--expected', 'minimums.json', '--tables', 'users'], () => '{"users": 10, "audit_log": 0}');
    const report = await runDrill(run, deps());
    expect(report.passed).toBe(false);
    expect(report.rowCounts).toEqual([
      { table: 'public.users', rows: 3, minimum: 10, ok: false },
      { table: 'public.audit_log', rows: -1, minimum: 0, ok: false },
    ]);
    expect(report.deleted).toBe(true);
    expect(await drillClusters()).toEqual([]);
  });

  it('--compare-source fails a table that holds less than the given fraction of the live database', async () => {
    const run = deps({ countSourceRows: (tables) => countSourceRows(sourceUrl(), tables, false) });
    const report = await runDrill(options(['--compare-source', '--min-source-fraction', '0.5']), run);
    expect(report.rowCounts).toEqual([
      { table: 'public.notes', rows: 5, minimum: undefined, sourceRows: 6, ok: true },
      { table: 'public.users', rows: 3, minimum: undefined, sourceRows: 10, ok: false },
    ]);
    expect(report).toMatchObject({ passed: false, deleted: true });
    expect(run.lines).toContain('FAIL public.users: 3 rows (source 10)');
  });

  it('restores a named copy and deletes the clusters an interrupted earlier run left behind', async () => {
    const leftover = drillIdentifier('bulwark-prod', 'bulwark-prod-copy-gone');
    await rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: leftover, SnapshotIdentifier: 'bulwark-prod-copy-older', Engine: 'aurora-postgresql' }));
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: `${leftover}-1`, DBClusterIdentifier: leftover, Engine: 'aurora-postgresql', DBInstanceClass: 'db.serverless' }));

    const report = await runDrill(options(['--snapshot', 'bulwark-prod-copy-older', '--skip-row-counts']), deps());
    expect(report).toMatchObject({ snapshotIdentifier: 'bulwark-prod-copy-older', leftoversDeleted: [leftover], rowCountsSkipped: true, rowCounts: [], passed: true });
    expect(sent.some((command) => command.name === 'ModifyDBClusterCommand')).toBe(false);
    expect(await drillClusters()).toEqual([]);
  });

  it('--keep leaves the cluster for inspection and --cleanup-only removes it', async () => {
    const kept = await runDrill(options(['--keep', '--skip-row-counts']), deps());
    expect(kept).toMatchObject({ passed: true, deleted: false });
    expect(await drillClusters()).toEqual([kept.drillId]);

    const cleanup = await runDrill(options(['--cleanup-only']), deps());
    expect(cleanup.leftoversDeleted).toEqual([kept.drillId]);
    expect(await drillClusters()).toEqual([]);
  });

  it('says so when the backup region holds no copy of the copier', async () => {
    await expect(runDrill(options(['--skip-row-counts', '--managed-by', 'another-copier']), deps())).rejects.toThrow(NoCopyError);
    await expect(runDrill(options(['--snapshot', 'no-such-copy']), deps())).rejects.toThrow(/no-such-copy does not exist/);
  });

  it('gives up a wait after --timeout-minutes and still cleans up', async () => {
    let clock = Date.now();
    // Pretend RDS never reports the instance available: every describe of it advances the clock.
    const run = deps({
      now: () => new Date(clock),
      sleep: async () => {
        clock += 20_000;
      },
    });
    const stuck = { ...run, rds: new Proxy(rds, { get: (target, key) => (key === 'send' ? stuckInstanceSend(target) : Reflect.get(target, key)) }) };
    const report = await runDrill(options(['--skip-row-counts']), stuck);
    expect(report.passed).toBe(false);
    expect(report.error).toMatch(/DrillTimeoutError: instance .*-1 available did not happen within 1 minutes/);
    expect(report.deleted).toBe(true);
    expect(await drillClusters()).toEqual([]);
  });

  it('runs from the command line with --stage and exits 0 with a report', async () => {
    const { code, stdout } = await runCli(['--stage', 'prod', '--skip-row-counts']);
    expect(code).toBe(0);
    expect(stdout).toContain(`restore drill ${drillIdentifier('bulwark-prod', 'bulwark-prod-copy-newest')}: PASSED`);
    expect(stdout).toContain('drill cluster        deleted');
  });
});

function stuckInstanceSend(target: RDSClient): RDSClient['send'] {
  return (async (command: { constructor: { name: string }; input: unknown }) => {
    const response = await target.send(command as never);
    if (command.constructor.name === 'DescribeDBInstancesCommand') {
      return { ...(response as object), DBInstances: ((response as { DBInstances?: object[] }).DBInstances ?? []).map((instance) => ({ ...instance, DBInstanceStatus: 'creating' })) };
    }
    return response;
  }) as RDSClient['send'];
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const root = join(__dirname, '..', '..');
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'scripts', 'restore-drill.ts'), ...args], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
        AWS_PROFILE: '',
        RESTORE_DRILL_POLL_MS: '10',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
