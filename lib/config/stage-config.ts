import type { SecurityService } from '../constructs/security-baseline/defaults';

/**
 * The typed configuration of one deployment stage. Everything that differs between
 * environments lives here; constructs never read context or environment variables.
 * `bin/` selects a stage with `-c stage=NAME`, validates it, and passes it down as props.
 */
export interface StageConfig {
  /** Stage name, used in stack names (`<prefix>-<stage>-<Tier>`) and as a metric dimension. */
  readonly stage: string;
  /** Prefix of every stack name and of deterministic physical names (aliases, vaults). */
  readonly prefix: string;
  /** 12-digit AWS account id. */
  readonly account: string;
  /** Primary region (Network, Data, Service, Monitoring stacks). */
  readonly region: string;
  /** Availability zones of the primary region, explicit so synthesis needs no lookups. */
  readonly availabilityZones: string[];
  /** Region that receives snapshot and AWS Backup copies. Must differ from `region`. */
  readonly backupRegion: string;
  /**
   * Data residency: the only regions the stage may keep personal data in (the primary
   * region, the backup region, and any region of a store in the privacy inventory, see
   * `personalDataStores`). Validation fails naming a region outside it, so moving the
   * backup region out of, say, the EU is a reviewed config change, not an accident.
   * @default - no restriction
   */
  readonly allowedRegions?: readonly string[];
  /** Tags applied to every resource of the stage. */
  readonly tags: Record<string, string>;
  readonly network: NetworkConfig;
  readonly dns: DnsConfig;
  readonly service: ServiceConfig;
  readonly database: DatabaseConfig;
  readonly backup: BackupConfig;
  readonly waf: WafConfig;
  readonly shield: ShieldConfig;
  readonly observability: ObservabilityConfig;
  readonly security: SecurityConfig;
  readonly loadTest: LoadTestConfig;
  /**
   * Concurrent executions each of the stage's Lambdas (IP-set sync, snapshot copier)
   * reserves; 0 reserves none. A fresh account's concurrency quota is 10 and AWS refuses
   * any reservation that leaves less than that unreserved, so 0 is what deploys anywhere;
   * both functions tolerate overlapping runs. The quota budget checks the sum.
   */
  readonly lambdaReservedConcurrency: number;
  /**
   * This account's applied values of the quotas in the quota budget, where they differ from
   * a fresh account's defaults (`FRESH_ACCOUNT_QUOTAS`): record each increase once it is
   * granted. Synthesis fails when the stage needs more than these allow, naming the quota,
   * its Service Quotas code and the value to request.
   */
  readonly accountQuotas?: AccountQuotaValues;
  /**
   * How GitHub Actions deploys the stage. When set, the stage gets a `CiDeploy` stack
   * (OIDC provider and deploy role) that an administrator deploys once.
   */
  readonly ci?: CiConfig;
}

/** Applied quota values by quota id (see `FRESH_ACCOUNT_QUOTAS` in quota-budget.ts). */
export type AccountQuotaValues = Readonly<Partial<Record<AccountQuotaId, number>>>;

/** The account quotas a stage is budgeted against. */
export type AccountQuotaId = 'lambdaConcurrentExecutions' | 'manualClusterSnapshotsPerRegion' | 'fargateOnDemandVcpu' | 'elasticIps';

export interface CiConfig {
  /** GitHub repository allowed to deploy, `owner/name`. */
  readonly repository: string;
  /** GitHub environment of the deploy job (subject `repo:O/R:environment:NAME`); exactly one of `environment` and `branch`. */
  readonly environment?: string;
  /** Branch whose pushes deploy (subject `repo:O/R:ref:refs/heads/BRANCH`). */
  readonly branch?: string;
  /** The account's existing token.actions.githubusercontent.com provider; when omitted the stack creates it. */
  readonly oidcProviderArn?: string;
  /** A role that pull requests assume for `cdk diff`: it reads the stage's stack templates and nothing else. */
  readonly pullRequestDiff: boolean;
}

export interface NetworkConfig {
  /** IPv4 CIDR of the VPC, /16 to /24, written as its network address (10.20.0.0/16), large enough for a public, private and isolated subnet per zone. */
  readonly cidr: string;
  /** NAT gateways: 1 saves money in dev; one per AZ keeps egress up when an AZ fails. */
  readonly natGateways: number;
  /** Retention of VPC flow logs, in days. */
  readonly flowLogRetentionDays: number;
  /** Interface endpoints for Secrets Manager, ECR and CloudWatch Logs (keeps that traffic off NAT). */
  readonly interfaceEndpoints: boolean;
}

export interface DnsConfig {
  /** Fully-qualified name the service answers on, e.g. `api.example.com`. */
  readonly domainName: string;
  /** Id of the Route 53 hosted zone that holds `domainName` (imported by attributes; no lookup). */
  readonly hostedZoneId: string;
  /** Name of that hosted zone, e.g. `example.com`. */
  readonly hostedZoneName: string;
  /** An existing ACM certificate for `domainName`; when omitted a DNS-validated one is created. */
  readonly certificateArn?: string;
}

