import { IP_SET_SYNC_DIMENSIONS, IP_SET_SYNC_METRICS } from './metric-names';
import type { SyncReport } from './sync';

/** One CloudWatch Embedded Metric Format document: CloudWatch Logs turns it into metrics. */
export type EmfDocument = Record<string, unknown>;

function emfDocument(namespace: string, timestamp: number, dimensions: Record<string, string>, values: Record<string, number>): EmfDocument {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: 'Count' })),
        },
      ],
    },
    ...dimensions,
    ...values,
  };
}

/**
 * The run-level document (dimension Stage) always carries IpSetSyncFailures, 0 on a clean
 * run, so an alarm on it sees data every run. One document per address family (Stage,
 * AddressFamily) follows when the sets were reached.
 */
export function toEmfDocuments(report: SyncReport, namespace: string, stage: string, timestamp: number): EmfDocument[] {
  const stageDimension = { [IP_SET_SYNC_DIMENSIONS.stage]: stage };
  const documents = [
    emfDocument(namespace, timestamp, stageDimension, {
      [IP_SET_SYNC_METRICS.failures]: report.failures.length,
      [IP_SET_SYNC_METRICS.rejectedEntries]: report.rejectedCount,
    }),
  ];
  for (const family of report.families) {
    documents.push(
      emfDocument(namespace, timestamp, { ...stageDimension, [IP_SET_SYNC_DIMENSIONS.addressFamily]: family.family }, {
        ...(family.entryCount !== undefined ? { [IP_SET_SYNC_METRICS.entries]: family.entryCount } : {}),
        [IP_SET_SYNC_METRICS.changes]: family.changes,
        [IP_SET_SYNC_METRICS.truncated]: family.truncatedCount,
        [IP_SET_SYNC_METRICS.shrinkRefused]: family.status === 'shrink-refused' ? 1 : 0,
      }),
    );
  }
  return documents;
}
