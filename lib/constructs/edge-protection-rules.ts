import { Duration } from 'aws-cdk-lib';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { webAclCapacity } from './waf-capacity';

/** A regional WAF on an ALB inspects at most this many body bytes. */
export const REGIONAL_BODY_INSPECTION_LIMIT = 8192;
/** The evaluation windows AWS WAF offers rate-based rules, in seconds. */
export const RATE_LIMIT_WINDOWS_SECONDS: readonly number[] = [60, 120, 300, 600];

/** The AWS managed rule groups EdgeProtection can run, in evaluation order. */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAntiDDoSRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesAnonymousIpList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesSQLiRuleSet',
  'AWSManagedRulesBotControlRuleSet',
] as const;
export type ManagedRuleGroupName = (typeof MANAGED_RULE_GROUPS)[number];

/** Groups that run only when a prop asks for them. */
const OPT_IN_GROUPS: ReadonlySet<ManagedRuleGroupName> = new Set(['AWSManagedRulesAntiDDoSRuleSet', 'AWSManagedRulesBotControlRuleSet']);

/**
 * Names of the web ACL's own rules. Each is also the rule's CloudWatch metric name (the
 * `Rule` dimension of AWS/WAFV2 metrics), and managed groups use their group name.
 */
export const EDGE_RULES = {
  allowList: 'AllowList',
  blockList: 'BlockList',
  rateLimitPerIp: 'RateLimitPerIp',
  rateLimitPerUser: 'RateLimitPerUser',
  bodySizeLimit: 'BodySizeLimit',
} as const;

/** The rule of AWSManagedRulesAnonymousIpList that matches cloud and hosting provider addresses. */
export const HOSTING_PROVIDER_RULE = 'HostingProviderIPList';

/** The props of EdgeProtection that shape its rules. */
export interface EdgeRuleOptions {
  /**
   * Requests one client IP may make per evaluation window before it is blocked (429).
   * @default 2000
   */
  readonly rateLimitPerIp?: number;
  /**
   * Requests one Authorization header value may make per evaluation window (429).
   * Requests without the header are not counted by this rule.
   * @default 1000
   */
  readonly rateLimitPerUser?: number;
  /**
   * Evaluation window of both rate-based rules: 1, 2, 5 or 10 minutes.
   * @default Duration.minutes(5)
   */
  readonly rateLimitWindow?: Duration;
  /**
   * Largest request body let through, in bytes (at most 8192, the regional inspection
   * limit; larger bodies are treated as over the limit). Blocked with a 413.
   * @default 8192
   */
  readonly maxBodyBytes?: number;
  /**
   * URI path prefixes exempt from the body-size rule, where the app accepts larger bodies
   * and enforces its own limit. Matched after URL-decoding and path normalisation, so
   * `/v1/notes/../admin` is not exempt.
   * @default - no exemptions
   */
  readonly largeBodyPathPrefixes?: string[];
  /**
   * Run the AWS Bot Control managed group (common level). Priced per request inspected.
   * @default false
   */
  readonly botControl?: boolean;
  /**
   * Run the anti-DDoS managed rule group (`AWSManagedRulesAntiDDoSRuleSet`, 50 WCU, priced
   * per request) first among the managed groups: it learns the traffic baseline and blocks
   * requests taking part in a layer-7 flood. Challenges are off (API clients cannot answer
   * them), so suspect requests are blocked at low sensitivity instead.
   * @default false
   */
  readonly antiDdosRuleGroup?: boolean;
  /**
   * Block, rather than count, requests from hosting and cloud providers
   * (`HostingProviderIPList` of the anonymous-IP group). Counting is the default because
   * that list matches every server-to-server caller, CI runner and uptime monitor.
   * @default false
   */
  readonly blockHostingProviders?: boolean;
  /**
   * Managed rule groups (names from {@link MANAGED_RULE_GROUPS}) to run in count mode,
   * e.g. while tuning false positives: they label and count but never block.
   * @default - every group blocks
   */
  readonly countModeRuleGroups?: string[];
}

