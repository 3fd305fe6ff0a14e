import { DEFAULT_MIGRATION_TASK_CPU } from '../constructs/database-migration';
import { edgeWebAclCapacity } from '../constructs/edge-protection-rules';
import { WEB_ACL_INCLUDED_CAPACITY, WEB_ACL_MAX_CAPACITY } from '../constructs/waf-capacity';
import { edgeRuleOptions } from './edge-rules';
import { loadTestWorkerVcpu } from './load-test';
import type { AccountQuotaId, StageConfig } from './stage-config';

/** What a stage needs of one quota, and how the number is made (shown in errors and docs). */
export interface QuotaNeed {
  readonly amount: number;
  readonly basis: string;
}

/** One account quota a stage is budgeted against. */
export interface AccountQuota {
  /** Key in `StageConfig.accountQuotas`; fixed limits have none (they cannot be raised). */
  readonly id?: AccountQuotaId;
  /** Name as Service Quotas (or, for fixed limits, the service's documentation) shows it. */
  readonly name: string;
  /** Service Quotas service and quota code; absent for limits Service Quotas does not manage. */
  readonly code?: { readonly service: string; readonly quota: string };
  /** The value a new account starts with (the lowest AWS grants; many accounts have more). */
  readonly freshAccountValue: number;
  readonly unit: string;
  /** Which of the stage's regions the quota applies in. */
  readonly region: 'primary' | 'backup';
  readonly need: (config: StageConfig) => QuotaNeed;
}

/** Lambda keeps this much of the account's concurrency unreserved once anything is reserved. */
const LAMBDA_MIN_UNRESERVED = 100;
/** The Lambdas of a stage (IP-set sync, snapshot copier) that `lambdaReservedConcurrency` applies to. */
const STAGE_FUNCTIONS = 2;
/** Manual cluster snapshots left free for operators (before a migration, a restore drill). */
const SNAPSHOT_MARGIN = 10;
/** ECS starts a full new set of tasks before it stops the old (maximum healthy 200 %). */
const DEPLOYMENT_TASK_FACTOR = 2;

/**
 * The quotas of a fresh account that a stage can run into, with what the stage needs of
 * each. One table serves config validation (synthesis fails with the value to request)
 * and the fresh-account checklist in docs/deploying.md.
 */
export const FRESH_ACCOUNT_QUOTAS: readonly AccountQuota[] = [
  {
    id: 'lambdaConcurrentExecutions',
    name: 'Concurrent executions',
    code: { service: 'lambda', quota: 'L-B99A9384' },
    // New accounts start at 10, not the documented 1,000, and rise with use.
    freshAccountValue: 10,
    unit: 'executions',
    region: 'primary',
    need: (c) => {
      const reserved = STAGE_FUNCTIONS * c.lambdaReservedConcurrency;
      return reserved === 0
        ? { amount: 0, basis: 'no reserved concurrency (lambdaReservedConcurrency 0)' }
        : { amount: reserved + LAMBDA_MIN_UNRESERVED, basis: `${STAGE_FUNCTIONS} functions × ${c.lambdaReservedConcurrency} reserved + ${LAMBDA_MIN_UNRESERVED} Lambda keeps unreserved` };
    },
  },
  {
    id: 'manualClusterSnapshotsPerRegion',
    name: 'Manual DB cluster snapshots',
    code: { service: 'rds', quota: 'L-9B510759' },
    freshAccountValue: 100,
    unit: 'snapshots',
    region: 'backup',
    need: (c) => {
      // One copy a day per source, plus the one a copy in flight adds; AWS Backup's Aurora
      // copies are manual cluster snapshots too.
      const copier = c.backup.snapshotCopyRetentionDays + 1;
      const awsBackup = c.backup.awsBackupEnabled ? c.backup.awsBackupCopyRetentionDays + 1 : 0;
      return {
        amount: copier + awsBackup + SNAPSHOT_MARGIN,
        basis: `${copier} copier copies + ${awsBackup} AWS Backup copies + ${SNAPSHOT_MARGIN} for operators`,
      };
    },
  },
  {
    id: 'fargateOnDemandVcpu',
    name: 'Fargate On-Demand vCPU resource count',
    code: { service: 'fargate', quota: 'L-3032A538' },
    // New accounts are often granted 6 vCPU; the documented default is higher.
    freshAccountValue: 6,
    unit: 'vCPU',
    region: 'primary',
    need: (c) => {
      const vcpu = c.service.cpu / 1024;
      // The deploy's migration task runs before the service rolls: beside the old fleet, never
      // the doubled one, and it is no larger than one task (Fargate's smallest is 0.25 vCPU),
      // so the doubled fleet stays the peak.
      const migrationVcpu = DEFAULT_MIGRATION_TASK_CPU / 1024;
      const deployment = Math.ceil(c.service.maxTasks * vcpu * DEPLOYMENT_TASK_FACTOR);
      const deploymentBasis = `${c.service.maxTasks} tasks × ${vcpu} vCPU × ${DEPLOYMENT_TASK_FACTOR} while a deployment replaces them (the ${migrationVcpu} vCPU migration task runs before, beside the old fleet only)`;
      // A load test runs between deployments: the service at its maximum plus the workers.
      const workers = loadTestWorkerVcpu(c);
      if (workers === 0) return { amount: deployment, basis: deploymentBasis };
      const loadTest = Math.ceil(c.service.maxTasks * vcpu + workers);
      if (loadTest < deployment) return { amount: deployment, basis: `${deploymentBasis} (a load test needs less: ${loadTest})` };
      return { amount: loadTest, basis: `${c.service.maxTasks} tasks × ${vcpu} vCPU + ${workers} vCPU of load-test workers during a run (a deployment needs ${deployment})` };
    },
  },
  {
    id: 'elasticIps',
    name: 'EC2-VPC Elastic IPs',
    code: { service: 'ec2', quota: 'L-0263D0A3' },
    freshAccountValue: 5,
    unit: 'addresses',
    region: 'primary',
    need: (c) => ({ amount: c.network.natGateways, basis: `${c.network.natGateways} NAT gateways` }),
  },
  {
    name: 'Web ACL capacity units (WCU) per web ACL',
    freshAccountValue: WEB_ACL_MAX_CAPACITY,
    unit: 'WCU',
    region: 'primary',
    need: (c) => {
      const shield = c.shield.advanced && c.shield.automaticResponse;
      const amount = edgeWebAclCapacity(edgeRuleOptions(c), shield);
      const priced = amount > WEB_ACL_INCLUDED_CAPACITY ? `, above the ${WEB_ACL_INCLUDED_CAPACITY} in the base price` : '';
      return { amount, basis: `the rules EdgeProtection builds${shield ? ' + 150 for Shield automatic response' : ''}${priced}` };
    },
  },
];

