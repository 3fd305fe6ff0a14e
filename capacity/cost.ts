/**
 * The stage's monthly cost, item by item, at idle (no traffic, the minimum of everything)
 * and at the target rate (the tasks the capacity model asks for, the database at its
 * configured size). Prices come from prices.ts; traffic-shaped quantities rest on the
 * usage assumptions below, each stated where it is used.
 */
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { buildEdgeRules, edgeRuleSettings } from '../lib/constructs/edge-protection-rules';
import { SERVICE_INTERFACE_ENDPOINTS } from '../lib/constructs/network';
import { WEB_SERVICE_DEFAULTS } from '../lib/constructs/web-service/defaults';
import { edgeRuleOptions, type StageConfig } from '../lib/config';
import { HOURS_PER_MONTH, PRICES, SECONDS_PER_MONTH, type PriceId } from './prices';

/** What traffic looks like, beyond what the config says. Every figure is an assumption; change them here. */
export const USAGE = {
  /** Request + response bytes through the ALB per request (a note is ~300 bytes of JSON, a page of 20 ~6 KB). */
  bytesPerRequest: 2_000,
  /** Requests a client sends per new TLS connection (keep-alive). */
  requestsPerConnection: 50,
  /** Share of requests that write (REQUEST_MIX.write). */
  writeShare: 0.2,
  /** Aurora storage I/Os per write (log records; reads are served from the buffer cache). */
  ioPerWrite: 2,
  /** Database size in GB (notes of ~1 KB with indexes). */
  databaseGb: 50,
  /** Bytes of one request log line (JSON). */
  bytesPerLogLine: 400,
  /** Bytes of one trace sent to X-Ray through NAT (two segments). */
  bytesPerTrace: 2_000,
  /** VPC flow log volume ingested per month, GB. */
  flowLogGbPerMonth: 20,
  /** Custom metrics published (business EMF metrics, the copier's and the sync's). */
  customMetrics: 15,
  /** Alarms of the Monitoring stack and the deployment alarms. */
  alarms: 30,
  dashboards: 1,
  /** RUM events a month (the API's own page is rarely visited). */
  rumEventsPerMonth: 200_000,
  /**
   * Container Insights metrics (billed as custom metrics; a metric with a task or container
   * id dimension is prorated by the hours that task runs, so a fleet that is replaced keeps
   * about its running count): cluster-, service- and task-family-level metrics, each task's
   * own (CPU, memory, network, storage: reserved, utilized, utilization), and each
   * container's, with two containers per task (the app and the tracing sidecar).
   */
  containerInsights: { clusterAndServiceMetrics: 40, metricsPerTask: 13, metricsPerContainer: 10, containersPerTask: 2, bytesPerPerformanceEvent: 1_000 },
} as const;

export interface CostItem {
  readonly item: string;
  readonly idleUsd: number;
  readonly targetUsd: number;
  /** How the figure is made, with its price ids. */
  readonly basis: string;
  readonly prices: readonly PriceId[];
}

export interface CostInputs {
  readonly config: StageConfig;
  /** Requests per second at the target. */
  readonly targetRate: number;
  /** Tasks running at the target rate. */
  readonly targetTasks: number;
}

const p = (id: PriceId) => PRICES[id].usd;
const perMonth = (perSecond: number) => perSecond * SECONDS_PER_MONTH;
const round2 = (usd: number) => Math.round(usd * 100) / 100;

/** Rules of the stage's web ACL (each priced per month), as EdgeProtection builds them. */
export function webAclRuleCount(config: StageConfig): number {
  const placeholder = { allowIpv4: 'a', allowIpv6: 'b', blockIpv4: 'c', blockIpv6: 'd' };
  return buildEdgeRules(edgeRuleSettings(edgeRuleOptions(config)), placeholder).length;
}

/** ALB capacity units per hour at `rate`: the largest of the four dimensions (rule evaluations stay within the free 10). */
export function albLcus(rate: number): number {
  const newConnections = rate / USAGE.requestsPerConnection / 25;
  const activeConnections = (rate / USAGE.requestsPerConnection) * 60 / 3000;
  const processedGbPerHour = (rate * USAGE.bytesPerRequest * 3600) / 1e9;
  return Math.max(newConnections, activeConnections, processedGbPerHour);
}

