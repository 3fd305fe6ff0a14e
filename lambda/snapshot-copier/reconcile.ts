import type { RDSClient } from '@aws-sdk/client-rds';
import type { CopierConfig } from './config';
import { startMissingCopies, type CopyReport } from './copy';
import { embeddedMetricDocument } from './metrics';
import { classifyBackupSnapshots, newestCompletedCopy, pruneExpiredCopies, type PruneReport } from './prune';
import type { RetryOptions } from './retry';
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
  readonly retry: RetryOptions;
  readonly now: Date;
  /** Receives the one-line EMF document. */
  readonly writeMetrics: (line: string) => void;
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
  const { config, clients, retry, now } = deps;

  const sources = await listAutomatedSnapshots(clients.source, config.sourceClusterIdentifier, retry);
  const backupSnapshots = await listManualSnapshots(clients.backup, retry);

  const copies = await startMissingCopies({ config, backup: clients.backup, retry, now, sources, backupSnapshots });

  const classified = await classifyBackupSnapshots(backupSnapshots, config, clients.backup, retry);
  const prune = await pruneExpiredCopies({ config, backup: clients.backup, retry, now, snapshots: classified });

  const newest = newestCompletedCopy(classified);
  const newestCompletedCopyAgeSeconds = newest?.sourceCreated
    ? Math.max(0, Math.floor((now.getTime() - newest.sourceCreated.getTime()) / 1000))
    : undefined;

  const document = embeddedMetricDocument(
    {
      newestCompletedCopyAgeSeconds,
      copiesStarted: copies.started.length,
      copyFailures: copies.failures.length,
      copiesPruned: prune.pruned.length,
      pruneFailures: prune.failures.length,
      refusedForeign: prune.refusedForeign.length,
    },
    { namespace: config.metricNamespace, stage: config.stage, clusterIdentifier: config.sourceClusterIdentifier, timestamp: now },
  );
  deps.writeMetrics(JSON.stringify(document));

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
