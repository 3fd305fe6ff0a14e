/**
 * Names shared by the ip-set-sync Lambda (which emits them as CloudWatch Embedded Metric
 * Format on stdout) and the CDK alarms and dashboards that read them. No runtime
 * dependencies, so CDK code can import this file directly.
 */

export const DEFAULT_METRIC_NAMESPACE = 'Bulwark/Operations';

export const IP_SET_SYNC_METRICS = {
  /** Addresses in the IP set after the run (dimensions Stage, AddressFamily). */
  entries: 'IpSetEntries',
  /** Addresses added plus removed by the run; 0 when nothing changed (Stage, AddressFamily). */
  changes: 'IpSetChanges',
  /** Failed sources plus failed IP-set writes; 0 on a clean run (Stage). */
  failures: 'IpSetSyncFailures',
  /** Collapsed CIDRs left out because the set was at its cap (Stage, AddressFamily). */
  truncated: 'IpSetTruncated',
  /** 1 when an update was refused because it would shrink the set too far (Stage, AddressFamily). */
  shrinkRefused: 'IpSetShrinkRefused',
  /** Source entries that were not valid CIDRs, across all sources (Stage). */
  rejectedEntries: 'IpSetRejectedEntries',
} as const;

export type IpSetSyncMetricName = (typeof IP_SET_SYNC_METRICS)[keyof typeof IP_SET_SYNC_METRICS];

export const IP_SET_SYNC_DIMENSIONS = {
  stage: 'Stage',
  addressFamily: 'AddressFamily',
} as const;

/** Values of the AddressFamily dimension. */
export const ADDRESS_FAMILY_DIMENSION_VALUES = ['IPv4', 'IPv6'] as const;

/** Metrics emitted once per run, with the dimension set [Stage]. */
export const RUN_METRICS: readonly IpSetSyncMetricName[] = [IP_SET_SYNC_METRICS.failures, IP_SET_SYNC_METRICS.rejectedEntries];

/** Metrics emitted once per address family, with the dimension set [Stage, AddressFamily]. */
export const ADDRESS_FAMILY_METRICS: readonly IpSetSyncMetricName[] = [
  IP_SET_SYNC_METRICS.entries,
  IP_SET_SYNC_METRICS.changes,
  IP_SET_SYNC_METRICS.truncated,
  IP_SET_SYNC_METRICS.shrinkRefused,
];
