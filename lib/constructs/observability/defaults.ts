/**
 * Every default threshold of {@link Observability} in one place, with the reason for its
 * value. Props override them one by one (`thresholds`).
 */
export const OBSERVABILITY_DEFAULTS = {
  /** The availability objective: 99.9 % of requests answered without a 5xx. */
  availabilityTarget: 0.999,
  /** The latency objective: requests answered within 50 ms ... */
  latencyThresholdMs: 50,
  /** ... for 99 % of requests (the p99 promise, as an SLO with a 1 % budget). */
  latencyTarget: 0.99,
  /**
   * p99 alarm (also a deployment rollback alarm): three minutes in a row above the
   * objective. One slow minute is a GC pause or a cold cache; three is a regression.
   */
  latencyP99EvaluationMinutes: 3,
  /**
   * 5xx alarm (also a deployment rollback alarm): 1 % of requests, ten times the whole
   * availability budget, for three minutes in a row.
   */
  serverErrorPercent: 1,
  serverErrorEvaluationMinutes: 3,
  /** Minutes below this many requests never count as a 5xx-rate breach (one failed call in ten is not an outage). */
  serverErrorMinRequestsPerMinute: 50,
  /** Unhealthy targets for this many minutes in a row; a task that fails readiness during a deploy recovers or is replaced within ~2 min. */
  unhealthyHostMinutes: 5,
  /** Running tasks below the minimum for this many minutes: longer than a task replacement takes. */
  tasksBelowMinimumMinutes: 5,
  /** Running tasks at the maximum for this long: autoscaling has nowhere left to go. */
  tasksAtMaximumMinutes: 15,
  /** Fleet-average CPU: target tracking holds ~60 %; a fleet this hot is not keeping up. */
  ecsCpuPercent: 85,
  /** Busiest task's memory: above this a task is near its OOM kill. */
  ecsMemoryPercent: 90,
  ecsSaturationMinutes: 5,
  /** Aurora CPU (busiest instance) for ten minutes. */
  databaseCpuPercent: 80,
  databaseCpuMinutes: 10,
  /** Serverless v2 capacity used, percent of the maximum ACUs, for ten minutes. */
  databaseAcuPercent: 90,
  /** Freeable memory below this fraction of the instance memory (Serverless v2: of the maximum capacity). */
  databaseFreeableMemoryFraction: 0.1,
  /** Connections above this fraction of max_connections. */
  databaseConnectionsFraction: 0.8,
  /** Reader lag in milliseconds: a failover to a reader this far behind loses that much of recent writes' visibility. */
  databaseReplicaLagMs: 1000,
  databaseMinutes: 5,
  /** Blocked requests per 5 minutes that are a spike in absolute terms; below it an anomaly is noise. */
  wafBlockedFloorPer5Minutes: 500,
  /** Width of the anomaly band (standard deviations) for the blocked-requests spike. */
  wafBlockedAnomalyStdDevs: 3,
  /**
   * Automated snapshots come daily and the copier reports the copy age every hour: just
   * before a new copy completes the newest one is 24 h plus the copy's duration old, and a
   * full cross-region copy of a large cluster can take hours. Over 32 h (8 h for the copy)
   * for two hours running means a day's snapshot was not copied.
   */
  snapshotCopyMaxAgeHours: 32,
  /** IP-set sync: failing in this many consecutive windows of two sync intervals. */
  ipSetSyncFailedWindows: 2,
  /** Lambda errors per hour: every error of these low-volume reconciling functions is a failed run. */
  lambdaErrorsPerHour: 1,
  /**
   * Lambda throttles per hour, two hours running: reserved concurrency 1 makes an
   * overlapping run throttle now and then by design (async invocations are retried), a
   * steady stream means runs pile up.
   */
  lambdaThrottlesPerHour: 5,
  /**
   * App: requests refused with 503 because every pooled database connection stayed busy
   * for the pool's acquisition timeout, per 5 minutes, two periods running. A few during a
   * burst are the pool doing its job; a steady stream means tasks too few or too slow for
   * the load, or connections held (slow queries, exports).
   */
  databasePoolExhaustedPer5Minutes: 10,
  databasePoolExhaustedPeriods: 2,
  /** Business: no note created for three hours in a row ... */
  noNotesHours: 3,
  /** ... while the API served at least this many requests an hour (a broken write path behind healthy reads). */
  noNotesMinRequestsPerHour: 1000,
} as const;

export type ObservabilityThresholds = { -readonly [K in keyof typeof OBSERVABILITY_DEFAULTS]: number };
