import { createHash, randomBytes } from 'node:crypto';
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
  type DBCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { findNamedCopy, findNewestCopy, type DrillSource } from './find-copy';
import type { DrillOptions } from './options';
import { compareWithSource, type DatabaseTarget, type RowCount } from './row-counts';

export const DRILL_TAG = 'bulwark:restore-drill';
export const DRILL_SOURCE_TAG = 'bulwark:restore-drill-source';
/** Serverless v2 range of a drill cluster: small, since it only serves the row counts. */
const DRILL_SERVERLESS_CAPACITY = { MinCapacity: 0.5, MaxCapacity: 8 };

export interface DrillDeps {
  /** RDS in the backup region, retrying throttled calls itself (see lambda/snapshot-copier/rds-client.ts). */
  readonly rds: RDSClient;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  /** Between two describes while waiting. */
  readonly pollIntervalMs: number;
  /** The master password the drill sets on its throwaway cluster. */
  readonly newPassword: () => string;
  readonly countRows: (target: DatabaseTarget, tables: readonly string[], minimums: Readonly<Record<string, number>>) => Promise<RowCount[]>;
  /** Row counts in the live source database, for --compare-source. */
  readonly countSourceRows?: (tables: readonly string[]) => Promise<ReadonlyMap<string, number>>;
  readonly log: (line: string) => void;
}

export interface DrillReport {
  readonly drillId: string;
  readonly backupRegion: string;
  readonly snapshotIdentifier?: string;
  /** When the restored data was current in the primary region. */
  readonly sourceSnapshotCreated?: string;
  /** Age of the restored data when the drill started: the recovery point actually achieved. */
  readonly dataAgeHours?: number;
  readonly startedAt: string;
  /** Restore request to a writable, available writer instance: the recovery time of this path. */
  readonly restoreMinutes?: number;
  readonly rowCounts: RowCount[];
  readonly rowCountsSkipped: boolean;
  /** Leftover drill clusters from earlier runs that this run deleted. */
  readonly leftoversDeleted: string[];
  readonly deleted: boolean;
  readonly passed: boolean;
  readonly error?: string;
}

export class DrillTimeoutError extends Error {
  constructor(what: string, minutes: number) {
    super(`${what} did not happen within ${minutes} minutes`);
    this.name = 'DrillTimeoutError';
  }
}

/**
 * The drill's id is derived from the copy it restores, so a re-run for the same copy uses
 * the same cluster name, and a cluster left behind by a killed run is recognisable by its
 * prefix and deleted by the next run.
 */
export function drillIdentifier(prefix: string, snapshotIdentifier: string): string {
  const hash = createHash('sha256').update(snapshotIdentifier.toLowerCase()).digest('hex').slice(0, 8);
  return `${drillClusterPrefix(prefix)}${hash}`;
}

export function drillClusterPrefix(prefix: string): string {
  return `${prefix.toLowerCase()}-drill-`;
}

/** 32 characters from the set RDS allows in a master password (no / @ " or space). */
export function randomPassword(): string {
  return randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 32);
}

