import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { AlarmFactory, type AlarmSpec, type CompositeAlarmSpec } from './alarms';
import { AlarmTopic } from './alarm-topic';
import { ObservabilityDashboard } from './dashboard';
import { OBSERVABILITY_DEFAULTS, type ObservabilityThresholds } from './defaults';
import {
  type BackupMetricSource,
  BusinessMetricFactory,
  type BusinessMetricSource,
  EcsServiceMetricFactory,
  LambdaMetricFactory,
  LoadBalancerMetricFactory,
  type RumMetricSource,
  ShieldMetricFactory,
  type WebAclMetricSource,
} from './metrics';
import type { DatabaseWithLimits, ObservedDatabase, ObservedIpSetSync, ObservedWebService } from './observed';
import { SloBurnRateAlarms } from './slo';

export * from './alarm-topic';
export * from './alarms';
export * from './dashboard';
export * from './defaults';
export * from './metrics';
export * from './observed';
export * from './runbook';
export * from './slo';

const { GREATER_THAN_OR_EQUAL_TO_THRESHOLD: AT_OR_ABOVE, GREATER_THAN_THRESHOLD: ABOVE, LESS_THAN_THRESHOLD: BELOW } = cloudwatch.ComparisonOperator;
const { BREACHING, NOT_BREACHING } = cloudwatch.TreatMissingData;

export interface ObservabilityProps {
  /** The web tier: ALB, target group and ECS service. */
  readonly webService: ObservedWebService;
  /**
   * The Aurora cluster.
   * @default - no database section or alarms
   */
  readonly database?: ObservedDatabase;
  /**
   * The WAF web ACL in front of the service.
   * @default - no WAF section or alarms
   */
  readonly webAcl?: WebAclMetricSource;
  /**
   * The IP-set sync (an EdgeProtection with a sync): its metrics, and its interval as the
   * alarm's window.
   * @default - no IP-set sync alarm
   */
  readonly ipSetSync?: ObservedIpSetSync;
  /**
   * ARN of the resource Shield Advanced protects (the ALB).
   * @default - no Shield widgets or alarm
   */
  readonly shieldProtectedResourceArn?: string;
  /**
   * The snapshot copier's metrics.
   * @default - no backup alarms
   */
  readonly backups?: BackupMetricSource;
  /**
   * Lambda functions to alarm on errors and throttles, by a short kebab-case name used in
   * alarm names (`lambda-<name>-errors`).
   * @default - none
   */
  readonly functions?: Record<string, lambda.IFunction>;
  /**
   * The app's business metrics (Embedded Metric Format).
   * @default - no business section or alarm
   */
  readonly businessMetrics?: BusinessMetricSource;
  /**
   * The app's CloudWatch RUM monitor.
   * @default - no real-user section
   */
  readonly rum?: RumMetricSource;
  /**
   * Availability objective (share of requests without a 5xx).
   * @default 0.999
   */
  readonly availabilityTarget?: number;
  /**
   * Latency objective: `target` share of requests answered within `thresholdMs`.
   * @default `{ thresholdMs: 50, target: 0.99 }`
   */
  readonly latencyObjective?: { readonly thresholdMs: number; readonly target: number };
  /**
   * Thresholds overriding {@link OBSERVABILITY_DEFAULTS} one by one.
   * @default - OBSERVABILITY_DEFAULTS
   */
  readonly thresholds?: Partial<ObservabilityThresholds>;
  /**
   * Topic every notifying alarm publishes to.
   * @default - a new encrypted AlarmTopic subscribed by `alarmEmails`
   */
  readonly alarmTopic?: AlarmTopic;
  /**
   * E-mail addresses subscribed to the new topic (ignored with `alarmTopic`).
   * @default - none
   */
  readonly alarmEmails?: string[];
  /**
   * Prefix of every alarm name (`<prefix>-<alarm>`).
   * @default - CloudFormation generates alarm names
   */
  readonly alarmNamePrefix?: string;
  /**
   * Base of the runbook links in alarm descriptions (`<runbookUrl>#<alarm>`): a runbook
   * with one heading per alarm name, such as this repository's docs/runbook.md.
   * @default - no runbook link in alarm descriptions
   */
  readonly runbookUrl?: string;
  /**
   * Name of the dashboard.
   * @default - CloudFormation generates the name
   */
  readonly dashboardName?: string;
}