export interface ServiceConfig {
  readonly minTasks: number;
  readonly maxTasks: number;
  /** Fargate task CPU units (1024 = 1 vCPU). */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Target CPU utilisation (%) for target-tracking scaling. */
  readonly targetCpuUtilization: number;
  /** ALB requests per target per minute for target-tracking scaling (from `npm run bench`). */
  readonly targetRequestsPerTarget: number;
  /** p99 latency objective in milliseconds; the step policy and alarms use it. */
  readonly p99LatencyTargetMs: number;
  /** Retention of container and access logs, in days. */
  readonly logRetentionDays: number;
  /** ALB deletion protection. */
  readonly deletionProtection: boolean;
  /**
   * Pool size of each task's PostgreSQL client pool; at least 3, above the app's default
   * of 2 GDPR exports streaming at once (each holds a connection).
   */
  readonly databasePoolSize: number;
  /**
   * Requests per minute per client IP, enforced in the app with a 429 and Retry-After. The
   * single source of truth for rate limits: the WAF's per-IP limit is derived from it
   * (see `waf.rateLimitHeadroom`).
   */
  readonly appRateLimitPerIp: number;
  /** Requests per minute per bearer token, enforced in the app; the WAF's per-user limit derives from it. */
  readonly appRateLimitPerUser: number;
  /**
   * Share (0..1) of fast, successful requests the app logs; errors, 4xx/5xx and requests
   * slower than `p99LatencyTargetMs` are always logged. The ALB access logs keep every
   * request, so prod samples: a line per request at 10,000 requests/s is terabytes a month.
   */
  readonly requestLogSampleRate: number;
  /**
   * TLS on the load balancer → task hop: the app serves HTTPS with a certificate it
   * generates at start-up (APP_TLS=self-signed; the ALB does not verify target
   * certificates), and the target group and its health check speak HTTPS. Costs the app
   * a TLS handshake per ALB connection (measured by `npm run bench`).
   */
  readonly tlsToTask: boolean;
}

export interface ServerlessCapacity {
  /** Minimum Aurora capacity units (0.5 steps). */
  readonly minCapacity: number;
  /** Maximum Aurora capacity units. */
  readonly maxCapacity: number;
}

export interface DatabaseConfig {
  /** Provisioned instance class such as `r7g.large`, or `serverless` capacity; exactly one. */
  readonly instanceClass?: string;
  readonly serverless?: ServerlessCapacity;
  /** Number of readers (each in another AZ than the writer, promotion tier 1). */
  readonly readers: number;
  /** Name of the app's database (inside the snapshot, when restoring). */
  readonly databaseName: string;
  /**
   * Build the cluster from this cluster snapshot (ARN in this stage's region, e.g. a copy
   * the copier made in the backup region) instead of empty: the disaster-recovery path,
   * see docs/restore.md. Leave it set afterwards; changing it replaces the cluster.
   */
  readonly restoreFromSnapshot?: string;
  /** Automated backup retention in days (7..35). */
  readonly backupRetentionDays: number;
  /** Daily backup window in UTC, `hh24:mi-hh24:mi`. */
  readonly preferredBackupWindow: string;
  /** Weekly maintenance window in UTC, `ddd:hh24:mi-ddd:hh24:mi`. */
  readonly preferredMaintenanceWindow: string;
  readonly deletionProtection: boolean;
  /** Retention of the exported postgresql log, in days. */
  readonly logRetentionDays: number;
  /** Days between automatic rotations of the master credentials. */
  readonly secretRotationDays: number;
}

export interface BackupConfig {
  /** Days the copier keeps its copies in the backup region (older copies it made are pruned). */
  readonly snapshotCopyRetentionDays: number;
  /** Whether the AWS Backup plan with a cross-region copy action is deployed. */
  readonly awsBackupEnabled: boolean;
  /** Days AWS Backup keeps recovery points in the primary region. */
  readonly awsBackupRetentionDays: number;
  /** Days AWS Backup keeps the copies in the backup region. */
  readonly awsBackupCopyRetentionDays: number;
}