/** One row of a stage's quota budget. */
export interface QuotaBudgetRow {
  readonly quota: AccountQuota;
  /** The AWS region the quota is counted in. */
  readonly region: string;
  readonly need: QuotaNeed;
  /** The account's value: `accountQuotas`, else the fresh-account value. */
  readonly available: number;
}

/** What `config` needs of each quota next to what its account has. */
export function quotaBudget(config: StageConfig): QuotaBudgetRow[] {
  return FRESH_ACCOUNT_QUOTAS.map((quota) => ({
    quota,
    region: quota.region === 'primary' ? config.region : config.backupRegion,
    need: quota.need(config),
    available: (quota.id && config.accountQuotas?.[quota.id]) ?? quota.freshAccountValue,
  }));
}

function codeOf(quota: AccountQuota): string {
  return quota.code ? `${quota.code.service} ${quota.code.quota}` : 'a fixed limit, not adjustable';
}

/** Every quota the stage exceeds, each with the value to request (or why it cannot be). */
export function findQuotaProblems(config: StageConfig): string[] {
  return quotaBudget(config)
    .filter((row) => row.need.amount > row.available)
    .map(({ quota, region, need, available }) => {
      const field = quota.id ? `accountQuotas.${quota.id}` : 'quota budget';
      const what = `the stage needs ${need.amount} ${quota.unit} of "${quota.name}" (${codeOf(quota)}) in ${region} (${need.basis}) but the account has ${available}`;
      return quota.id
        ? `${field}: ${what}: request ${need.amount} in Service Quotas, then record the granted value in accountQuotas.${quota.id}`
        : `${field}: ${what}: change the config to need less`;
    });
}

/** The fresh-account checklist of docs/deploying.md: every quota, per stage, as a Markdown table. */
export function renderQuotaChecklist(configs: readonly StageConfig[]): string {
  const header = ['quota', 'Service Quotas code', 'fresh account', ...configs.map((c) => `${c.stage}: needs (has)`)];
  const rows = FRESH_ACCOUNT_QUOTAS.map((quota, index) => [
    `${quota.name} (${quota.region} region)`,
    quota.code ? `\`${quota.code.service}\` \`${quota.code.quota}\`` : 'fixed limit',
    `${quota.freshAccountValue} ${quota.unit}`,
    ...configs.map((c) => {
      const row = quotaBudget(c)[index];
      const flag = row.need.amount > quota.freshAccountValue ? ' **request**' : '';
      return `${row.need.amount} (${row.available})${flag}`;
    }),
  ]);
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
