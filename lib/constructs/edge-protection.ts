import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { IP_SET_SYNC_ENVIRONMENT as SYNC_ENV, WAF_IP_SET_ADDRESS_LIMIT } from '../../lambda/ip-set-sync/config';
import { SyncAfterDeployment } from './sync-after-deployment';
import { DEFAULT_METRIC_NAMESPACE, IP_SET_SYNC_DIMENSIONS, IP_SET_SYNC_METRICS } from '../../lambda/ip-set-sync/metric-names';
import { buildEdgeRules, EDGE_RULES, edgeRuleSettings, MANAGED_RULE_GROUPS, RATE_LIMIT_WINDOWS_SECONDS, REGIONAL_BODY_INSPECTION_LIMIT, visibility, type EdgeRuleOptions, type EdgeRuleSettings } from './edge-protection-rules';
import { BundledFunction, lambdaBundle } from './internal/bundled-function';
import { ShieldMitigationAction, ShieldProtection } from './shield-protection';
import { createLogsEncryptionKey } from './internal/logs-encryption-key';
import { WEB_ACL_MAX_CAPACITY, webAclCapacity } from './waf-capacity';

export { EDGE_RULES, edgeWebAclCapacity, REGIONAL_BODY_INSPECTION_LIMIT, HOSTING_PROVIDER_RULE, MANAGED_RULE_GROUPS, type EdgeRuleOptions, type ManagedRuleGroupName } from './edge-protection-rules';


export type AddressFamily = 'IPv4' | 'IPv6';

export interface EdgeShieldOptions {
  /** Alarms that mean the application is unhealthy (see `ShieldProtectionProps.healthAlarms`). */
  readonly healthAlarms: cloudwatch.IAlarm[];
  /**
   * Shield's automatic application-layer DDoS response: during an event it detected, Shield
   * adds its own rule group (150 WCU) to the web ACL. Off by default: whether an account may
   * enable it differs, and the anti-DDoS managed rule group (`antiDdosRuleGroup`, 50 WCU)
   * does the same job from inside the web ACL without the subscription.
   * @default false
   */
  readonly automaticResponse?: boolean;
  /**
   * Action of Shield's automatic application-layer mitigation rules (with `automaticResponse`).
   * @default ShieldMitigationAction.COUNT
   */
  readonly mitigationAction?: ShieldMitigationAction;
  /**
   * Create a Shield protection group for the resource.
   * @default false
   */
  readonly protectionGroup?: boolean;
}

export interface EdgeProtectionProps extends EdgeRuleOptions {
  /** ARN of the regional resource the web ACL is associated with (ALB, API Gateway stage, ...). */
  readonly resourceArn: string;
  /**
   * Stage name: the STAGE of the sync function and the Stage dimension of its metrics.
   * @default - the web ACL's `name` (its first 64 characters)
   */
  readonly stage?: string;
  /**
   * Name of the web ACL; also the prefix of the IP sets, of the `aws-waf-logs-<name>` log
   * group and of the Shield protection. Letters, digits, `-` and `_`.
   * @default - a name unique to this construct's path
   */
  readonly name?: string;
  /**
   * CIDRs (IPv4 and IPv6 mixed) that are always allowed, evaluated before every other rule.
   * @default - none
   */
  readonly allowedAddresses?: string[];
  /**
   * Operator blocklist the sync function reads: an SSM parameter name (`/...`) or
   * `s3://bucket/key`. The construct does not create it: a parameter owned by
   * CloudFormation would be written back to its template value on every update,
   * discarding the operator's entries. A parameter or object that does not exist yet is an
   * empty blocklist. The sync function always reads it, so `reputationListUrls` needs it too.
   * @default - no blocklist: without `reputationListUrls` either, no sync function, schedule
   * or post-deployment sync is built and the block sets stay empty
   */
  readonly blocklistSource?: string;
  /**
   * Key the blocklist is encrypted with (SecureString parameter or SSE-KMS object).
   * @default - not encrypted with a customer managed key; no kms:Decrypt is granted
   */
  readonly blocklistEncryptionKey?: kms.IKey;
  /**
   * HTTPS URLs of reputation lists (one CIDR per line) merged into the block sets.
   * @default - none
   */
  readonly reputationListUrls?: string[];
  /**
   * Largest fraction of a block set one sync may remove; a bigger shrink is refused.
   * @default 0.25
   */
  readonly maxShrinkFraction?: number;
  /**
   * Time between two syncs of the block sets. A sync also runs right after every
   * deployment that creates or changes the IP sets, so a new or updated web ACL does not
   * wait a whole interval with empty block sets.
   * @default Duration.hours(1)
   */
  readonly syncInterval?: Duration;
  /**
   * Concurrent executions reserved for the sync function. None by default: a fresh
   * account's concurrency quota is 10 and AWS refuses any reservation that leaves fewer
   * than that unreserved. Overlapping runs are safe (each IP-set write carries the lock
   * token it read, and a conflict is retried on fresh state).
   * @default - no reservation
   */
  readonly syncReservedConcurrency?: number;
  /**
   * CloudWatch namespace of the sync function's metrics.
   * @default 'Bulwark/Operations'
   */
  readonly metricNamespace?: string;
  /**
   * Retention of the WAF log group and of the sync function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Key encrypting the WAF log group and the sync function's log group.
   * @default - a new customer managed key with rotation
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * What happens to the WAF log group and the new log key when they leave the stack:
   * RETAIN keeps the logs as evidence, DESTROY suits short-lived stacks.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * What happens to the WAF log group when it leaves the stack, overriding `removalPolicy`
   * for the log group only (the key follows `removalPolicy`).
   * @default - `removalPolicy`
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Log allowed requests too. Off by default: at thousands of requests per second full
   * logs cost more than the WAF; blocked, counted, CAPTCHA and challenge requests are
   * always logged.
   * @default false
   */
  readonly logAllowedRequests?: boolean;
  /**
   * Shield Advanced protection of the resource, with health-based detection and automatic
   * application-layer mitigation. The account must already be subscribed to Shield Advanced.
   * @default - no Shield Advanced protection
   */
  readonly shieldAdvanced?: EdgeShieldOptions;
}