export interface WafConfig {
  /**
   * How far above the app's own limits (`service.appRateLimitPerIp`, `...PerUser`, per
   * minute) the WAF's rate-based rules block, over their evaluation window (at least 1).
   * The app answers a polite client with 429 and Retry-After; the WAF is the backstop for
   * clients that ignore it, so it must never be the stricter of the two. Each WAF limit is
   * `ceil(app limit × window minutes × headroom)`.
   */
  readonly rateLimitHeadroom: number;
  /** Rate-based rule evaluation window in seconds (60, 120, 300 or 600). */
  readonly evaluationWindowSeconds: number;
  /**
   * Largest request body the WAF lets through, in bytes. A regional WAF on an ALB inspects
   * at most the first 8 KiB of a body, so this is capped at 8192; larger bodies are blocked.
   */
  readonly maxBodyBytes: number;
  /**
   * URI path prefixes exempt from the WAF body-size rule, because the app accepts larger
   * bodies there (a 10,000-character note) and enforces its own limit with a 413.
   */
  readonly largeBodyPathPrefixes: string[];
  /** AWS Bot Control managed group (priced per request). */
  readonly botControl: boolean;
  /** Managed rule groups to run in count mode, by name (e.g. while tuning false positives). */
  readonly countModeRuleGroups: string[];
  /**
   * Block requests from hosting and cloud providers (HostingProviderIPList of the
   * anonymous-IP group) instead of counting them. Off in the shipped stages: the API's
   * callers include servers, CI runners and monitors that run in clouds.
   */
  readonly blockHostingProviders: boolean;
  /**
   * The anti-DDoS managed rule group (50 WCU, priced per request): layer-7 flood
   * protection inside the web ACL, with or without a Shield Advanced subscription.
   */
  readonly antiDdosRuleGroup: boolean;
  /**
   * Operator blocklist source: SSM parameter name (`/...`) or S3 object (`s3://bucket/key`).
   * The stack does not create it (CloudFormation would overwrite the operator's entries on
   * every update); until someone creates it, the blocklist is empty.
   */
  readonly blocklistSource: string;
  /**
   * Reputation lists (one CIDR per line) merged into the block set. Every list must be
   * readable for a sync to apply (a failed source keeps the sets as they are), so list only
   * feeds that are maintained: Spamhaus retired EDROP in 2024 (merged into DROP).
   */
  readonly reputationListUrls: string[];
  /** Largest fraction of the block set one sync may remove (guards against a broken source). */
  readonly maxShrinkFraction: number;
  /** Minutes between IP-set syncs. */
  readonly syncIntervalMinutes: number;
}

export interface ShieldConfig {
  /** Shield Advanced protection; the account must already be subscribed. */
  readonly advanced: boolean;
  /** Group the stage's protected resources into one Shield protection group. */
  readonly protectionGroup: boolean;
  /**
   * Shield's automatic application-layer response (adds a 150-WCU rule group during an
   * event). Off in the shipped stages: whether an account may enable it differs, and
   * `waf.antiDdosRuleGroup` does the same job from inside the web ACL.
   */
  readonly automaticResponse: boolean;
  /**
   * What Shield's automatic application-layer mitigation does with the requests its rules
   * match during a detected event (with `automaticResponse`): `COUNT` to observe first,
   * `BLOCK` once trusted.
   */
  readonly mitigationAction: 'BLOCK' | 'COUNT';
}

export interface ObservabilityConfig {
  /** Address that receives alarm notifications. */
  readonly alarmEmail: string;
  /** Fraction of requests traced (0..1). */
  readonly traceSampleRate: number;
  /** CloudWatch RUM app monitor for the app's page. */
  readonly rum: boolean;
  /** Availability objective, e.g. 0.999. */
  readonly availabilityTarget: number;
}

/** The account's running security audit (the SecurityBaseline construct, in the Monitoring stack). */
export interface SecurityConfig {
  /**
   * Enable GuardDuty, Security Hub (AWS FSBP and CIS standards), Inspector and AWS Config,
   * and route their high and critical findings to the alarm topic. These are one per
   * account and region: turn it on in one stage per account.
   */
  readonly baseline: boolean;
  /**
   * Services the organization already runs in this account through a delegated
   * administrator (`guardDuty`, `securityHub`, `inspector`, `config`): the baseline creates
   * none of them, since a second detector, hub or recorder fails, and still routes their findings.
   */
  readonly managedByOrganization: readonly SecurityService[];
  /** Days AWS Config's snapshots and history are kept (90..3653: at least one audit quarter). */
  readonly configHistoryRetentionDays: number;
}

/**
 * The stage's target rate and its distributed load test (`npm run loadtest`, the
 * `<Prefix>-<stage>-LoadTest` stack). The stack is opt-in: it is synthesized only when
 * `enabled` is true (or for one synthesis with `-c loadTest=enabled`).
 */
export interface LoadTestConfig {
  /** Deploy the LoadTest stack (Fargate workers, state machine, results bucket). */
  readonly enabled: boolean;
  /** Requests per second the stage is sized for: 100 % of the ramp, and the capacity model's target. */
  readonly targetRequestsPerSecond: number;
  /** Workers per step (Fargate tasks in parallel); each sends targetRequestsPerSecond × step % / workers. */
  readonly workers: number;
  /** Fargate CPU units per worker (1024 = 1 vCPU). */
  readonly workerCpu: number;
  readonly workerMemoryMiB: number;
  /** The ramp after the warm-up, in percent of the target rate, e.g. [25, 50, 100, 120]. */
  readonly rampPercents: number[];
  /** Warm-up at the first ramp step's rate, in seconds (JIT, pools, caches; reported, not judged). */
  readonly warmUpSeconds: number;
  /** Length of each ramp step in seconds (the default of `--duration`). */
  readonly stepSeconds: number;
  /** Days the results bucket keeps histograms. */
  readonly resultsExpirationDays: number;
}