/**
 * Operators' view of the service: an alarm topic (KMS-encrypted, e-mail), alarms on every
 * tier, each with its meaning and runbook link, multi-window multi-burn-rate SLO alarms
 * for availability and latency, and one dashboard read top-down (SLO status, traffic,
 * latency, ECS, Aurora, WAF, Shield, backups, business, real users).
 *
 * Metrics come from one factory per service, so the dashboard graphs exactly what the
 * alarms evaluate.
 */
export class Observability extends Construct {
  readonly alarmTopic: AlarmTopic;
  readonly alarmFactory: AlarmFactory;
  readonly thresholds: ObservabilityThresholds;
  readonly loadBalancerMetrics: LoadBalancerMetricFactory;
  readonly ecsMetrics: EcsServiceMetricFactory;
  readonly shieldMetrics?: ShieldMetricFactory;
  readonly businessMetrics?: BusinessMetricFactory;
  /** The paging alarms on the service's 5xx share and p99 latency. */
  readonly serviceAlarms: { readonly http5xx: cloudwatch.Alarm; readonly latencyP99: cloudwatch.Alarm };
  readonly availabilitySlo: SloBurnRateAlarms;
  readonly latencySlo: SloBurnRateAlarms;
  readonly dashboard: ObservabilityDashboard;
  readonly availabilityTarget: number;
  readonly latencyObjective: { readonly thresholdMs: number; readonly target: number };

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const database = validateProps(props);
    const t = (this.thresholds = { ...OBSERVABILITY_DEFAULTS, ...props.thresholds });
    this.availabilityTarget = props.availabilityTarget ?? OBSERVABILITY_DEFAULTS.availabilityTarget;
    this.latencyObjective = props.latencyObjective ?? { thresholdMs: OBSERVABILITY_DEFAULTS.latencyThresholdMs, target: OBSERVABILITY_DEFAULTS.latencyTarget };

    this.alarmTopic = props.alarmTopic ?? new AlarmTopic(this, 'AlarmTopic', { emailAddresses: props.alarmEmails });
    this.alarmFactory = new AlarmFactory({
      runbookUrl: props.runbookUrl,
      action: this.alarmTopic.alarmAction,
      namePrefix: props.alarmNamePrefix,
    });
    this.loadBalancerMetrics = new LoadBalancerMetricFactory(props.webService);
    this.ecsMetrics = new EcsServiceMetricFactory(props.webService.service);
    this.shieldMetrics = props.shieldProtectedResourceArn ? new ShieldMetricFactory(props.shieldProtectedResourceArn) : undefined;
    this.businessMetrics = props.businessMetrics ? new BusinessMetricFactory(props.businessMetrics) : undefined;

    this.serviceAlarms = this.createServiceAlarms(t);
    this.createEcsAlarms(props, t);
    ({ availability: this.availabilitySlo, latency: this.latencySlo } = this.createSloAlarms());
    if (database) this.createDatabaseAlarms(database, t);
    if (props.webAcl) this.createWafAlarms(props.webAcl, t);
    if (this.shieldMetrics) this.createShieldAlarm(this.shieldMetrics);
    if (props.backups) this.createBackupAlarms(props.backups, t);
    if (props.ipSetSync) this.createIpSetSyncAlarm(props.ipSetSync, t);
    for (const [name, fn] of Object.entries(props.functions ?? {})) this.createLambdaAlarms(name, fn, t);
    if (this.businessMetrics) this.createBusinessAlarm(this.businessMetrics, t);