function auroraInstances(config: StageConfig, at: 'idle' | 'target'): { usd: number; basis: string; prices: PriceId[] } {
  const { database } = config;
  const instances = 1 + database.readers;
  if (database.serverless) {
    const acu = at === 'idle' ? database.serverless.minCapacity : database.serverless.maxCapacity;
    return { usd: instances * acu * HOURS_PER_MONTH * p('auroraAcuHour'), basis: `${instances} instances × ${acu} ACU × ${HOURS_PER_MONTH} h`, prices: ['auroraAcuHour'] };
  }
  const instanceClass = database.instanceClass!.replace(/^db\./, '');
  if (instanceClass !== 'r7g.xlarge') throw new Error(`no price for database.instanceClass ${instanceClass} in capacity/prices.ts: add its hourly rate there`);
  return { usd: instances * HOURS_PER_MONTH * p('auroraR7gXlargeHour'), basis: `${instances} × db.${instanceClass} × ${HOURS_PER_MONTH} h`, prices: ['auroraR7gXlargeHour'] };
}

/**
 * The WAF's intelligent threat mitigation rule groups the stage runs. Their fees are their
 * own: Shield Advanced covers only the standard web ACL, rule and request fees.
 */
function wafThreatMitigation(config: StageConfig, targetRate: number): CostItem[] {
  const settings = edgeRuleSettings(edgeRuleOptions(config));
  const groups = [
    { item: 'WAF anti-DDoS rule group', on: settings.antiDdos, month: 'wafAntiDdosMonth', requests: 'wafAntiDdosRequestsMillion', freeRequests: 0 },
    { item: 'WAF Bot Control (common)', on: settings.botControl, month: 'wafBotControlMonth', requests: 'wafBotControlRequestsMillion', freeRequests: 10e6 },
  ] as const;
  return groups.map(({ item, on, month, requests, freeRequests }) => {
    const usd = (rate: number) => (on ? p(month) + (Math.max(0, perMonth(rate) - freeRequests) / 1e6) * p(requests) : 0);
    const basis = on ? `subscription + every request inspected${freeRequests ? ` beyond ${freeRequests / 1e6} million a month` : ''}; not covered by Shield Advanced` : 'off';
    return { item, idleUsd: round2(usd(0)), targetUsd: round2(usd(targetRate)), basis, prices: [month, requests] };
  });
}

/**
 * Container Insights of the service's cluster, in the mode WebService gives it (the Service
 * stack keeps the default): enhanced adds task- and container-level metrics, so the bill
 * follows the task count; performance log events are ingested into CloudWatch Logs.
 */
export function containerInsightsItem(mode: ecs.ContainerInsights, idleTasks: number, targetTasks: number): CostItem {
  const [idle, target] = [containerInsights(mode, idleTasks), containerInsights(mode, targetTasks)];
  return { item: 'Container Insights', idleUsd: round2(idle.usd), targetUsd: round2(target.usd), basis: `${idle.basis} idle / ${target.basis} at target`, prices: ['customMetricMonth', 'logsIngestGb'] };
}

function containerInsights(mode: ecs.ContainerInsights, tasks: number): { usd: number; basis: string } {
  const c = USAGE.containerInsights;
  if (mode === ecs.ContainerInsights.DISABLED) return { usd: 0, basis: 'off' };
  const enhanced = mode === ecs.ContainerInsights.ENHANCED;
  const metrics = c.clusterAndServiceMetrics + (enhanced ? tasks * (c.metricsPerTask + c.containersPerTask * c.metricsPerContainer) : 0);
  // Enhanced: an event per task and per container a minute; standard: the cluster's and the service's.
  const eventsPerMinute = enhanced ? tasks * (1 + c.containersPerTask) : 2;
  const logGb = (eventsPerMinute * c.bytesPerPerformanceEvent * (SECONDS_PER_MONTH / 60)) / 1e9;
  const usd = metrics * p('customMetricMonth') + logGb * p('logsIngestGb');
  return { usd, basis: `${mode}: ${metrics} metrics${enhanced ? ` (${c.clusterAndServiceMetrics} + ${tasks} tasks × (${c.metricsPerTask} + ${c.containersPerTask} containers × ${c.metricsPerContainer}))` : ''} + ${logGb.toFixed(1)} GB performance events` };
}