/** Everything the web ACL's rules are built from, after defaults and validation. */
export interface EdgeRuleSettings {
  readonly rateLimitPerIp: number;
  readonly rateLimitPerUser: number;
  readonly windowSeconds: number;
  readonly maxBodyBytes: number;
  readonly largeBodyPathPrefixes: string[];
  readonly botControl: boolean;
  readonly antiDdos: boolean;
  readonly blockHostingProviders: boolean;
  readonly countMode: ReadonlySet<string>;
}

/** ARNs of the four IP sets the rules reference. */
export interface EdgeIpSetArns {
  readonly allowIpv4: string;
  readonly allowIpv6: string;
  readonly blockIpv4: string;
  readonly blockIpv6: string;
}

export function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName };
}

const NO_TRANSFORMATION = [{ priority: 0, type: 'NONE' }];

function anyOf(statements: wafv2.CfnWebACL.StatementProperty[]): wafv2.CfnWebACL.StatementProperty {
  return statements.length === 1 ? statements[0] : { orStatement: { statements } };
}

function ipSetMatch(arn: string): wafv2.CfnWebACL.StatementProperty {
  return { ipSetReferenceStatement: { arn } };
}

/** Per-group settings: which rules are overridden, and the configuration some groups require. */
function managedGroupStatement(group: ManagedRuleGroupName, s: EdgeRuleSettings): wafv2.CfnWebACL.ManagedRuleGroupStatementProperty {
  switch (group) {
    case 'AWSManagedRulesCommonRuleSet':
      // Replaced by our own BodySizeLimit, which exempts the paths that take large bodies.
      return { vendorName: 'AWS', name: group, ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }] };
    case 'AWSManagedRulesAnonymousIpList':
      // HostingProviderIPList matches every cloud-hosted client (server-to-server callers,
      // CI runners, uptime checks): counted unless the operator chose to block them.
      return {
        vendorName: 'AWS',
        name: group,
        ruleActionOverrides: s.blockHostingProviders ? undefined : [{ name: HOSTING_PROVIDER_RULE, actionToUse: { count: {} } }],
      };
    case 'AWSManagedRulesBotControlRuleSet':
      return { vendorName: 'AWS', name: group, managedRuleGroupConfigs: [{ awsManagedRulesBotControlRuleSet: { inspectionLevel: 'COMMON' } }] };
    case 'AWSManagedRulesAntiDDoSRuleSet':
      return {
        vendorName: 'AWS',
        name: group,
        managedRuleGroupConfigs: [
          {
            awsManagedRulesAntiDDoSRuleSet: {
              // API clients cannot answer a JavaScript challenge; the group blocks instead.
              clientSideActionConfig: { challenge: { usageOfAction: 'DISABLED' } },
              sensitivityToBlock: 'LOW',
            },
          },
        ],
      };
    default:
      return { vendorName: 'AWS', name: group };
  }
}