    this.dashboard = new ObservabilityDashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      loadBalancerMetrics: this.loadBalancerMetrics,
      ecsMetrics: this.ecsMetrics,
      alarms: this.alarmFactory,
      thresholds: t,
      availabilityTarget: this.availabilityTarget,
      latencyObjective: this.latencyObjective,
      taskCount: { min: props.webService.minTasks, max: props.webService.maxTasks },
      database,
      webAcl: props.webAcl,
      shieldMetrics: this.shieldMetrics,
      backups: props.backups,
      ipSetSync: props.ipSetSync,
      functions: props.functions ?? {},
      businessMetrics: this.businessMetrics,
      rum: props.rum,
    });
  }

  /** Every metric and composite alarm by its name suffix (e.g. `database-cpu`). */
  get alarms(): Readonly<Record<string, cloudwatch.AlarmBase>> {
    return this.alarmFactory.byName;
  }

  /** Every alarm that notifies the topic, metric and composite. */
  get notifyingAlarms(): cloudwatch.IAlarm[] {
    return this.alarmFactory.notifyingAlarms;
  }

  private alarm(spec: AlarmSpec): cloudwatch.Alarm {
    return this.alarmFactory.createAlarm(this, spec);
  }

  private composite(spec: CompositeAlarmSpec): cloudwatch.CompositeAlarm {
    return this.alarmFactory.createCompositeAlarm(this, spec);
  }

  // --- the web tier ----------------------------------------------------------------------

  private createServiceAlarms(t: ObservabilityThresholds) {
    const lb = this.loadBalancerMetrics;
    const { thresholdMs } = this.latencyObjective;
    const latencyP99 = this.alarm({
      id: 'LatencyP99Alarm',
      name: 'service-latency-p99',
      meaning: `p99 target response time above ${thresholdMs} ms for ${t.latencyP99EvaluationMinutes} minutes in a row: the latency promise is broken now.`,
      metric: lb.responseTime('p99'),
      threshold: thresholdMs / 1000,
      comparisonOperator: ABOVE,
      evaluationPeriods: t.latencyP99EvaluationMinutes,
      // The ALB publishes no response time without requests: a quiet minute is not slow.
      treatMissingData: NOT_BREACHING,
    });
    const http5xx = this.alarm({
      id: 'Http5xxAlarm',
      name: 'service-target-5xx',
      meaning:
        `More than ${t.serverErrorPercent} % of requests answered with a 5xx (by the app or by the load balancer because no target could answer) ` +
        `for ${t.serverErrorEvaluationMinutes} minutes in a row (minutes under ${t.serverErrorMinRequestsPerMinute} requests do not count).`,
      metric: lb.serverErrorPercentage(t.serverErrorMinRequestsPerMinute),
      threshold: t.serverErrorPercent,
      comparisonOperator: ABOVE,
      evaluationPeriods: t.serverErrorEvaluationMinutes,
      // No requests, no errors; an outage that stops all traffic is caught by the
      // unhealthy-host and running-task alarms.
      treatMissingData: NOT_BREACHING,
    });
    this.alarm({
      id: 'UnhealthyHostsAlarm',
      name: 'service-unhealthy-hosts',
      meaning: `At least one target has failed the load balancer's health check (liveness) for ${t.unhealthyHostMinutes} minutes in a row: a task's process is not answering (stuck event loop, crashed server) and is not being replaced.`,
      metric: lb.unhealthyHosts(),
      threshold: 1,
      comparisonOperator: AT_OR_ABOVE,
      evaluationPeriods: t.unhealthyHostMinutes,
      // The target group publishes UnHealthyHostCount every minute while it exists.
      treatMissingData: NOT_BREACHING,
    });
    return { http5xx, latencyP99 };
  }

  private createEcsAlarms(props: ObservabilityProps, t: ObservabilityThresholds): void {
    const ecs = this.ecsMetrics;
    const { minTasks: min, maxTasks: max } = props.webService;
    this.alarm({
      id: 'TasksBelowMinimumAlarm',
      name: 'ecs-tasks-below-minimum',
      meaning: `Fewer than ${min} tasks running for ${t.tasksBelowMinimumMinutes} minutes: the service is below its floor (tasks crash, cannot start, or cannot be placed) and has lost its zone redundancy.`,
      metric: ecs.runningTasks('Minimum'),
      threshold: min,
      comparisonOperator: BELOW,
      evaluationPeriods: t.tasksBelowMinimumMinutes,
      // Container Insights reports the count every minute while the service exists;
      // silence means no task is reporting at all.
      treatMissingData: BREACHING,
    });
    this.alarm({
      id: 'TasksAtMaximumAlarm',
      name: 'ecs-tasks-at-maximum',
      meaning: `All ${max} tasks (the autoscaling maximum) running for ${t.tasksAtMaximumMinutes} minutes: autoscaling has no room left, and more load will show as latency and errors.`,
      metric: ecs.runningTasks('Minimum'),
      threshold: max,
      comparisonOperator: AT_OR_ABOVE,
      evaluationPeriods: t.tasksAtMaximumMinutes,
      treatMissingData: NOT_BREACHING,
    });
    this.alarm({
      id: 'EcsCpuAlarm',
      name: 'ecs-cpu-saturation',
      meaning: `Average CPU of the service above ${t.ecsCpuPercent} % for ${t.ecsSaturationMinutes} minutes: the fleet is saturated faster than autoscaling adds tasks.`,
      metric: ecs.cpuUtilization('Average'),
      threshold: t.ecsCpuPercent,
      comparisonOperator: ABOVE,
      evaluationPeriods: t.ecsSaturationMinutes,
      // No tasks, no utilisation: the running-task alarm owns that case.
      treatMissingData: NOT_BREACHING,
    });
    this.alarm({
      id: 'EcsMemoryAlarm',
      name: 'ecs-memory-saturation',
      meaning: `The busiest task's memory above ${t.ecsMemoryPercent} % for ${t.ecsSaturationMinutes} minutes: it is close to being killed for running out of memory (a leak, or a pool or cache too large for the task size).`,
      metric: ecs.memoryUtilization('Maximum'),
      threshold: t.ecsMemoryPercent,
      comparisonOperator: ABOVE,
      evaluationPeriods: t.ecsSaturationMinutes,
      treatMissingData: NOT_BREACHING,
    });
  }

  // --- SLOs ------------------------------------------------------------------------------

  private createSloAlarms(): { availability: SloBurnRateAlarms; latency: SloBurnRateAlarms } {
    const lb = this.loadBalancerMetrics;
    const { thresholdMs, target } = this.latencyObjective;
    const availability = new SloBurnRateAlarms(this, 'AvailabilitySlo', {
      name: 'slo-availability',
      badEvents: 'requests answered with a 5xx',
      target: this.availabilityTarget,
      badRatio: (window) => lb.availabilityBadRatio(window),
      alarmFactory: this.alarmFactory,
    });
    const latency = new SloBurnRateAlarms(this, 'LatencySlo', {
      name: 'slo-latency',
      badEvents: `requests slower than ${thresholdMs} ms`,
      target,
      badRatio: (window) => lb.latencyBadRatio(thresholdMs, window),
      alarmFactory: this.alarmFactory,
    });
    return { availability, latency };
  }

  // --- Aurora ----------------------------------------------------------------------------

  private createDatabaseAlarms(database: DatabaseWithLimits, t: ObservabilityThresholds): void {
    const db = database.metrics;
    // Aurora publishes these every minute while the cluster exists: silence is an outage
    // of the metrics pipeline, not of the database, so it neither pages nor clears.
    const missing = NOT_BREACHING;
    this.alarm({
      id: 'DatabaseCpuAlarm',
      name: 'database-cpu',
      meaning: `CPU of the busiest Aurora instance above ${t.databaseCpuPercent} % for ${t.databaseCpuMinutes} minutes: queries queue, and latency follows.`,
      metric: db.metricCPUUtilization(),
      threshold: t.databaseCpuPercent,
      comparisonOperator: ABOVE,
      evaluationPeriods: t.databaseCpuMinutes,
      treatMissingData: missing,
    });
    const freeableBytes = Math.round(database.memoryBytes * t.databaseFreeableMemoryFraction);
    this.alarm({
      id: 'DatabaseFreeableMemoryAlarm',
      name: 'database-freeable-memory',
      meaning: `Freeable memory of an Aurora instance below ${Math.round(freeableBytes / 2 ** 20)} MiB (${t.databaseFreeableMemoryFraction * 100} % of its memory) for ${t.databaseMinutes} minutes: the instance is close to swapping or to the OOM killer (too many connections, or work_mem too high).`,
      metric: db.metricFreeableMemory(),
      threshold: freeableBytes,
      comparisonOperator: BELOW,
      evaluationPeriods: t.databaseMinutes,
      treatMissingData: missing,
    });
    const connections = Math.floor(database.maxConnections * t.databaseConnectionsFraction);
    this.alarm({
      id: 'DatabaseConnectionsAlarm',
      name: 'database-connections',
      meaning: `More than ${connections} connections to an Aurora instance (${t.databaseConnectionsFraction * 100} % of max_connections ${database.maxConnections}) for ${t.databaseMinutes} minutes: new connections will soon be refused.`,
      metric: db.metricDatabaseConnections(),
      threshold: connections,
      comparisonOperator: ABOVE,
      evaluationPeriods: t.databaseMinutes,
      treatMissingData: missing,
    });
    this.alarm({
      id: 'DatabaseReplicaLagAlarm',
      name: 'database-replica-lag',
      meaning: `A reader more than ${t.databaseReplicaLagMs} ms behind the writer for ${t.databaseMinutes} minutes: reads from it are stale and a failover to it would take longer.`,
      metric: db.metricReplicaLag(),
      threshold: t.databaseReplicaLagMs,
      comparisonOperator: ABOVE,
      evaluationPeriods: t.databaseMinutes,
      // A cluster without readers publishes no lag: nothing to alarm on.
      treatMissingData: NOT_BREACHING,
    });
    if (db.isServerless) {
      this.alarm({
        id: 'DatabaseCapacityAlarm',
        name: 'database-capacity',
        meaning: `Aurora Serverless v2 using more than ${t.databaseAcuPercent} % of its maximum capacity for ${t.databaseCpuMinutes} minutes: it cannot scale further.`,
        metric: db.metricACUUtilization(),
        threshold: t.databaseAcuPercent,
        comparisonOperator: ABOVE,
        evaluationPeriods: t.databaseCpuMinutes,
        treatMissingData: missing,
      });
    }
  }

  // --- edge ------------------------------------------------------------------------------

  private createWafAlarms(webAcl: WebAclMetricSource, t: ObservabilityThresholds): void {
    const blocked = webAcl.metricBlockedRequests({ period: Duration.minutes(5) });
    // A spike must be both unusual for this time of day (anomaly band) and large in
    // absolute terms (floor): either alone pages for a scanner at night or for a
    // normal busy hour.
    const anomaly = this.alarmFactory.createAnomalyAlarm(this, {
      id: 'WafBlockedAnomalyAlarm',
      name: 'waf-blocked-anomaly',
      runbookAnchor: 'waf-blocked-spike',
      meaning: `Building block of waf-blocked-spike: blocked requests above their usual band (${t.wafBlockedAnomalyStdDevs} standard deviations). Does not notify on its own.`,
      metric: blocked,
      stdDevs: t.wafBlockedAnomalyStdDevs,
      evaluationPeriods: 1,
      // WAF publishes nothing when it blocked nothing.
      treatMissingData: NOT_BREACHING,
      notify: false,
    });
    const floor = this.alarm({
      id: 'WafBlockedFloorAlarm',
      name: 'waf-blocked-floor',
      runbookAnchor: 'waf-blocked-spike',
      meaning: `Building block of waf-blocked-spike: more than ${t.wafBlockedFloorPer5Minutes} requests blocked in 5 minutes. Does not notify on its own.`,
      metric: blocked,
      threshold: t.wafBlockedFloorPer5Minutes,
      comparisonOperator: ABOVE,
      evaluationPeriods: 1,
      treatMissingData: NOT_BREACHING,
      notify: false,
    });
    this.composite({
      id: 'WafBlockedSpikeAlarm',
      name: 'waf-blocked-spike',
      meaning: `The WAF blocks far more requests than usual (above the anomaly band and over ${t.wafBlockedFloorPer5Minutes} in 5 minutes): an attack, a misbehaving client, or a rule blocking legitimate traffic.`,
      rule: cloudwatch.AlarmRule.allOf(
        cloudwatch.AlarmRule.fromAlarm(anomaly, cloudwatch.AlarmState.ALARM),
        cloudwatch.AlarmRule.fromAlarm(floor, cloudwatch.AlarmState.ALARM),
      ),
    });
  }

  private createShieldAlarm(shield: ShieldMetricFactory): void {
    this.alarm({
      id: 'ShieldDdosDetectedAlarm',
      name: 'shield-ddos-detected',
      meaning: 'Shield Advanced detected a DDoS event against the load balancer.',
      metric: shield.ddosDetected(),
      threshold: 1,
      comparisonOperator: AT_OR_ABOVE,
      evaluationPeriods: 1,
      // Shield publishes DDoSDetected only around events; silence means no attack.
      treatMissingData: NOT_BREACHING,
    });
  }

  // --- backups and sync ------------------------------------------------------------------

  private createBackupAlarms(backups: BackupMetricSource, t: ObservabilityThresholds): void {
    this.alarm({
      id: 'SnapshotCopyAgeAlarm',
      name: 'backup-snapshot-copy-age',
      meaning: `The newest completed snapshot copy in the backup region is from a snapshot more than ${t.snapshotCopyMaxAgeHours} h old (or no copy exists): a regional loss now would lose more than a day of data.`,
      // Hourly: the copier reports the age on each hourly run.
      metric: backups.metricSnapshotCopyAgeSeconds({ period: Duration.hours(1) }),
      threshold: t.snapshotCopyMaxAgeHours * 3600,
      comparisonOperator: ABOVE,
      evaluationPeriods: 2,
      // Two hours without a report mean the copier stopped running, which is as bad as a
      // stale copy.
      treatMissingData: BREACHING,
    });
    const awsBackupCopyJobsFailed = backups.metricAwsBackupCopyJobsFailed?.({ period: Duration.hours(1) });
    if (awsBackupCopyJobsFailed) {
      this.alarm({
        id: 'AwsBackupCopyJobFailuresAlarm',
        name: 'backup-aws-backup-copy-failures',
        meaning: 'An AWS Backup copy job of the cluster to the backup region failed in the last hour: the vault in the backup region is missing a recovery point (quota of manual cluster snapshots reached, key or vault access refused).',
        metric: awsBackupCopyJobsFailed,
        threshold: 1,
        comparisonOperator: AT_OR_ABOVE,
        evaluationPeriods: 1,
        // AWS Backup publishes the count only when copy jobs ran.
        treatMissingData: NOT_BREACHING,
      });
    }
    this.alarm({
      id: 'BackupCopierFailuresAlarm',
      name: 'backup-copier-failures',
      meaning: 'The snapshot copier failed to start a copy or to prune an expired one in the last hour.',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(copyFailures, 0) + FILL(pruneFailures, 0)',
        usingMetrics: { copyFailures: backups.metricCopyFailures(), pruneFailures: backups.metricPruneFailures() },
        label: 'Copy and prune failures',
        period: Duration.hours(1),
      }),
      threshold: 1,
      comparisonOperator: AT_OR_ABOVE,
      evaluationPeriods: 1,
      // Most hours have no run; the copy-age alarm notices a copier that stopped.
      treatMissingData: NOT_BREACHING,
    });
  }

  private createIpSetSyncAlarm(sync: ObservedIpSetSync, t: ObservabilityThresholds): void {
    // validateProps has refused a source without an interval (an EdgeProtection without a sync).
    const window = Duration.minutes(sync.syncInterval!.toMinutes() * 2);
    this.alarm({
      id: 'IpSetSyncFailuresAlarm',
      name: 'ip-set-sync-failures',
      meaning: `The WAF IP-set sync failed (a source unreadable or an IP-set write refused) in ${t.ipSetSyncFailedWindows} consecutive windows of two sync intervals, or did not run: the block lists are going stale.`,
      metric: sync.metricSyncFailures({ period: window }),
      threshold: 1,
      comparisonOperator: AT_OR_ABOVE,
      evaluationPeriods: t.ipSetSyncFailedWindows,
      // Every run reports failures, 0 on a clean run; a window of two intervals without
      // a report means the sync stopped.
      treatMissingData: BREACHING,
    });
  }

  private createLambdaAlarms(name: string, fn: lambda.IFunction, t: ObservabilityThresholds): void {
    const metrics = new LambdaMetricFactory(fn);
    const id = name.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase());
    this.alarm({
      id: `${id}ErrorsAlarm`,
      name: `lambda-${name}-errors`,
      runbookAnchor: 'lambda-errors',
      meaning: `The ${name} function failed ${t.lambdaErrorsPerHour} or more times in the last hour (an unhandled error or a timeout).`,
      metric: metrics.errors(),
      threshold: t.lambdaErrorsPerHour,
      comparisonOperator: AT_OR_ABOVE,
      evaluationPeriods: 1,
      treatMissingData: NOT_BREACHING,
    });
    this.alarm({
      id: `${id}ThrottlesAlarm`,
      name: `lambda-${name}-throttles`,
      runbookAnchor: 'lambda-throttles',
      meaning: `The ${name} function was throttled ${t.lambdaThrottlesPerHour} or more times an hour, two hours running: its runs pile up behind its reserved concurrency.`,
      metric: metrics.throttles(),
      threshold: t.lambdaThrottlesPerHour,
      comparisonOperator: AT_OR_ABOVE,
      evaluationPeriods: 2,
      treatMissingData: NOT_BREACHING,
    });
  }

  // --- business --------------------------------------------------------------------------

  private createBusinessAlarm(business: BusinessMetricFactory, t: ObservabilityThresholds): void {
    const hour = Duration.hours(1);
    this.alarm({
      id: 'NoNotesCreatedAlarm',
      name: 'business-no-notes-created',
      meaning: `No note was created for ${t.noNotesHours} hours while the API served at least ${t.noNotesMinRequestsPerHour} requests an hour: the write path is broken behind healthy-looking reads.`,
      metric: new cloudwatch.MathExpression({
        expression: `IF(FILL(requests, 0) >= ${t.noNotesMinRequestsPerHour} AND FILL(notesCreated, 0) == 0, 1, 0)`,
        usingMetrics: { requests: this.loadBalancerMetrics.requestCount(hour), notesCreated: business.count('NotesCreated', hour) },
        label: 'Busy hour without notes created',
        period: hour,
      }),
      threshold: 1,
      comparisonOperator: AT_OR_ABOVE,
      evaluationPeriods: t.noNotesHours,
      // The expression yields a value whenever the ALB counted requests; no data means
      // no traffic, when no notes is expected.
      treatMissingData: NOT_BREACHING,
    });
  }
}

