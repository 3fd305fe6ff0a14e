import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { CopierConfig } from './config';
import { parseTrigger } from './event';
import { reconcile, type CopierClients, type ReconcileSummary } from './reconcile';

export interface HandlerDeps {
  readonly config: CopierConfig;
  readonly clients: CopierClients;
  readonly now: () => Date;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export type HandlerResult = ReconcileSummary | { readonly ignored: string };

/**
 * Thrown after a run in which any copy or deletion failed. The run still did everything it
 * could (one bad snapshot never stops the others) and still published its metrics; failing
 * the invocation afterwards makes the Lambda Errors metric, EventBridge's retries and any
 * on-failure destination see it.
 */
export class SnapshotCopyRunFailedError extends Error {
  constructor(readonly summary: ReconcileSummary) {
    const failures = [...summary.copies.failures, ...summary.prune.failures];
    super(
      `${summary.copies.failures.length} copy and ${summary.prune.failures.length} prune failure(s): ` +
        failures.map((failure) => `${failure.snapshotIdentifier} (${failure.error})`).join('; '),
    );
    this.name = 'SnapshotCopyRunFailedError';
  }
}

export function createHandler(deps: HandlerDeps): (event: unknown) => Promise<HandlerResult> {
  return async (event) => {
    const trigger = parseTrigger(event, deps.config.sourceClusterIdentifier);
    if (trigger.kind === 'ignored') {
      deps.logger.info('event ignored', { reason: trigger.reason });
      return { ignored: trigger.reason };
    }
    const summary = await reconcile({ config: deps.config, clients: deps.clients, now: deps.now(), metrics: deps.metrics });
    deps.logger.info('reconciliation finished', { trigger, summary });
    if (summary.failed) throw new SnapshotCopyRunFailedError(summary);
    return summary;
  };
}