export async function runDrill(options: DrillOptions, deps: DrillDeps): Promise<DrillReport> {
  const startedAt = deps.now();
  const leftoversDeleted = await deleteDrillClusters(options, deps);
  if (options.cleanupOnly) {
    return { drillId: '', backupRegion: options.backupRegion, startedAt: startedAt.toISOString(), rowCounts: [], rowCountsSkipped: true, leftoversDeleted, deleted: true, passed: true };
  }

  const source = options.snapshotIdentifier
    ? await findNamedCopy(deps.rds, options.snapshotIdentifier)
    : await findNewestCopy(deps.rds, options.managedByTagValue);
  const drillId = drillIdentifier(options.drillIdPrefix, source.identifier);
  deps.log(`restoring ${source.identifier} (data of ${source.sourceCreated?.toISOString() ?? 'unknown date'}) into ${drillId} in ${options.backupRegion}`);

  const base = {
    drillId,
    backupRegion: options.backupRegion,
    snapshotIdentifier: source.identifier,
    sourceSnapshotCreated: source.sourceCreated?.toISOString(),
    dataAgeHours: source.sourceCreated ? round((startedAt.getTime() - source.sourceCreated.getTime()) / 3_600_000) : undefined,
    startedAt: startedAt.toISOString(),
    leftoversDeleted,
    rowCountsSkipped: options.skipRowCounts,
  };
  let rowCounts: RowCount[] = [];
  let restoreMinutes: number | undefined;
  let error: string | undefined;
  let deleted = false;
  try {
    const restored = await restore(options, deps, source, drillId);
    restoreMinutes = round((deps.now().getTime() - startedAt.getTime()) / 60_000);
    deps.log(`${drillId} is available after ${restoreMinutes} minutes`);
    if (restored.password !== undefined) rowCounts = await countRestoredRows(options, deps, restored.cluster, restored.password);
  } catch (caught) {
    error = `${(caught as Error).name}: ${(caught as Error).message}`;
    deps.log(`drill failed: ${error}`);
  } finally {
    if (options.keep) {
      deps.log(`--keep: ${drillId} is left running; delete it with --cleanup-only`);
    } else {
      deleted = (await deleteDrillCluster(drillId, options, deps)) !== 'failed';
    }
  }
  const passed = error === undefined && rowCounts.every((count) => count.ok) && (deleted || options.keep);
  return { ...base, restoreMinutes, rowCounts, deleted, passed, error };
}

