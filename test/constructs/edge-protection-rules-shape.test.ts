/**
 * The exact WAF JSON EdgeProtection's rules become, from the module that builds them. Each
 * test builds its rules itself (no beforeAll), so a mutant in edge-protection-rules.ts is
 * scored against the test that runs it (see docs/testing.md, "static mutants").
 */
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { describe, expect, it } from 'vitest';
import type { EdgeRuleOptions } from '../../lib/constructs/edge-protection-rules';
import { freshModuleEachTest } from '../support/fresh-module';

// Loaded in each test, so the tables the rules are built from (opt-in groups, the hosting
// provider rule, the text transformation) are part of what each test pins.
const edgeRules = freshModuleEachTest(() => import('../../lib/constructs/edge-protection-rules'));

// Stand-ins for the four IP sets' ARNs: the construct passes their attrArn tokens.
const IP_SETS = { allowIpv4: 'arn:allow-ipv4', allowIpv6: 'arn:allow-ipv6', blockIpv4: 'arn:block-ipv4', blockIpv6: 'arn:block-ipv6' };

/** The rules EdgeProtection would put in its web ACL for `options`. */
const rulesFor = (options: EdgeRuleOptions = {}) => edgeRules().buildEdgeRules(edgeRules().edgeRuleSettings(options), IP_SETS);

function ruleNamed(options: EdgeRuleOptions, name: string) {
  const rule = rulesFor(options).find((candidate) => candidate.name === name);
  if (!rule) throw new Error(`no rule ${name}`);
  return rule;
}

/** The managed rule group statement of the rule running `group`. */
const managedGroup = (options: EdgeRuleOptions, group: string) =>
  (ruleNamed(options, group).statement as wafv2.CfnWebACL.StatementProperty).managedRuleGroupStatement as wafv2.CfnWebACL.ManagedRuleGroupStatementProperty;

const ipSet = (arn: string) => ({ ipSetReferenceStatement: { arn } });

describe('every rule is visible in CloudWatch and in sampled requests', () => {
  it('samples requests and publishes metrics under the rule name, for own rules and managed groups alike', () => {
    // The dashboards, alarms and the operator's "why was this blocked" both read these.
    const rules = rulesFor({ botControl: true, antiDdosRuleGroup: true });
    expect(rules.length).toBeGreaterThan(edgeRules().MANAGED_RULE_GROUPS.length);
    for (const rule of rules) {
      expect(rule.visibilityConfig).toEqual({ sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: rule.name });
    }
  });
});

describe('the allow and block lists', () => {
  it('allow outright any address in either allow-list IP set', () => {
    const rule = ruleNamed({}, 'AllowList');
    expect(rule.action).toEqual({ allow: {} });
    expect(rule.statement).toEqual({ orStatement: { statements: [ipSet('arn:allow-ipv4'), ipSet('arn:allow-ipv6')] } });
  });

  it('block outright any address in either block-list IP set', () => {
    const rule = ruleNamed({}, 'BlockList');
    expect(rule.action).toEqual({ block: {} });
    expect(rule.statement).toEqual({ orStatement: { statements: [ipSet('arn:block-ipv4'), ipSet('arn:block-ipv6')] } });
  });
});

describe('the rate limits', () => {
  it('answer 429 Too Many Requests, so clients know to back off', () => {
    for (const name of ['RateLimitPerIp', 'RateLimitPerUser']) {
      expect(ruleNamed({}, name).action).toEqual({ block: { customResponse: { responseCode: 429 } } });
    }
  });

  it('give each raw Authorization header value (one bearer token) its own budget', () => {
    expect(ruleNamed({ rateLimitPerUser: 300 }, 'RateLimitPerUser').statement).toEqual({
      rateBasedStatement: {
        limit: 300,
        evaluationWindowSec: 300,
        aggregateKeyType: 'CUSTOM_KEYS',
        customKeys: [{ header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } }],
      },
    });
  });
});