/** The web ACL's rules in evaluation order; each rule's name is its metric name. */
export function buildEdgeRules(s: EdgeRuleSettings, ipSets: EdgeIpSetArns): wafv2.CfnWebACL.RuleProperty[] {
  const own = (name: string, action: wafv2.CfnWebACL.RuleActionProperty, statement: wafv2.CfnWebACL.StatementProperty) => ({
    name,
    action,
    statement,
    visibilityConfig: visibility(name),
  });
  const blockWith = (responseCode: number): wafv2.CfnWebACL.RuleActionProperty => ({ block: { customResponse: { responseCode } } });

  const bodyTooLarge: wafv2.CfnWebACL.StatementProperty = {
    sizeConstraintStatement: {
      // Bodies beyond what the WAF inspects (8 KiB on an ALB) count as too large.
      fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
      comparisonOperator: 'GT',
      size: s.maxBodyBytes,
      textTransformations: NO_TRANSFORMATION,
    },
  };
  const exemptPath = anyOf(
    s.largeBodyPathPrefixes.map((prefix) => ({
      byteMatchStatement: {
        searchString: prefix,
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'STARTS_WITH',
        // Decode and normalise first, so /v1/notes/../admin or /v1/%6eotes match what the app routes.
        textTransformations: [
          { priority: 0, type: 'URL_DECODE' },
          { priority: 1, type: 'NORMALIZE_PATH' },
        ],
      },
    })),
  );

  const ownRules = [
    own(EDGE_RULES.allowList, { allow: {} }, anyOf([ipSetMatch(ipSets.allowIpv4), ipSetMatch(ipSets.allowIpv6)])),
    own(EDGE_RULES.blockList, { block: {} }, anyOf([ipSetMatch(ipSets.blockIpv4), ipSetMatch(ipSets.blockIpv6)])),
    own(EDGE_RULES.rateLimitPerIp, blockWith(429), {
      // The ALB is internet-facing, so the source address WAF sees is the client's.
      rateBasedStatement: { limit: s.rateLimitPerIp, evaluationWindowSec: s.windowSeconds, aggregateKeyType: 'IP' },
    }),
    own(EDGE_RULES.rateLimitPerUser, blockWith(429), {
      rateBasedStatement: {
        limit: s.rateLimitPerUser,
        evaluationWindowSec: s.windowSeconds,
        aggregateKeyType: 'CUSTOM_KEYS',
        // The raw header value is the key: one bearer token, one budget.
        customKeys: [{ header: { name: 'authorization', textTransformations: NO_TRANSFORMATION } }],
      },
    }),
    // Replaces the Common rule set's SizeRestrictions_BODY (overridden to count below),
    // which blocks every body over 8 KiB: the app accepts 10,000-character notes on the
    // exempt paths and answers 413 itself there.
    own(
      EDGE_RULES.bodySizeLimit,
      blockWith(413),
      s.largeBodyPathPrefixes.length === 0 ? bodyTooLarge : { andStatement: { statements: [bodyTooLarge, { notStatement: { statement: exemptPath } }] } },
    ),
  ];

  // Anti-DDoS first among the groups (it must see every request to learn the baseline),
  // then the cheap source-IP groups; Bot Control, priced per request inspected, last so it
  // sees only what every other rule let through.
  const optedIn = (group: ManagedRuleGroupName) =>
    !OPT_IN_GROUPS.has(group) || (group === 'AWSManagedRulesBotControlRuleSet' ? s.botControl : s.antiDdos);
  const managedRules = MANAGED_RULE_GROUPS.filter(optedIn).map((group) => ({
    name: group,
    overrideAction: s.countMode.has(group) ? { count: {} } : { none: {} },
    statement: { managedRuleGroupStatement: managedGroupStatement(group, s) },
    visibilityConfig: visibility(group),
  }));

  return [...ownRules, ...managedRules].map((rule, priority) => ({ ...rule, priority }));
}

/** The options with their defaults applied (validation is the construct's). */
export function edgeRuleSettings(o: EdgeRuleOptions): EdgeRuleSettings {
  return {
    rateLimitPerIp: o.rateLimitPerIp ?? 2000,
    rateLimitPerUser: o.rateLimitPerUser ?? 1000,
    windowSeconds: (o.rateLimitWindow ?? Duration.minutes(5)).toSeconds(),
    maxBodyBytes: o.maxBodyBytes ?? REGIONAL_BODY_INSPECTION_LIMIT,
    largeBodyPathPrefixes: o.largeBodyPathPrefixes ?? [],
    botControl: o.botControl ?? false,
    antiDdos: o.antiDdosRuleGroup ?? false,
    blockHostingProviders: o.blockHostingProviders ?? false,
    countMode: new Set(o.countModeRuleGroups ?? []),
  };
}

// Stryker disable next-line ObjectLiteral,StringLiteral: placeholders: a rule's WCU depends on its statements' kinds, never on an IP set ARN's text
const UNRESOLVED_IP_SET: EdgeIpSetArns = { allowIpv4: 'allow-ipv4', allowIpv6: 'allow-ipv6', blockIpv4: 'block-ipv4', blockIpv6: 'block-ipv6' };

/**
 * WCU of the web ACL EdgeProtection builds from `options`, before any construct exists
 * (a stage's quota budget), with Shield's automatic-response group when it is on. The
 * construct reports the same figure as `capacityUnits`.
 */
export function edgeWebAclCapacity(options: EdgeRuleOptions, shieldAutomaticResponse: boolean): number {
  return webAclCapacity(buildEdgeRules(edgeRuleSettings(options), UNRESOLVED_IP_SET), shieldAutomaticResponse);
}