async function restore(options: DrillOptions, deps: DrillDeps, source: DrillSource, drillId: string): Promise<{ cluster: DBCluster; password?: string }> {
  const { snapshot } = source;
  const serverless = options.instanceClass === 'db.serverless';
  await deps.rds.send(
    new RestoreDBClusterFromSnapshotCommand({
      DBClusterIdentifier: drillId,
      SnapshotIdentifier: source.identifier,
      Engine: snapshot.Engine ?? 'aurora-postgresql',
      EngineVersion: snapshot.EngineVersion,
      KmsKeyId: options.kmsKeyId,
      DBSubnetGroupName: options.dbSubnetGroupName,
      VpcSecurityGroupIds: options.vpcSecurityGroupIds.length > 0 ? options.vpcSecurityGroupIds : undefined,
      ServerlessV2ScalingConfiguration: serverless ? DRILL_SERVERLESS_CAPACITY : undefined,
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      Tags: [
        { Key: DRILL_TAG, Value: drillId },
        { Key: DRILL_SOURCE_TAG, Value: source.identifier },
      ],
    }),
  );
  await waitForCluster(options, deps, drillId, 'available');

  // The restored cluster keeps the master password of snapshot time, which rotation has
  // since replaced: the drill sets its own, used once, and gone with the cluster.
  const password = options.skipRowCounts ? undefined : deps.newPassword();
  if (password !== undefined) {
    await deps.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: drillId, MasterUserPassword: password, ApplyImmediately: true }));
    await waitForCluster(options, deps, drillId, 'available');
  }

  await deps.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: `${drillId}-1`,
      DBClusterIdentifier: drillId,
      Engine: snapshot.Engine ?? 'aurora-postgresql',
      DBInstanceClass: options.instanceClass,
      PubliclyAccessible: false,
      Tags: [{ Key: DRILL_TAG, Value: drillId }],
    }),
  );
  await waitFor(options, deps, `instance ${drillId}-1 available`, async () => {
    const { DBInstances = [] } = await deps.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${drillId}-1` }));
    return DBInstances[0]?.DBInstanceStatus === 'available';
  });
  return { cluster: (await describeCluster(deps, drillId))!, password };
}

async function countRestoredRows(options: DrillOptions, deps: DrillDeps, cluster: DBCluster, password: string): Promise<RowCount[]> {
  if (!cluster.Endpoint || !cluster.MasterUsername) throw new Error(`restored cluster ${cluster.DBClusterIdentifier} has no endpoint or master user`);
  let counts = await deps.countRows(
    { host: cluster.Endpoint, port: cluster.Port ?? 5432, user: cluster.MasterUsername, password, database: options.databaseName },
    options.tables,
    options.expectedMinimums,
  );
  if (options.compareSource) {
    if (!deps.countSourceRows) throw new Error('--compare-source needs a source database connection');
    const source = await deps.countSourceRows(counts.map((count) => count.table));
    counts = compareWithSource(counts, source, options.minSourceFraction);
  }
  for (const count of counts) {
    const minimum = count.minimum === undefined ? '' : ` (minimum ${count.minimum})`;
    const source = count.sourceRows === undefined ? '' : ` (source ${count.sourceRows})`;
    deps.log(`${count.ok ? 'ok  ' : 'FAIL'} ${count.table}: ${count.rows} rows${minimum}${source}`);
  }
  return counts;
}

/** Deletes every drill cluster of this prefix (a killed run's leftovers); returns their ids. */
export async function deleteDrillClusters(options: DrillOptions, deps: DrillDeps): Promise<string[]> {
  const prefix = drillClusterPrefix(options.drillIdPrefix);
  const leftovers: string[] = [];
  let marker: string | undefined;
  do {
    const page = await deps.rds.send(new DescribeDBClustersCommand({ Marker: marker }));
    leftovers.push(...(page.DBClusters ?? []).map((cluster) => cluster.DBClusterIdentifier ?? '').filter((id) => id.startsWith(prefix)));
    marker = page.Marker;
  } while (marker);
  for (const id of leftovers) {
    deps.log(`deleting drill cluster ${id} left by an earlier run`);
    if ((await deleteDrillCluster(id, options, deps)) === 'failed') throw new Error(`could not delete leftover drill cluster ${id}`);
  }
  return leftovers;
}

/**
 * Deletes the drill's instances, then the cluster without a final snapshot, and waits until
 * both are gone. Never throws: the report says whether it worked.
 */
export async function deleteDrillCluster(drillId: string, options: DrillOptions, deps: DrillDeps): Promise<'deleted' | 'absent' | 'failed'> {
  try {
    const cluster = await describeCluster(deps, drillId);
    if (!cluster) return 'absent';
    for (const member of cluster.DBClusterMembers ?? []) {
      const instanceId = member.DBInstanceIdentifier!;
      await deps.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instanceId })).catch(ignore('DBInstanceNotFound', 'DBInstanceNotFoundFault', 'InvalidDBInstanceState', 'InvalidDBInstanceStateFault'));
    }
    await waitFor(options, deps, `instances of ${drillId} deleted`, async () => ((await describeCluster(deps, drillId))?.DBClusterMembers ?? []).length === 0);
    await deps.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: drillId, SkipFinalSnapshot: true })).catch(ignore('DBClusterNotFoundFault', 'InvalidDBClusterStateFault'));
    await waitFor(options, deps, `cluster ${drillId} deleted`, async () => (await describeCluster(deps, drillId)) === undefined);
    deps.log(`deleted ${drillId}`);
    return 'deleted';
  } catch (error) {
    deps.log(`could not delete ${drillId}: ${(error as Error).message}; delete it by hand or re-run with --cleanup-only`);
    return 'failed';
  }
}

async function describeCluster(deps: DrillDeps, drillId: string): Promise<DBCluster | undefined> {
  try {
    const { DBClusters = [] } = await deps.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: drillId }));
    return DBClusters[0];
  } catch (error) {
    if ((error as Error).name === 'DBClusterNotFoundFault') return undefined;
    throw error;
  }
}

async function waitForCluster(options: DrillOptions, deps: DrillDeps, drillId: string, status: string): Promise<void> {
  await waitFor(options, deps, `cluster ${drillId} ${status}`, async () => (await describeCluster(deps, drillId))?.Status === status);
}

/** Polls `done` until it holds, at most `timeoutMinutes` per wait. */
async function waitFor(options: DrillOptions, deps: DrillDeps, what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = deps.now().getTime() + options.timeoutMinutes * 60_000;
  while (!(await done())) {
    if (deps.now().getTime() >= deadline) throw new DrillTimeoutError(what, options.timeoutMinutes);
    await deps.sleep(deps.pollIntervalMs);
  }
}

function ignore(...names: string[]) {
  return (error: unknown): undefined => {
    if (names.includes((error as Error).name)) return undefined;
    throw error;
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
