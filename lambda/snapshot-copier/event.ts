/** The EventBridge detail type RDS uses for DB cluster snapshot events. */
export const CLUSTER_SNAPSHOT_EVENT_DETAIL_TYPE = 'RDS DB Cluster Snapshot Event';
/** "Automated cluster snapshot created". */
export const AUTOMATED_CLUSTER_SNAPSHOT_CREATED_EVENT_ID = 'RDS-EVENT-0169';
export const SCHEDULED_EVENT_DETAIL_TYPE = 'Scheduled Event';

export type Trigger =
  | { readonly kind: 'snapshot-created'; readonly sourceSnapshotIdentifier: string }
  | { readonly kind: 'schedule' }
  | { readonly kind: 'ignored'; readonly reason: string };

export class UnsupportedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedEventError';
  }
}

interface IncomingEvent {
  readonly source?: unknown;
  readonly 'detail-type'?: unknown;
  readonly detail?: { readonly EventID?: unknown; readonly SourceIdentifier?: unknown } | null;
}

/**
 * Decides whether an event should start a reconciliation. Events the rule should not have
 * delivered (another cluster, another event id) are ignored rather than failed, so they do
 * not trip the error alarm; a shape that is neither event is a wiring mistake and throws.
 */
export function parseTrigger(event: unknown, clusterIdentifier: string): Trigger {
  const incoming = (event ?? {}) as IncomingEvent;
  const detailType = incoming['detail-type'];

  if (detailType === SCHEDULED_EVENT_DETAIL_TYPE) return { kind: 'schedule' };

  if (incoming.source === 'aws.rds' && detailType === CLUSTER_SNAPSHOT_EVENT_DETAIL_TYPE) {
    const eventId = incoming.detail?.EventID;
    const sourceIdentifier = String(incoming.detail?.SourceIdentifier ?? '');
    if (eventId !== AUTOMATED_CLUSTER_SNAPSHOT_CREATED_EVENT_ID) {
      return { kind: 'ignored', reason: `event ${String(eventId)} is not ${AUTOMATED_CLUSTER_SNAPSHOT_CREATED_EVENT_ID}` };
    }
    // SourceIdentifier is the snapshot id ("rds:<cluster>-<timestamp>"); accept its ARN form too.
    const snapshotId = sourceIdentifier.replace(/^arn:[^:]+:rds:[^:]*:\d*:cluster-snapshot:/, '');
    if (!snapshotId.toLowerCase().startsWith(`rds:${clusterIdentifier.toLowerCase()}-`)) {
      return { kind: 'ignored', reason: `snapshot ${sourceIdentifier} is not of cluster ${clusterIdentifier}` };
    }
    return { kind: 'snapshot-created', sourceSnapshotIdentifier: snapshotId };
  }

  throw new UnsupportedEventError(
    `expected an "${CLUSTER_SNAPSHOT_EVENT_DETAIL_TYPE}" from aws.rds or a "${SCHEDULED_EVENT_DETAIL_TYPE}", got source=${String(incoming.source)} detail-type=${String(detailType)}`,
  );
}
