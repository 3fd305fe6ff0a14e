import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { CopierConfig } from './config';
import { startMissingCopies, type CopyReport } from './copy';
import { publishRunMetrics } from './metrics';
import { classifyBackupSnapshots, newestCompletedCopy, pruneExpiredCopies, type PruneReport } from './prune';
import { listAutomatedSnapshots, listManualSnapshots } from './snapshots';

export interface CopierClients {
  /** RDS in the source region, where the cluster and its automated snapshots live. */
  readonly source: RDSClient;
  /** RDS in the backup region, where copies are made, listed and pruned. */
  readonly backup: RDSClient;
}

export interface ReconcileDeps {
  readonly config: CopierConfig;
  readonly clients: CopierClients;
  readonly now: Date;
  /** Receives the run's metrics and publishes them at the end of the pass. */
  readonly metrics: Metrics;
}

export interface ReconcileSummary {
  readonly sourceClusterIdentifier: string;
  readonly sourceRegion: string;
  readonly backupRegion: string;
  readonly copies: CopyReport;
  readonly prune: PruneReport;
  readonly newestCompletedCopy: string | undefined;
  /** Seconds since the newest completed copy's source snapshot was taken; undefined when there is none. */
  readonly newestCompletedCopyAgeSeconds: number | undefined;
  /** A copy or a deletion failed; the handler turns this into an invocation error. */
  readonly failed: boolean;
}

/**
 * One pass of "make the backup region match the source": copy what is missing, prune
 * what expired, publish metrics. Every step is idempotent, so the snapshot event and the
 * daily schedule run the same pass, and overlapping or repeated runs are harmless.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileSummary> {
  const { config, clients, now } = deps;

  const sources = await listAutomatedSnapshots(clients.source, config.sourceClusterIdentifier);
  const backupSnapshots = await listManualSnapshots(clients.backup);

  const copies = await startMissingCopies({ config, backup: clients.backup, now, sources, backupSnapshots });

  const classified = await classifyBackupSnapshots(backupSnapshots, config, clients.backup);
  const prune = await pruneExpiredCopies({ config, backup: clients.backup, now, snapshots: classified });

  const newest = newestCompletedCopy(classified);
  const newestCompletedCopyAgeSeconds = newest?.sourceCreated
    ? Math.max(0, Math.floor((now.getTime() - newest.sourceCreated.getTime()) / 1000))
    : undefined;

  publishRunMetrics(
    deps.metrics,
    {
      newestCompletedCopyAgeSeconds,
      copiesStarted: copies.started.length,
      copyFailures: copies.failures.length,
      copiesPruned: prune.pruned.length,
      pruneFailures: prune.failures.length,
      refusedForeign: prune.refusedForeign.length,
    },
    { stage: config.stage, clusterIdentifier: config.sourceClusterIdentifier, timestamp: now },
  );

  return {
    sourceClusterIdentifier: config.sourceClusterIdentifier,
    sourceRegion: config.sourceRegion,
    backupRegion: config.backupRegion,
    copies,
    prune,
    newestCompletedCopy: newest?.identifier,
    newestCompletedCopyAgeSeconds,
    failed: copies.failures.length > 0 || prune.failures.length > 0,
  };
}
