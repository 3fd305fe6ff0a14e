import { DEFAULT_SUBNET_CIDR_MASKS } from '../constructs/network';
import { SECURITY_SERVICES } from '../constructs/security-baseline/defaults';
import { RATE_LIMIT_WINDOWS_SECONDS, REGIONAL_BODY_INSPECTION_LIMIT } from '../constructs/edge-protection-rules';
import { wafRateLimits } from './edge-rules';
import { findLoadTestProblems } from './load-test';
import { erasureBackupBound, personalDataStores } from './privacy';
import { findQuotaProblems, FRESH_ACCOUNT_QUOTAS } from './quota-budget';
import type { StageConfig } from './stage-config';

/** Thrown when a stage config is invalid; lists every problem, each naming its field. */
export class ConfigValidationError extends Error {
  constructor(
    readonly stage: string,
    readonly problems: string[],
  ) {
    super(`Invalid config for stage "${stage}":\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/;
const STAGE_NAME = /^[a-z][a-z0-9-]{0,15}$/;
const PREFIX = /^[A-Z][A-Za-z0-9]{0,19}$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const BACKUP_WINDOW = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
const MAINTENANCE_WINDOW = /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/;

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Fargate CPU units and the memory sizes (MiB) each allows. */
const FARGATE_MEMORY: Record<number, (memory: number) => boolean> = {
  256: (m) => [512, 1024, 2048].includes(m),
  512: (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  1024: (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  2048: (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  4096: (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
  8192: (m) => m >= 16384 && m <= 61440 && m % 4096 === 0,
  16384: (m) => m >= 32768 && m <= 122880 && m % 8192 === 0,
};

/** The smallest retention we accept for any backup or snapshot copy. */
export const MIN_RETENTION_DAYS = 7;

type Check = (problems: string[], config: StageConfig) => void;

function isInteger(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function requireInteger(problems: string[], field: string, value: number, min: number, max: number): void {
  if (!isInteger(value, min, max)) problems.push(`${field} must be an integer between ${min} and ${max} (got ${value})`);
}

function requireLogRetention(problems: string[], field: string, value: number): void {
  if (!LOG_RETENTION_DAYS.includes(value)) {
    problems.push(`${field} must be one of the CloudWatch Logs retention periods ${LOG_RETENTION_DAYS.join(', ')} (got ${value})`);
  }
}

function requireRetention(problems: string[], field: string, value: number, max: number): void {
  if (!isInteger(value, MIN_RETENTION_DAYS, max)) {
    problems.push(`${field} must be at least ${MIN_RETENTION_DAYS} days (and at most ${max}) (got ${value})`);
  }
}

const identity: Check = (problems, c) => {
  if (!STAGE_NAME.test(c.stage)) problems.push(`stage must be lower-case letters, digits and dashes, at most 16 (got "${c.stage}")`);
  if (!PREFIX.test(c.prefix)) problems.push(`prefix must start with an upper-case letter and be alphanumeric, at most 20 (got "${c.prefix}")`);
  if (!ACCOUNT.test(c.account)) problems.push(`account must be a 12-digit AWS account id (got "${c.account}")`);
  for (const [key, value] of Object.entries(c.tags)) {
    if (key.length === 0 || key.length > 128 || value.length > 256) problems.push(`tags.${key} must have a 1..128 character key and a value of at most 256`);
  }
};

const regions: Check = (problems, c) => {
  if (!REGION.test(c.region)) problems.push(`region must be an AWS region name such as eu-west-1 (got "${c.region}")`);
  if (!REGION.test(c.backupRegion)) problems.push(`backupRegion must be an AWS region name such as eu-central-1 (got "${c.backupRegion}")`);
  if (c.backupRegion === c.region) problems.push(`backupRegion must differ from region (both are "${c.region}"): a copy in the same region does not survive a regional outage`);
  if (c.availabilityZones.length < 2 || c.availabilityZones.length > 6) {
    problems.push(`availabilityZones must list 2 to 6 zones (got ${c.availabilityZones.length})`);
  }
  c.availabilityZones.forEach((zone, index) => {
    if (!new RegExp(`^${c.region}[a-z]$`).test(zone)) problems.push(`availabilityZones[${index}] "${zone}" is not a zone of region ${c.region}`);
  });
  if (new Set(c.availabilityZones).size !== c.availabilityZones.length) problems.push('availabilityZones must not repeat a zone');
};

const residency: Check = (problems, c) => {
  if (c.allowedRegions === undefined) return;
  if (c.allowedRegions.length === 0) problems.push('allowedRegions must list at least one region (omit it to allow any)');
  c.allowedRegions.forEach((allowed, index) => {
    if (!REGION.test(allowed)) problems.push(`allowedRegions[${index}] must be an AWS region name such as eu-west-1 (got "${allowed}")`);
  });
  const outside = new Map<string, string[]>();
  for (const store of personalDataStores(c)) {
    if (!c.allowedRegions.includes(store.region)) outside.set(store.region, [...(outside.get(store.region) ?? []), store.store]);
  }
  for (const [region, stores] of outside) {
    problems.push(`allowedRegions (${c.allowedRegions.join(', ')}) does not include ${region}, where the stage keeps personal data: ${stores.join('; ')}`);
  }
};

const erasure: Check = (problems, c) => {
  // The app log's "user erased" lines are the list a restore re-applies (docs/privacy.md):
  // they must outlive every backup that still holds an erased user.
  const bound = erasureBackupBound(c);
  if (c.service.logRetentionDays < bound.days) {
    problems.push(`service.logRetentionDays (${c.service.logRetentionDays}) must be at least the erasure bound of ${bound.days} days (${bound.store}): after a restore, the app log is the list of erasures to re-apply`);
  }
};

/** The network address of a parsed CIDR when the address written is not it (host bits set), else null. */
function networkAddress(match: RegExpExecArray): string | null {
  const address = match.slice(1, 5).reduce((value, octet) => value * 256 + Number(octet), 0);
  const blockSize = 2 ** (32 - Number(match[5]));
  const network = address - (address % blockSize);
  if (network === address) return null;
  return [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
}

const network: Check = (problems, c) => {
  const match = IPV4_CIDR.exec(c.network.cidr);
  const octetsValid = match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255);
  const writtenNetwork = match && octetsValid ? networkAddress(match) : null;
  if (!match || !octetsValid || Number(match[5]) < 16 || Number(match[5]) > 24) {
    problems.push(`network.cidr must be an IPv4 CIDR between /16 and /24 (got "${c.network.cidr}")`);
  } else if (writtenNetwork !== null) {
    // EC2 takes a VPC block only as its network address (10.0.0.0/16, not 10.0.0.5/16) and
    // would refuse it at deploy time, after the other stacks' changes have started.
    problems.push(`network.cidr "${c.network.cidr}" has host bits set: write its network address, ${writtenNetwork}/${match[5]}`);
  } else {
    // The Network construct gives every zone a subnet of each tier; CDK refuses (with an
    // error about "remaining space") a VPC too small for them, long after validation.
    const perZone = Object.values(DEFAULT_SUBNET_CIDR_MASKS).reduce((sum, mask) => sum + 2 ** (32 - mask), 0);
    const needed = perZone * c.availabilityZones.length;
    const available = 2 ** (32 - Number(match[5]));
    // Stryker disable next-line EqualityOperator: `available` is a power of two and `needed` never is (8,448 per zone = 2^8 × 33 with the default masks), so they are never equal
    if (available < needed) {
      problems.push(
        `network.cidr "${c.network.cidr}" holds ${available} addresses but the subnets of ${c.availabilityZones.length} zones need ${needed} (public and private /${DEFAULT_SUBNET_CIDR_MASKS.public}, isolated /${DEFAULT_SUBNET_CIDR_MASKS.isolated} per zone): use a /${32 - Math.ceil(Math.log2(needed))} or larger`,
      );
    }
  }
  requireInteger(problems, 'network.natGateways', c.network.natGateways, 1, c.availabilityZones.length);
  requireLogRetention(problems, 'network.flowLogRetentionDays', c.network.flowLogRetentionDays);
};

const dns: Check = (problems, c) => {
  const { domainName, hostedZoneName, hostedZoneId, certificateArn } = c.dns;
  if (!DOMAIN.test(domainName)) problems.push(`dns.domainName must be a lower-case fully-qualified domain name (got "${domainName}")`);
  if (!DOMAIN.test(hostedZoneName)) problems.push(`dns.hostedZoneName must be a lower-case domain name (got "${hostedZoneName}")`);
  else if (domainName !== hostedZoneName && !domainName.endsWith(`.${hostedZoneName}`)) {
    problems.push(`dns.domainName "${domainName}" must be inside dns.hostedZoneName "${hostedZoneName}"`);
  }
  if (!HOSTED_ZONE_ID.test(hostedZoneId)) problems.push(`dns.hostedZoneId must be a Route 53 zone id such as Z123ABC (got "${hostedZoneId}")`);
  if (certificateArn !== undefined) {
    const arn = ACM_ARN.exec(certificateArn);
    if (!arn) problems.push(`dns.certificateArn must be an ACM certificate ARN (got "${certificateArn}")`);
    else if (arn[1] !== c.region) problems.push(`dns.certificateArn must be in region ${c.region}, where the load balancer is (got ${arn[1]})`);
  }
};

const service: Check = (problems, c) => {
  const s = c.service;
  requireInteger(problems, 'service.minTasks', s.minTasks, 1, 1000);
  requireInteger(problems, 'service.maxTasks', s.maxTasks, 1, 1000);
  if (s.minTasks > s.maxTasks) problems.push(`service.minTasks (${s.minTasks}) must not exceed service.maxTasks (${s.maxTasks})`);
  const memoryFits = FARGATE_MEMORY[s.cpu];
  if (!memoryFits) problems.push(`service.cpu must be a Fargate CPU size ${Object.keys(FARGATE_MEMORY).join(', ')} (got ${s.cpu})`);
  else if (!memoryFits(s.memoryMiB)) problems.push(`service.memoryMiB ${s.memoryMiB} is not a valid Fargate memory size for ${s.cpu} CPU units`);
  requireInteger(problems, 'service.targetCpuUtilization', s.targetCpuUtilization, 10, 90);
  requireInteger(problems, 'service.targetRequestsPerTarget', s.targetRequestsPerTarget, 1, 10_000_000);
  requireInteger(problems, 'service.p99LatencyTargetMs', s.p99LatencyTargetMs, 1, 60_000);
  requireLogRetention(problems, 'service.logRetentionDays', s.logRetentionDays);
  // At least 3: the app keeps one connection free of its (default 2) concurrent GDPR exports (EXPORT_CONCURRENCY).
  requireInteger(problems, 'service.databasePoolSize', s.databasePoolSize, 3, 100);
  requireInteger(problems, 'service.appRateLimitPerIp', s.appRateLimitPerIp, 1, 10_000_000);
  requireInteger(problems, 'service.appRateLimitPerUser', s.appRateLimitPerUser, 1, 10_000_000);
  if (!(s.requestLogSampleRate >= 0 && s.requestLogSampleRate <= 1)) problems.push(`service.requestLogSampleRate must be between 0 and 1 (got ${s.requestLogSampleRate})`);
};

const database: Check = (problems, c) => {
  const d = c.database;
  if ((d.instanceClass === undefined) === (d.serverless === undefined)) {
    problems.push('database must set exactly one of database.instanceClass (provisioned) and database.serverless (Serverless v2)');
  }
  if (d.instanceClass !== undefined && !/^(db\.)?[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(d.instanceClass)) {
    problems.push(`database.instanceClass must look like r7g.large (got "${d.instanceClass}")`);
  }
  if (d.serverless) {
    const { minCapacity, maxCapacity } = d.serverless;
    const validCapacity = (acu: number) => acu >= 0 && acu <= 256 && Number.isInteger(acu * 2);
    if (!validCapacity(minCapacity)) problems.push(`database.serverless.minCapacity must be 0..256 in steps of 0.5 (got ${minCapacity})`);
    if (!validCapacity(maxCapacity) || maxCapacity < 1) problems.push(`database.serverless.maxCapacity must be 1..256 in steps of 0.5 (got ${maxCapacity})`);
    if (minCapacity > maxCapacity) problems.push(`database.serverless.minCapacity (${minCapacity}) must not exceed maxCapacity (${maxCapacity})`);
  }
  requireInteger(problems, 'database.readers', d.readers, 1, 15);
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(d.databaseName)) problems.push(`database.databaseName must be a lower-case PostgreSQL identifier (got "${d.databaseName}")`);
  if (d.restoreFromSnapshot !== undefined) {
    const arn = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):cluster-snapshot:[a-z][a-z0-9:-]{0,254}$/.exec(d.restoreFromSnapshot);
    if (!arn) problems.push(`database.restoreFromSnapshot must be a cluster snapshot ARN (got "${d.restoreFromSnapshot}")`);
    else if (arn[1] !== c.region) problems.push(`database.restoreFromSnapshot must be in region ${c.region}, where the cluster is built (got ${arn[1]})`);
  }
  requireRetention(problems, 'database.backupRetentionDays', d.backupRetentionDays, 35);
  if (!BACKUP_WINDOW.test(d.preferredBackupWindow)) problems.push(`database.preferredBackupWindow must be hh24:mi-hh24:mi in UTC (got "${d.preferredBackupWindow}")`);
  if (!MAINTENANCE_WINDOW.test(d.preferredMaintenanceWindow)) {
    problems.push(`database.preferredMaintenanceWindow must be ddd:hh24:mi-ddd:hh24:mi in UTC (got "${d.preferredMaintenanceWindow}")`);
  }
  requireLogRetention(problems, 'database.logRetentionDays', d.logRetentionDays);
  requireInteger(problems, 'database.secretRotationDays', d.secretRotationDays, 1, 365);
};

const backup: Check = (problems, c) => {
  const b = c.backup;
  requireRetention(problems, 'backup.snapshotCopyRetentionDays', b.snapshotCopyRetentionDays, 3650);
  requireRetention(problems, 'backup.awsBackupRetentionDays', b.awsBackupRetentionDays, 36500);
  requireRetention(problems, 'backup.awsBackupCopyRetentionDays', b.awsBackupCopyRetentionDays, 36500);
};

const waf: Check = (problems, c) => {
  const w = c.waf;
  if (!(w.rateLimitHeadroom >= 1 && w.rateLimitHeadroom <= 100)) {
    problems.push(`waf.rateLimitHeadroom must be between 1 and 100: the WAF must never block before the app's own limit (got ${w.rateLimitHeadroom})`);
  } else {
    const limits = wafRateLimits(c);
    for (const [field, limit] of [['per IP', limits.perIp], ['per user', limits.perUser]] as const) {
      if (limit < 10 || limit > 2_000_000_000) problems.push(`waf.rateLimitHeadroom gives a WAF limit ${field} of ${limit} requests per window, outside WAF's 10..2,000,000,000`);
    }
  }
  if (!RATE_LIMIT_WINDOWS_SECONDS.includes(w.evaluationWindowSeconds)) {
    problems.push(`waf.evaluationWindowSeconds must be one of ${RATE_LIMIT_WINDOWS_SECONDS.join(', ')} (got ${w.evaluationWindowSeconds})`);
  }
  requireInteger(problems, 'waf.maxBodyBytes', w.maxBodyBytes, 1, REGIONAL_BODY_INSPECTION_LIMIT);
  w.largeBodyPathPrefixes.forEach((prefix, index) => {
    if (!prefix.startsWith('/')) problems.push(`waf.largeBodyPathPrefixes[${index}] must start with "/" (got "${prefix}")`);
  });
  if (!/^(\/[A-Za-z0-9_.\-/]+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+)$/.test(w.blocklistSource)) {
    problems.push(`waf.blocklistSource must be an SSM parameter name (/path) or an S3 object (s3://bucket/key) (got "${w.blocklistSource}")`);
  }
  w.reputationListUrls.forEach((url, index) => {
    if (!/^https:\/\/[^\s/]+\/\S*$/.test(url)) problems.push(`waf.reputationListUrls[${index}] must be an https URL (got "${url}")`);
  });
  if (!(w.maxShrinkFraction > 0 && w.maxShrinkFraction <= 1)) problems.push(`waf.maxShrinkFraction must be in (0, 1] (got ${w.maxShrinkFraction})`);
  requireInteger(problems, 'waf.syncIntervalMinutes', w.syncIntervalMinutes, 5, 1440);
};

const shield: Check = (problems, c) => {
  if (c.shield.protectionGroup && !c.shield.advanced) problems.push('shield.protectionGroup requires shield.advanced');
  if (c.shield.automaticResponse && !c.shield.advanced) problems.push('shield.automaticResponse requires shield.advanced');
  if (!['BLOCK', 'COUNT'].includes(c.shield.mitigationAction)) problems.push(`shield.mitigationAction must be BLOCK or COUNT (got "${c.shield.mitigationAction}")`);
};

const observability: Check = (problems, c) => {
  const o = c.observability;
  if (!EMAIL.test(o.alarmEmail)) problems.push(`observability.alarmEmail must be an e-mail address (got "${o.alarmEmail}")`);
  if (!(o.traceSampleRate >= 0 && o.traceSampleRate <= 1)) problems.push(`observability.traceSampleRate must be between 0 and 1 (got ${o.traceSampleRate})`);
  if (!(o.availabilityTarget > 0.9 && o.availabilityTarget < 1)) {
    problems.push(`observability.availabilityTarget must be between 0.9 and 1, exclusive (got ${o.availabilityTarget})`);
  }
};

const security: Check = (problems, c) => {
  const { baseline, managedByOrganization: managed, configHistoryRetentionDays } = c.security;
  const unknown = managed.filter((service) => !(SECURITY_SERVICES as readonly string[]).includes(service));
  if (unknown.length > 0) problems.push(`security.managedByOrganization has unknown service(s) ${unknown.join(', ')} (known: ${SECURITY_SERVICES.join(', ')})`);
  if (new Set(managed).size !== managed.length) problems.push(`security.managedByOrganization lists a service twice (${managed.join(', ')})`);
  if (!baseline && managed.length > 0) problems.push('security.managedByOrganization has no effect without security.baseline');
  requireInteger(problems, 'security.configHistoryRetentionDays', configHistoryRetentionDays, 90, 3653);
};

const quotas: Check = (problems, c) => {
  requireInteger(problems, 'lambdaReservedConcurrency', c.lambdaReservedConcurrency, 0, 1000);
  const known = new Set(FRESH_ACCOUNT_QUOTAS.flatMap((quota) => (quota.id ? [quota.id] : [])));
  for (const [id, value] of Object.entries(c.accountQuotas ?? {})) {
    if (!known.has(id as never)) problems.push(`accountQuotas.${id} is not a quota of the budget (${[...known].join(', ')})`);
    else requireInteger(problems, `accountQuotas.${id}`, value ?? Number.NaN, 1, 1_000_000_000);
  }
};

const GITHUB_REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

const ci: Check = (problems, c) => {
  if (!c.ci) return;
  const { repository, environment, branch, oidcProviderArn } = c.ci;
  if (!GITHUB_REPOSITORY.test(repository)) problems.push(`ci.repository must be a GitHub repository "owner/name" (got "${repository}")`);
  if ((environment === undefined) === (branch === undefined)) problems.push('ci must set exactly one of ci.environment and ci.branch');
  for (const [field, value] of [['environment', environment], ['branch', branch]] as const) {
    if (value !== undefined && !/^[A-Za-z0-9._/-]{1,255}$/.test(value)) problems.push(`ci.${field} must be a plain name (got "${value}")`);
  }
  if (oidcProviderArn !== undefined && !OIDC_PROVIDER_ARN.test(oidcProviderArn)) {
    problems.push(`ci.oidcProviderArn must be the ARN of the token.actions.githubusercontent.com OIDC provider (got "${oidcProviderArn}")`);
  }
};

const loadTest: Check = (problems, c) => {
  problems.push(...findLoadTestProblems(c));
};

const CHECKS: Check[] = [identity, regions, residency, network, dns, service, database, backup, erasure, waf, shield, observability, security, quotas, ci, loadTest];

/**
 * Every problem with `config`, each naming its field; empty when the config is valid. A
 * config that is otherwise valid is then checked against its account's quotas (the quota
 * budget), whose figures would mean nothing for an invalid one.
 */
export function findConfigProblems(config: StageConfig): string[] {
  const problems: string[] = [];
  for (const check of CHECKS) check(problems, config);
  return problems.length > 0 ? problems : findQuotaProblems(config);
}

/**
 * Problems of a set of stages taken together. Stack names, IAM role names, the dashboard
 * and the Shield protection group are all derived from prefix and stage, and several of
 * those names are global to the account: two stages of one account with the same prefix
 * and stage collide, even in different regions. A recovery stage (a copy of prod in the
 * backup region, restoring from a copy) therefore needs its own stage name, e.g. `prod-dr`.
 */
export function findStageSetProblems(stages: Readonly<Record<string, StageConfig>>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const records = new Map<string, string>();
  for (const [key, config] of Object.entries(stages)) {
    if (config.stage !== key) problems.push(`stage "${key}": its config says stage "${config.stage}"; a stage is selected by the name it carries`);
    const identity = `${config.account}/${config.prefix}/${config.stage}`;
    const other = seen.get(identity);
    if (other) {
      problems.push(`stage "${key}" has the account, prefix and stage of "${other}" (${identity}): their global names (IAM roles, dashboard, Shield protection group) would collide; give a recovery stage its own name such as "${config.stage}-dr"`);
    }
    seen.set(identity, key);
    const record = `${config.dns.hostedZoneId}/${config.dns.domainName}`;
    const owner = records.get(record);
    if (owner) {
      problems.push(`stage "${key}" has the dns.domainName ${config.dns.domainName} of stage "${owner}" in the same hosted zone: each stack owns its alias record, so the second deploy fails; give a recovery stage its own name (and switch DNS by hand, or with failover records)`);
    }
    records.set(record, key);
  }
  return problems;
}

/** Throws a {@link ConfigValidationError} listing every problem, or returns the config unchanged. */
export function validateStageConfig(config: StageConfig): StageConfig {
  const problems = findConfigProblems(config);
  if (problems.length > 0) throw new ConfigValidationError(config.stage, problems);
  return config;
}