/**
 * A regional WAFv2 web ACL for one resource. Rules in evaluation order: the allow list,
 * the block lists (IPv4 and IPv6 sets kept current by a scheduled sync function), a
 * rate limit per client IP and one per Authorization header value, a body-size limit,
 * then the AWS managed groups (IP reputation, anonymous IPs, common, known bad inputs,
 * SQL injection, optional Bot Control), each switchable to count mode. Logs go to an
 * encrypted `aws-waf-logs-*` log group with the Authorization header redacted.
 *
 * Optionally adds a Shield Advanced protection ({@link ShieldProtection}); the account
 * must already have a Shield Advanced subscription.
 *
 * The block sets' addresses are owned by the sync function: a change to an IP set's
 * properties in this construct makes CloudFormation write its (empty) template list back
 * until the next sync, so leave those resources alone.
 */
export class EdgeProtection extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly webAclAssociation: wafv2.CfnWebACLAssociation;
  /** Name of the web ACL, also its metric name (the `WebACL` dimension). */
  readonly webAclName: string;
  /** Allowed addresses (static, from props) and blocked addresses (kept by the sync function). */
  readonly ipSets: {
    readonly allowIpv4: wafv2.CfnIPSet;
    readonly allowIpv6: wafv2.CfnIPSet;
    readonly blockIpv4: wafv2.CfnIPSet;
    readonly blockIpv6: wafv2.CfnIPSet;
  };
  readonly logGroup: logs.LogGroup;
  readonly loggingConfiguration: wafv2.CfnLoggingConfiguration;
  /** The ip-set-sync Lambda (undefined without `blocklistSource` and `reputationListUrls`). */
  readonly syncFunction?: lambda.Function;
  /** The sync function's role: the IP-set, blocklist and log grants only (undefined without a sync). */
  readonly syncFunctionRole?: iam.Role;
  /** The schedule of the sync (undefined without a sync). */
  readonly syncSchedule?: events.Rule;
  /** Runs the sync once after each deployment that creates or changes the block IP sets (undefined without a sync). */
  readonly syncAfterDeployment?: SyncAfterDeployment;
  /** Time between two syncs, the period of the sync metrics (undefined without a sync). */
  readonly syncInterval?: Duration;
  /** Names of every rule in the web ACL, in evaluation order (metric names of the `Rule` dimension). */
  readonly ruleNames: string[];
  /**
   * Web ACL capacity units the rules use, Shield's automatic-response group included when
   * it is on (see {@link webAclCapacity}); at most 5,000, and 1,500 are in the base price.
   */
  readonly capacityUnits: number;
  readonly shieldProtection?: ShieldProtection;

  private readonly metricNamespace: string;
  private readonly stage: string;

  constructor(scope: Construct, id: string, props: EdgeProtectionProps) {
    super(scope, id);
    const settings = resolveProps(this, props);
    const stack = Stack.of(this);
    this.webAclName = settings.name;
    this.metricNamespace = settings.metricNamespace;
    this.stage = settings.stage;

    const ipSet = (setId: string, suffix: string, version: 'IPV4' | 'IPV6', addresses: string[], description: string) =>
      new wafv2.CfnIPSet(this, setId, { name: `${settings.name}-${suffix}`, scope: 'REGIONAL', ipAddressVersion: version, addresses, description });
    this.ipSets = {
      allowIpv4: ipSet('AllowIpv4', 'allow-ipv4', 'IPV4', settings.allowed.ipv4, 'Always allowed - static list from the construct props'),
      allowIpv6: ipSet('AllowIpv6', 'allow-ipv6', 'IPV6', settings.allowed.ipv6, 'Always allowed - static list from the construct props'),
      blockIpv4: ipSet('BlockIpv4', 'block-ipv4', 'IPV4', [], 'Blocked - addresses maintained by the ip-set-sync function'),
      blockIpv6: ipSet('BlockIpv6', 'block-ipv6', 'IPV6', [], 'Blocked - addresses maintained by the ip-set-sync function'),
    };

    const rules = buildEdgeRules(settings, {
      allowIpv4: this.ipSets.allowIpv4.attrArn,
      allowIpv6: this.ipSets.allowIpv6.attrArn,
      blockIpv4: this.ipSets.blockIpv4.attrArn,
      blockIpv6: this.ipSets.blockIpv6.attrArn,
    });
    this.ruleNames = rules.map((rule) => rule.name);
    this.capacityUnits = webAclCapacity(rules, props.shieldAdvanced?.automaticResponse ?? false);
    if (this.capacityUnits > WEB_ACL_MAX_CAPACITY) {
      throw new Error(`Invalid EdgeProtection props: the rules need ${this.capacityUnits} WCU, more than the ${WEB_ACL_MAX_CAPACITY} a web ACL may use (turn off botControl, antiDdosRuleGroup or shieldAdvanced.automaticResponse)`);
    }
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: settings.name,
      scope: 'REGIONAL',
      description: 'Allow list, block lists, rate limits, body size, AWS managed rule groups',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(settings.name),
      rules,
    });
    this.webAclAssociation = new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.resourceArn,
      webAclArn: this.webAcl.attrArn,
    });

    // --- logging -------------------------------------------------------------------
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logEncryptionKey = props.logEncryptionKey ?? createLogsEncryptionKey(this, 'LogKey', 'Encrypts the WAF and IP-set sync logs', removalPolicy);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // WAF delivers only to log groups whose name starts with aws-waf-logs-.
      logGroupName: `aws-waf-logs-${settings.name}`,
      retention: settings.logRetention,
      encryptionKey: logEncryptionKey,
      removalPolicy: props.logRemovalPolicy ?? removalPolicy,
    });
    this.loggingConfiguration = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group ARN without the ":*" that LogGroup.logGroupArn ends with.
      logDestinationConfigs: [
        stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: this.logGroup.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
      loggingFilter: props.logAllowedRequests
        ? undefined
        : {
            DefaultBehavior: 'DROP',
            Filters: [
              {
                Behavior: 'KEEP',
                Requirement: 'MEETS_ANY',
                Conditions: ['BLOCK', 'COUNT', 'CAPTCHA', 'CHALLENGE', 'EXCLUDED_AS_COUNT'].map((action) => ({ ActionCondition: { Action: action } })),
              },
            ],
          },
    });
    this.loggingConfiguration.node.addDependency(this.logGroup);

    // --- IP-set sync ---------------------------------------------------------------
    // Without a blocklist there is nothing to sync (resolveProps refuses reputation lists
    // without one): the block sets stay empty and no function is built.
    const blocklistSource = props.blocklistSource;
    if (blocklistSource !== undefined) {
      this.syncInterval = settings.syncInterval;
      const bundled = new BundledFunction(this, 'IpSetSync', {
        code: lambdaBundle('ip-set-sync'),
        description: `Syncs the ${settings.name} WAF block IP sets from the operator blocklist and reputation lists`,
        timeout: Duration.minutes(2),
        logRetention: settings.logRetention,
        logEncryptionKey,
        reservedConcurrentExecutions: props.syncReservedConcurrency,
        // A failed run is not retried by Lambda: the reputation feeds allow one fetch an hour,
        // and the next scheduled run redoes the whole sync anyway.
        retryAttempts: 0,
        environment: {
          [SYNC_ENV.blocklistSource]: blocklistSource,
          [SYNC_ENV.reputationListUrls]: JSON.stringify(settings.reputationListUrls),
          [SYNC_ENV.ipv4SetName]: `${settings.name}-block-ipv4`,
          [SYNC_ENV.ipv4SetId]: this.ipSets.blockIpv4.attrId,
          [SYNC_ENV.ipv6SetName]: `${settings.name}-block-ipv6`,
          [SYNC_ENV.ipv6SetId]: this.ipSets.blockIpv6.attrId,
          [SYNC_ENV.ipSetScope]: 'REGIONAL',
          [SYNC_ENV.maxEntries]: String(WAF_IP_SET_ADDRESS_LIMIT),
          [SYNC_ENV.maxShrinkFraction]: String(settings.maxShrinkFraction),
          [SYNC_ENV.fetchTimeoutMs]: '10000',
          [SYNC_ENV.metricNamespace]: settings.metricNamespace,
          [SYNC_ENV.stage]: settings.stage,
        },
      });
      this.syncFunction = bundled.function;
      this.syncFunctionRole = bundled.role;
      this.grantSyncAccess(this.syncFunctionRole, blocklistSource, props.blocklistEncryptionKey);
      this.syncSchedule = new events.Rule(this, 'SyncSchedule', {
        description: `Runs the ${settings.name} IP-set sync`,
        schedule: events.Schedule.rate(settings.syncInterval),
        targets: [new eventsTargets.LambdaFunction(this.syncFunction, { retryAttempts: 0 })],
      });
      this.syncAfterDeployment = new SyncAfterDeployment(this, 'SyncAfterDeployment', {
        syncFunction: this.syncFunction,
        ipSets: [this.ipSets.blockIpv4, this.ipSets.blockIpv6],
        logGroup: new logs.LogGroup(this, 'SyncAfterDeploymentLogs', {
          retention: settings.logRetention,
          encryptionKey: logEncryptionKey,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      });
    }

    // --- Shield Advanced -------------------------------------------------------------
    if (props.shieldAdvanced) {
      this.shieldProtection = new ShieldProtection(this, 'Shield', {
        resourceArn: props.resourceArn,
        name: settings.name,
        healthAlarms: props.shieldAdvanced.healthAlarms,
        protectionGroup: props.shieldAdvanced.protectionGroup ?? false,
        automaticMitigation: props.shieldAdvanced.automaticResponse
          ? {
              action: props.shieldAdvanced.mitigationAction ?? ShieldMitigationAction.COUNT,
              // Shield refuses automatic mitigation for a resource without an associated web ACL.
              webAclAssociation: this.webAclAssociation,
            }
          : undefined,
      });
    }
  }

  // --- WAF metrics (AWS/WAFV2, Sum, 1 minute) ------------------------------------------

  /** Requests the web ACL blocked, by any rule. */
  metricBlockedRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wafMetric('BlockedRequests', 'ALL', props);
  }

  /** Requests the web ACL allowed (by the allow list or the default action). */
  metricAllowedRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wafMetric('AllowedRequests', 'ALL', props);
  }

  /** Requests counted by rules or groups in count mode. */
  metricCountedRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wafMetric('CountedRequests', 'ALL', props);
  }

  /** Requests one rule blocked; `ruleName` is one of {@link EdgeProtection.ruleNames}. */
  metricRuleBlockedRequests(ruleName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wafMetric('BlockedRequests', this.knownRule(ruleName), props);
  }

  /** Requests one rule (or a group in count mode) counted. */
  metricRuleCountedRequests(ruleName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wafMetric('CountedRequests', this.knownRule(ruleName), props);
  }

  /** Requests the allow-list rule let through. */
  metricRuleAllowedRequests(ruleName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wafMetric('AllowedRequests', this.knownRule(ruleName), props);
  }

  /** Requests blocked by the per-IP rate limit. */
  metricRateLimitedPerIp(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricRuleBlockedRequests(EDGE_RULES.rateLimitPerIp, props);
  }

  /** Requests blocked by the per-user (Authorization header) rate limit. */
  metricRateLimitedPerUser(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricRuleBlockedRequests(EDGE_RULES.rateLimitPerUser, props);
  }

  /** Requests blocked by the block lists. */
  metricBlockListedRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricRuleBlockedRequests(EDGE_RULES.blockList, props);
  }

  // --- IP-set sync metrics (emitted by the function as EMF; period = sync interval) -----

  /** Failed sources plus failed IP-set writes per run (Sum); 0 on a clean run. */
  metricSyncFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.syncMetric(IP_SET_SYNC_METRICS.failures, 'Sum', undefined, props);
  }

  /** Source entries rejected as invalid CIDRs per run (Sum). */
  metricSyncRejectedEntries(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.syncMetric(IP_SET_SYNC_METRICS.rejectedEntries, 'Sum', undefined, props);
  }

  /** Addresses in a block set after the last run (Maximum). */
  metricSyncEntries(family: AddressFamily, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.syncMetric(IP_SET_SYNC_METRICS.entries, 'Maximum', family, props);
  }

  /** Addresses added plus removed by a run (Sum). */
  metricSyncChanges(family: AddressFamily, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.syncMetric(IP_SET_SYNC_METRICS.changes, 'Sum', family, props);
  }

  /** CIDRs left out because the set hit the 10,000-entry cap (Maximum). */
  metricSyncTruncated(family: AddressFamily, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.syncMetric(IP_SET_SYNC_METRICS.truncated, 'Maximum', family, props);
  }

  /** 1 when a run refused to shrink the set beyond maxShrinkFraction (Maximum). */
  metricSyncShrinkRefused(family: AddressFamily, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.syncMetric(IP_SET_SYNC_METRICS.shrinkRefused, 'Maximum', family, props);
  }

  /** Errors of the sync function itself (Lambda Errors, Sum): crashes and failed runs. */
  metricSyncFunctionErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const { syncFunction, syncInterval } = this.requireSync('metricSyncFunctionErrors');
    return syncFunction.metricErrors({ period: syncInterval, ...props });
  }

  private wafMetric(metricName: string, rule: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName,
      dimensionsMap: { WebACL: this.webAclName, Region: Stack.of(this).region, Rule: rule },
      statistic: 'Sum',
      period: Duration.minutes(1),
      ...props,
    });
  }

  private syncMetric(metricName: string, statistic: string, family: AddressFamily | undefined, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricNamespace,
      metricName,
      dimensionsMap: {
        [IP_SET_SYNC_DIMENSIONS.stage]: this.stage,
        ...(family ? { [IP_SET_SYNC_DIMENSIONS.addressFamily]: family } : {}),
      },
      statistic,
      period: this.requireSync(metricName).syncInterval,
      ...props,
    });
  }

  /** The sync's function and interval; a clear error for a sync metric of a construct without a sync. */
  private requireSync(metric: string): { syncFunction: lambda.Function; syncInterval: Duration } {
    if (!this.syncFunction || !this.syncInterval) {
      throw new Error(`EdgeProtection ${this.node.path} has no IP-set sync (no blocklistSource), so it has no ${metric} metric`);
    }
    return { syncFunction: this.syncFunction, syncInterval: this.syncInterval };
  }

  private knownRule(ruleName: string): string {
    if (!this.ruleNames.includes(ruleName)) throw new Error(`ruleName "${ruleName}" is not a rule of this web ACL (${this.ruleNames.join(', ')})`);
    return ruleName;
  }

  private grantSyncAccess(role: iam.Role, source: string, blocklistEncryptionKey: kms.IKey | undefined): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'],
        resources: [this.ipSets.blockIpv4.attrArn, this.ipSets.blockIpv6.attrArn],
      }),
    );
    if (source.startsWith('s3://')) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:${stack.partition}:s3:::${source.slice('s3://'.length)}`] }));
    } else {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: source.replace(/^\//, '') })],
        }),
      );
    }
    blocklistEncryptionKey?.grantDecrypt(role);

    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Log streams are created at run time with unpredictable names, so the grant is on the streams of the function\'s own log group only; X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions. WAF, SSM and S3 grants name the exact IP sets, parameter or object.',
          appliesTo: ['Resource::*', { regex: '/^Resource::<.*LogGroup.*\\.Arn>:log-stream:\\*$/g' }],
        },
      ],
      true,
    );
  }
}

interface ResolvedEdgeSettings extends EdgeRuleSettings {
  readonly name: string;
  readonly stage: string;
  readonly allowed: { readonly ipv4: string[]; readonly ipv6: string[] };
  readonly reputationListUrls: string[];
  readonly maxShrinkFraction: number;
  readonly syncInterval: Duration;
  readonly metricNamespace: string;
  readonly logRetention: logs.RetentionDays;
}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

function resolveProps(scope: Construct, props: EdgeProtectionProps): ResolvedEdgeSettings {
  const problems: string[] = [];
  const name = props.name ?? Names.uniqueResourceName(scope, { maxLength: 80, separator: '-' });
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(name)) problems.push(`name must be 1..100 letters, digits, "-" or "_" (got "${name}")`);

  const integerIn = (field: string, value: number, min: number, max: number) => {
    if (!(Number.isInteger(value) && value >= min && value <= max)) problems.push(`${field} must be an integer between ${min} and ${max} (got ${value})`);
  };
  const rules = edgeRuleSettings(props);
  integerIn('rateLimitPerIp', rules.rateLimitPerIp, 10, 2_000_000_000);
  integerIn('rateLimitPerUser', rules.rateLimitPerUser, 10, 2_000_000_000);
  if (!RATE_LIMIT_WINDOWS_SECONDS.includes(rules.windowSeconds)) problems.push(`rateLimitWindow must be 60, 120, 300 or 600 seconds (got ${rules.windowSeconds})`);
  integerIn('maxBodyBytes', rules.maxBodyBytes, 1, REGIONAL_BODY_INSPECTION_LIMIT);
  rules.largeBodyPathPrefixes.forEach((prefix, index) => {
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(prefix)) problems.push(`largeBodyPathPrefixes[${index}] must be a URL path starting with "/" (got "${prefix}")`);
  });
  (props.countModeRuleGroups ?? []).forEach((group, index) => {
    if (!(MANAGED_RULE_GROUPS as readonly string[]).includes(group)) {
      problems.push(`countModeRuleGroups[${index}] "${group}" is not one of ${MANAGED_RULE_GROUPS.join(', ')}`);
    }
  });
  const allowed = { ipv4: [] as string[], ipv6: [] as string[] };
  (props.allowedAddresses ?? []).forEach((cidr, index) => {
    if (IPV4_CIDR.test(cidr)) allowed.ipv4.push(cidr);
    else if (IPV6_CIDR.test(cidr)) allowed.ipv6.push(cidr);
    else problems.push(`allowedAddresses[${index}] must be an IPv4 or IPv6 CIDR such as 192.0.2.0/24 (got "${cidr}")`);
  });
  if (props.blocklistSource !== undefined && !/^(\/[A-Za-z0-9_.\-/]+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+)$/.test(props.blocklistSource)) {
    problems.push(`blocklistSource must be an SSM parameter name (/path) or an S3 object (s3://bucket/key) (got "${props.blocklistSource}")`);
  }
  const reputationListUrls = props.reputationListUrls ?? [];
  if (reputationListUrls.length > 0 && props.blocklistSource === undefined) {
    problems.push('reputationListUrls needs blocklistSource: the sync function reads both (a parameter that does not exist yet is an empty blocklist)');
  }
  const stage = props.stage ?? name.slice(0, 64);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stage)) problems.push(`stage must be 1..64 letters, digits, "-" or "_" (got "${stage}")`);
  reputationListUrls.forEach((url, index) => {
    if (!/^https:\/\/[^\s/]+\/\S*$/.test(url)) problems.push(`reputationListUrls[${index}] must be an https URL (got "${url}")`);
  });
  const maxShrinkFraction = props.maxShrinkFraction ?? 0.25;
  if (!(maxShrinkFraction > 0 && maxShrinkFraction <= 1)) problems.push(`maxShrinkFraction must be in (0, 1] (got ${maxShrinkFraction})`);
  const syncInterval = props.syncInterval ?? Duration.hours(1);
  const syncMinutes = syncInterval.toSeconds() / 60;
  if (!(Number.isInteger(syncMinutes) && syncMinutes >= 5 && syncMinutes <= 1440)) {
    problems.push(`syncInterval must be a whole number of minutes between 5 and 1440 (got ${syncInterval.toSeconds()} s)`);
  }
  if (props.syncReservedConcurrency !== undefined) integerIn('syncReservedConcurrency', props.syncReservedConcurrency, 1, 1000);
  if (props.shieldAdvanced && props.shieldAdvanced.healthAlarms.length === 0) {
    problems.push('shieldAdvanced.healthAlarms must name at least one alarm (health-based detection)');
  }
  if (problems.length > 0) throw new Error(`Invalid EdgeProtection props:\n  - ${problems.join('\n  - ')}`);

  return {
    ...rules,
    name,
    stage,
    allowed,
    reputationListUrls,
    maxShrinkFraction,
    syncInterval,
    metricNamespace: props.metricNamespace ?? DEFAULT_METRIC_NAMESPACE,
    logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
  };
}