describe('the body size limit', () => {
  const tooLarge = {
    sizeConstraintStatement: { fieldToMatch: { body: { oversizeHandling: 'MATCH' } }, comparisonOperator: 'GT', size: 4096, textTransformations: [{ priority: 0, type: 'NONE' }] },
  };
  // Decoded and normalised first, so /v1/notes/../admin or /v1/%6eotes match what the app routes.
  const startsWith = (searchString: string) => ({
    byteMatchStatement: {
      searchString,
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'STARTS_WITH',
      textTransformations: [
        { priority: 0, type: 'URL_DECODE' },
        { priority: 1, type: 'NORMALIZE_PATH' },
      ],
    },
  });

  it('answers 413 Content Too Large', () => {
    expect(ruleNamed({}, 'BodySizeLimit').action).toEqual({ block: { customResponse: { responseCode: 413 } } });
  });

  it('exempts a single path prefix with the match itself (WAF refuses an OR of one statement)', () => {
    expect(ruleNamed({ maxBodyBytes: 4096, largeBodyPathPrefixes: ['/v1/notes'] }, 'BodySizeLimit').statement).toEqual({
      andStatement: { statements: [tooLarge, { notStatement: { statement: startsWith('/v1/notes') } }] },
    });
  });

  it('exempts several path prefixes with an OR of their matches', () => {
    expect(ruleNamed({ maxBodyBytes: 4096, largeBodyPathPrefixes: ['/v1/notes', '/v1/uploads'] }, 'BodySizeLimit').statement).toEqual({
      andStatement: { statements: [tooLarge, { notStatement: { statement: { orStatement: { statements: [startsWith('/v1/notes'), startsWith('/v1/uploads')] } } } }] },
    });
  });
});

describe('the managed rule groups', () => {
  it("count the Common rule set's SizeRestrictions_BODY, which BodySizeLimit replaces with its path exemptions", () => {
    expect(managedGroup({}, 'AWSManagedRulesCommonRuleSet')).toEqual({
      vendorName: 'AWS',
      name: 'AWSManagedRulesCommonRuleSet',
      ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
    });
  });

  it('count hosting and cloud provider addresses by default (server-to-server callers, CI, uptime checks)', () => {
    expect(managedGroup({}, 'AWSManagedRulesAnonymousIpList')).toEqual({
      vendorName: 'AWS',
      name: 'AWSManagedRulesAnonymousIpList',
      ruleActionOverrides: [{ name: 'HostingProviderIPList', actionToUse: { count: {} } }],
    });
  });

  it('block hosting and cloud provider addresses only when blockHostingProviders asks', () => {
    expect(managedGroup({ blockHostingProviders: true }, 'AWSManagedRulesAnonymousIpList').ruleActionOverrides).toBeUndefined();
    expect(managedGroup({ blockHostingProviders: false }, 'AWSManagedRulesAnonymousIpList').ruleActionOverrides).toEqual([
      { name: 'HostingProviderIPList', actionToUse: { count: {} } },
    ]);
  });

  it('all block (no count-mode group) unless countModeRuleGroups names them', () => {
    const settings = edgeRules().edgeRuleSettings({});
    expect([...settings.countMode]).toEqual([]);
    const managed = edgeRules().buildEdgeRules(settings, IP_SETS).filter((rule) => (edgeRules().MANAGED_RULE_GROUPS as readonly string[]).includes(rule.name));
    expect(managed.map((rule) => rule.overrideAction)).toEqual(managed.map(() => ({ none: {} })));
    expect(ruleNamed({ countModeRuleGroups: ['AWSManagedRulesSQLiRuleSet'] }, 'AWSManagedRulesSQLiRuleSet').overrideAction).toEqual({ count: {} });
  });
});

describe('which managed groups run', () => {
  const ALWAYS = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesAnonymousIpList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesSQLiRuleSet'];
  const managedNames = (options: EdgeRuleOptions) => rulesFor(options).map((rule) => rule.name).filter((name) => name.startsWith('AWSManagedRules'));

  it('by default the five baseline groups, without the opt-in Anti-DDoS and Bot Control groups (each has its own charge)', () => {
    expect(managedNames({})).toEqual(ALWAYS);
  });

  it('Anti-DDoS first and Bot Control last, each only when its prop asks', () => {
    expect(managedNames({ antiDdosRuleGroup: true })).toEqual(['AWSManagedRulesAntiDDoSRuleSet', ...ALWAYS]);
    expect(managedNames({ botControl: true })).toEqual([...ALWAYS, 'AWSManagedRulesBotControlRuleSet']);
  });
});

describe('rate-limit windows', () => {
  it('are the four AWS WAF offers, in seconds', () => {
    expect(edgeRules().RATE_LIMIT_WINDOWS_SECONDS).toEqual([60, 120, 300, 600]);
  });
});

describe('edgeWebAclCapacity (before any construct exists)', () => {
  it("is the managed groups' published WCU plus the own rules', with Shield's group when asked", async () => {
    const { webAclCapacity } = await import('../../lib/constructs/waf-capacity');
    const expected = webAclCapacity(rulesFor({}), false);
    // Common 700 + KnownBadInputs 200 + SQLi 200 + IpReputation 25 + AnonymousIp 50, and the own rules.
    expect(edgeRules().edgeWebAclCapacity({}, false)).toBe(expected);
    expect(expected).toBeGreaterThan(1175);
    expect(edgeRules().edgeWebAclCapacity({}, true)).toBe(expected + 150);
  });
});
