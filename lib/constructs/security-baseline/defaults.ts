import { Duration } from 'aws-cdk-lib';

/** The account-level security services the baseline can enable, each of which an organization may manage centrally instead. */
export const SECURITY_SERVICES = ['guardDuty', 'securityHub', 'inspector', 'config'] as const;
export type SecurityService = (typeof SECURITY_SERVICES)[number];

/** Finding severities the baseline can route, lowest first (the labels Security Hub and Inspector use). */
export const FINDING_SEVERITIES = ['HIGH', 'CRITICAL'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

/**
 * GuardDuty's numeric severity at which each label starts (HIGH is 7.0–8.9, CRITICAL 9.0–10.0):
 * GuardDuty findings carry a number, not a label.
 */
export const GUARDDUTY_SEVERITY_FLOOR: Record<FindingSeverity, number> = { HIGH: 7, CRITICAL: 9 };

/** Every secure default of the baseline in one place. */
export const SECURITY_BASELINE_DEFAULTS = {
  /** GuardDuty protection plans: Fargate runtime (GuardDuty manages the agent), RDS logins, S3 data events. */
  guardDutyFeatures: ['RUNTIME_MONITORING', 'RDS_LOGIN_EVENTS', 'S3_DATA_EVENTS'],
  guardDutyPublishingFrequency: 'FIFTEEN_MINUTES',
  /** Security Hub standards, as the path after `standards/` in their regional ARNs. */
  securityHubStandards: ['aws-foundational-security-best-practices/v/1.0.0', 'cis-aws-foundations-benchmark/v/3.0.0'],
  /** Inspector scans the app's container images (ECR) and the stage's functions (Lambda). */
  inspectorResourceTypes: ['ECR', 'LAMBDA'],
  findingSeverityThreshold: 'HIGH' as FindingSeverity,
  /** How long AWS Config's snapshots and history files are kept: evidence for an audit year and its review. */
  configHistoryRetention: Duration.days(730),
  /** How often AWS Config delivers a full configuration snapshot. */
  configSnapshotFrequency: 'TwentyFour_Hours',
} as const;
