import type { StageConfig } from '../stage-config';

/** A cheap, disposable stage: one NAT gateway, Serverless v2, no Shield, no AWS Backup copy. */
export const dev: StageConfig = {
  stage: 'dev',
  prefix: 'Bulwark',
  account: '111111111111',
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  backupRegion: 'eu-central-1',
  tags: { Project: 'bulwark', Stage: 'dev' },
  network: { cidr: '10.10.0.0/16', natGateways: 1, flowLogRetentionDays: 30, interfaceEndpoints: true },
  dns: { domainName: 'dev.api.example.com', hostedZoneId: 'Z0000000000000DEV0001', hostedZoneName: 'example.com' },
  service: {
    minTasks: 2,
    // Three 1-vCPU tasks, doubled during a deployment: the 6 vCPU of a fresh account.
    maxTasks: 3,
    cpu: 1024,
    memoryMiB: 2048,
    targetCpuUtilization: 60,
    targetRequestsPerTarget: 60_000,
    p99LatencyTargetMs: 50,
    logRetentionDays: 30,
    deletionProtection: false,
    databasePoolSize: 10,
    appRateLimitPerIp: 1200,
    appRateLimitPerUser: 600,
    requestLogSampleRate: 1,
    // Plain HTTP inside the VPC keeps dev's handshakes out of the measurements; prod encrypts.
    tlsToTask: false,
  },
  database: {
    serverless: { minCapacity: 0.5, maxCapacity: 4 },
    readers: 1,
    databaseName: 'bulwark',
    backupRetentionDays: 7,
    preferredBackupWindow: '02:00-03:00',
    preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
    deletionProtection: false,
    logRetentionDays: 30,
    secretRotationDays: 30,
  },
  backup: {
    snapshotCopyRetentionDays: 7,
    awsBackupEnabled: false,
    awsBackupRetentionDays: 7,
    awsBackupCopyRetentionDays: 14,
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
    antiDdosRuleGroup: false,
    blocklistSource: '/bulwark/dev/waf/blocklist',
    reputationListUrls: [],
    maxShrinkFraction: 0.5,
    syncIntervalMinutes: 60,
  },
  shield: { advanced: false, protectionGroup: false, automaticResponse: false, mitigationAction: 'COUNT' },
  observability: { alarmEmail: 'oncall-dev@example.com', traceSampleRate: 1, rum: true, availabilityTarget: 0.999 },
  // Off: the account-wide services belong to the account's long-lived stage (prod) or its organization.
  security: { baseline: false, managedByOrganization: [], configHistoryRetentionDays: 730 },
  lambdaReservedConcurrency: 0,
};