/** Validates the props, naming the one at fault; returns the database with its limits known. */
function validateProps(props: ObservabilityProps): DatabaseWithLimits | undefined {
  const problems: string[] = [];
  const { minTasks: min, maxTasks: max } = props.webService;
  if (!(Number.isInteger(min) && min >= 1)) problems.push(`webService.minTasks must be an integer of at least 1 (got ${min})`);
  if (!(Number.isInteger(max) && max >= min)) problems.push(`webService.maxTasks must be an integer of at least webService.minTasks (got ${max})`);
  if (props.ipSetSync && props.ipSetSync.syncInterval === undefined) {
    problems.push('ipSetSync has no syncInterval: an EdgeProtection without blocklistSource builds no sync, so leave ipSetSync out');
  }
  const target = props.availabilityTarget;
  if (target !== undefined && !(target > 0 && target < 1)) problems.push(`availabilityTarget must be between 0 and 1, exclusive (got ${target})`);
  const latency = props.latencyObjective;
  if (latency && !(latency.thresholdMs > 0)) problems.push(`latencyObjective.thresholdMs must be greater than 0 (got ${latency.thresholdMs})`);
  if (latency && !(latency.target > 0 && latency.target < 1)) problems.push(`latencyObjective.target must be between 0 and 1, exclusive (got ${latency.target})`);
  for (const limit of ['maxConnections', 'memoryBytes'] as const) {
    const value = props.database?.[limit];
    if (props.database && !(value !== undefined && value > 0)) {
      problems.push(`database.${limit} must be greater than 0 (got ${value}; unknown for this instance class: pass { metrics, maxConnections, memoryBytes } yourself)`);
    }
  }
  for (const name of Object.keys(props.functions ?? {})) {
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) problems.push(`functions.${name}: names must be kebab-case (they become alarm names)`);
  }
  if (problems.length > 0) throw new Error(`Invalid Observability props:\n  - ${problems.join('\n  - ')}`);
  return props.database && hasLimits(props.database) ? props.database : undefined;
}

function hasLimits(database: ObservedDatabase): database is DatabaseWithLimits {
  return database.maxConnections !== undefined && database.memoryBytes !== undefined;
}
