import type { StageConfig } from '../stage-config';

/**
 * Production: the service targets (10,000 requests/s, p99 < 50 ms, 99.9 % availability,
 * 2..50 tasks) over three AZs, writer + reader, deletion protection everywhere it exists,
 * Shield Advanced and the AWS Backup cross-region copy on.
 */
export const prod: StageConfig = {
  stage: 'prod',
  prefix: 'Bulwark',
  account: '222222222222',
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  backupRegion: 'eu-central-1',
  // Personal data stays in the EU: the primary and the backup region, nothing else.
  allowedRegions: ['eu-west-1', 'eu-central-1'],
  tags: { Project: 'bulwark', Stage: 'prod' },
  network: { cidr: '10.20.0.0/16', natGateways: 3, flowLogRetentionDays: 365, interfaceEndpoints: true },
  dns: { domainName: 'api.example.com', hostedZoneId: 'Z0000000000000PROD001', hostedZoneName: 'example.com' },
  service: {
    minTasks: 2,
    maxTasks: 50,
    cpu: 1024,
    memoryMiB: 2048,
    targetCpuUtilization: 60,
    targetRequestsPerTarget: 60_000,
    p99LatencyTargetMs: 50,
    logRetentionDays: 90,
    deletionProtection: true,
    databasePoolSize: 10,
    appRateLimitPerIp: 1200,
    appRateLimitPerUser: 600,
    requestLogSampleRate: 0.01,
    tlsToTask: true,
  },
  database: {
    instanceClass: 'r7g.xlarge',
    readers: 1,
    databaseName: 'bulwark',
    backupRetentionDays: 14,
    preferredBackupWindow: '02:00-03:00',
    preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
    deletionProtection: true,
    logRetentionDays: 90,
    secretRotationDays: 30,
  },
  backup: {
    snapshotCopyRetentionDays: 14,
    awsBackupEnabled: true,
    awsBackupRetentionDays: 35,
    // 60 days: with the copier's 14 the backup region holds about 76 manual cluster
    // snapshots, inside the default quota of 100 (see the quota budget) with room for
    // manual snapshots; 90 days would need a quota increase first.
    awsBackupCopyRetentionDays: 60,
  },
  waf: {
    // WAF limits = app limits × 5-minute window × 2: 12,000 per IP and 6,000 per token.
    rateLimitHeadroom: 2,
    evaluationWindowSeconds: 300,
    maxBodyBytes: 8192,
    largeBodyPathPrefixes: ['/v1/notes'],
    botControl: false,
    countModeRuleGroups: [],
    blockHostingProviders: false,
    antiDdosRuleGroup: true,
    blocklistSource: '/bulwark/prod/waf/blocklist',
    // Spamhaus DROP for IPv4 and IPv6 (EDROP was merged into DROP in 2024).
    reputationListUrls: ['https://www.spamhaus.org/drop/drop.txt', 'https://www.spamhaus.org/drop/dropv6.txt'],
    maxShrinkFraction: 0.2,
    syncIntervalMinutes: 60,
  },
  shield: { advanced: true, protectionGroup: true, automaticResponse: false, mitigationAction: 'BLOCK' },
  observability: { alarmEmail: 'oncall@example.com', traceSampleRate: 0.05, rum: true, availabilityTarget: 0.999 },
  // One running audit per account: prod's. Dev stages share accounts and are torn down often.
  security: { baseline: true, managedByOrganization: [], configHistoryRetentionDays: 730 },
  // The service targets; off until an operator deploys it for a test (docs/load-test.md).
  loadTest: {
    enabled: false,
    targetRequestsPerSecond: 10_000,
    workers: 10,
    workerCpu: 1024,
    workerMemoryMiB: 2048,
    rampPercents: [25, 50, 100, 120],
    warmUpSeconds: 120,
    stepSeconds: 600,
    resultsExpirationDays: 30,
  },
  lambdaReservedConcurrency: 0,
  // Granted before the first deploy (docs/deploying.md, fresh-account checklist): 50
  // one-vCPU tasks, doubled while a deployment replaces them.
  accountQuotas: { fargateOnDemandVcpu: 100 },
  ci: { repository: 'example-org/bulwark', environment: 'production', pullRequestDiff: true },
};