export function monthlyCost({ config, targetRate, targetTasks }: CostInputs): CostItem[] {
  const { service, network, backup, observability } = config;
  const vcpu = service.cpu / 1024;
  const memoryGb = service.memoryMiB / 1024;
  const taskMonth = (vcpu * p('fargateArmVcpuHour') + memoryGb * p('fargateArmGbHour')) * HOURS_PER_MONTH;
  const both = (usd: (rate: number) => number) => ({ idleUsd: round2(usd(0)), targetUsd: round2(usd(targetRate)) });
  const idleDb = auroraInstances(config, 'idle');
  const targetDb = auroraInstances(config, 'target');
  const rules = webAclRuleCount(config);
  const copies = backup.snapshotCopyRetentionDays + (backup.awsBackupEnabled ? backup.awsBackupCopyRetentionDays : 0);
  const copiesPerMonth = 30 * (backup.awsBackupEnabled ? 2 : 1);
  const endpoints = network.interfaceEndpoints ? Object.keys(SERVICE_INTERFACE_ENDPOINTS).length * config.availabilityZones.length : 0;
  const fixed = (usd: number) => ({ idleUsd: round2(usd), targetUsd: round2(usd) });
  const wafCovered = config.shield.advanced;
  const items: CostItem[] = [
    { item: 'ALB hours', ...fixed(HOURS_PER_MONTH * p('albHour')), basis: `1 load balancer × ${HOURS_PER_MONTH} h`, prices: ['albHour'] },
    { item: 'ALB LCUs', ...both((r) => albLcus(r) * HOURS_PER_MONTH * p('albLcuHour')), basis: `${albLcus(targetRate).toFixed(1)} LCU at the target (processed bytes: ${USAGE.bytesPerRequest} B per request) × ${HOURS_PER_MONTH} h`, prices: ['albLcuHour'] },
    { item: 'Fargate tasks (vCPU + GB, ARM)', idleUsd: round2(service.minTasks * taskMonth), targetUsd: round2(targetTasks * taskMonth), basis: `${service.minTasks} idle / ${targetTasks} at target × (${vcpu} vCPU + ${memoryGb} GB) × ${HOURS_PER_MONTH} h`, prices: ['fargateArmVcpuHour', 'fargateArmGbHour'] },
    { item: 'Aurora instances', idleUsd: round2(idleDb.usd), targetUsd: round2(targetDb.usd), basis: idleDb.basis === targetDb.basis ? idleDb.basis : `${idleDb.basis} idle / ${targetDb.basis} at target`, prices: targetDb.prices },
    { item: 'Aurora storage', ...fixed(USAGE.databaseGb * p('auroraStorageGbMonth')), basis: `${USAGE.databaseGb} GB`, prices: ['auroraStorageGbMonth'] },
    { item: 'Aurora I/O', ...both((r) => (perMonth(r * USAGE.writeShare * USAGE.ioPerWrite) / 1e6) * p('auroraIoMillion')), basis: `${USAGE.writeShare * 100} % writes × ${USAGE.ioPerWrite} I/O each; reads from cache`, prices: ['auroraIoMillion'] },
    { item: 'Backups: cross-region copies stored', ...fixed(copies * USAGE.databaseGb * p('backupStorageGbMonth')), basis: `${copies} copies kept (copier ${backup.snapshotCopyRetentionDays} d${backup.awsBackupEnabled ? ` + AWS Backup ${backup.awsBackupCopyRetentionDays} d` : ''}) × ${USAGE.databaseGb} GB, full copies assumed`, prices: ['backupStorageGbMonth'] },
    { item: 'Backups: cross-region copy transfer', ...fixed(copiesPerMonth * USAGE.databaseGb * p('interRegionTransferGb')), basis: `${copiesPerMonth} copies a month × ${USAGE.databaseGb} GB`, prices: ['interRegionTransferGb'] },
    { item: 'NAT gateways', ...both((r) => network.natGateways * HOURS_PER_MONTH * p('natHour') + (perMonth(r * observability.traceSampleRate * USAGE.bytesPerTrace) / 1e9) * p('natGb')), basis: `${network.natGateways} × ${HOURS_PER_MONTH} h + traces to X-Ray through NAT (${USAGE.bytesPerTrace} B each)`, prices: ['natHour', 'natGb'] },
    { item: 'VPC interface endpoints', ...fixed(endpoints * HOURS_PER_MONTH * p('interfaceEndpointHour')), basis: `${endpoints} endpoint-AZs × ${HOURS_PER_MONTH} h`, prices: ['interfaceEndpointHour'] },
    // Shield Advanced covers the standard WAF fees (web ACL, rules, requests) of the resources it protects.
    { item: 'WAF web ACL and rules', ...fixed(wafCovered ? 0 : p('wafWebAclMonth') + rules * p('wafRuleMonth')), basis: `1 web ACL + ${rules} rules${wafCovered ? ', covered by Shield Advanced' : ''}`, prices: ['wafWebAclMonth', 'wafRuleMonth'] },
    { item: 'WAF requests', ...both((r) => (wafCovered ? 0 : (perMonth(r) / 1e6) * p('wafRequestsMillion'))), basis: `every request inspected${wafCovered ? ', covered by Shield Advanced' : ''}`, prices: ['wafRequestsMillion'] },
    ...wafThreatMitigation(config, targetRate),
    { item: 'Shield Advanced', ...fixed(config.shield.advanced ? p('shieldAdvancedMonth') : 0), basis: config.shield.advanced ? 'subscription (per organization: shared by every stage in it)' : 'off', prices: ['shieldAdvancedMonth'] },
    { item: 'CloudWatch Logs ingestion', ...both((r) => ((perMonth(r * service.requestLogSampleRate * USAGE.bytesPerLogLine) / 1e9) + USAGE.flowLogGbPerMonth) * p('logsIngestGb')), basis: `request logs sampled at ${service.requestLogSampleRate} × ${USAGE.bytesPerLogLine} B + ${USAGE.flowLogGbPerMonth} GB flow logs`, prices: ['logsIngestGb'] },
    { item: 'CloudWatch metrics, alarms, dashboards', ...fixed(USAGE.customMetrics * p('customMetricMonth') + USAGE.alarms * p('alarmMonth') + USAGE.dashboards * p('dashboardMonth')), basis: `${USAGE.customMetrics} custom metrics + ${USAGE.alarms} alarms + ${USAGE.dashboards} dashboard`, prices: ['customMetricMonth', 'alarmMonth', 'dashboardMonth'] },
    containerInsightsItem(WEB_SERVICE_DEFAULTS.containerInsights, service.minTasks, targetTasks),
    { item: 'X-Ray traces', ...both((r) => (perMonth(r * observability.traceSampleRate) / 1e6) * p('xrayTracesMillion')), basis: `${observability.traceSampleRate * 100} % of requests traced`, prices: ['xrayTracesMillion'] },
    { item: 'CloudWatch RUM', ...fixed(observability.rum ? (USAGE.rumEventsPerMonth / 100_000) * p('rumEventsHundredThousand') : 0), basis: observability.rum ? `${USAGE.rumEventsPerMonth} events` : 'off', prices: ['rumEventsHundredThousand'] },
  ];
  return items;
}

export function totals(items: readonly CostItem[]): { idleUsd: number; targetUsd: number } {
  return { idleUsd: round2(items.reduce((s, i) => s + i.idleUsd, 0)), targetUsd: round2(items.reduce((s, i) => s + i.targetUsd, 0)) };
}
