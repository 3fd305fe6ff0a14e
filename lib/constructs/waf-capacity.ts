import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';

/**
 * Web ACL capacity units (WCU) of the AWS managed rule groups EdgeProtection can run, as
 * the AWS WAF Developer Guide lists them ("AWS Managed Rules rule groups list"). A group's
 * capacity is fixed by AWS; a new group must be added here before it can be used.
 */
export const MANAGED_RULE_GROUP_CAPACITY: Readonly<Record<string, number>> = {
  AWSManagedRulesAntiDDoSRuleSet: 50,
  AWSManagedRulesAmazonIpReputationList: 25,
  AWSManagedRulesAnonymousIpList: 50,
  AWSManagedRulesCommonRuleSet: 700,
  AWSManagedRulesKnownBadInputsRuleSet: 200,
  AWSManagedRulesSQLiRuleSet: 200,
  AWSManagedRulesBotControlRuleSet: 50,
};

/** WCU of the rule group Shield Advanced adds to the web ACL for automatic application-layer response. */
export const SHIELD_AUTOMATIC_RESPONSE_CAPACITY = 150;
/** WCU the base price of a web ACL covers; capacity above it is charged per 500 WCU. */
export const WEB_ACL_INCLUDED_CAPACITY = 1500;
/** The most WCU one web ACL may use (a fixed limit, not a Service Quotas value). */
export const WEB_ACL_MAX_CAPACITY = 5000;

const TEXT_TRANSFORMATION_CAPACITY = 10;
const RATE_KEY_CAPACITY = 30;

interface TextTransformation {
  readonly type: string;
}

function transformationCapacity(transformations: readonly TextTransformation[] | undefined): number {
  return (transformations ?? []).filter((t) => t.type !== 'NONE').length * TEXT_TRANSFORMATION_CAPACITY;
}

/**
 * WCU of one rule statement, by the per-statement costs of the WAF Developer Guide: an IP
 * set reference 1; a size constraint 1; a string match 2 (exact, prefix, suffix) or 10
 * (contains); a rate-based rule 2 plus 30 per custom key; every text transformation other
 * than NONE 10; logical statements the sum of what they nest. Throws on a statement type
 * it has no price for, so a new kind of rule cannot slip past the budget.
 */
export function statementCapacity(statement: wafv2.CfnWebACL.StatementProperty): number {
  // The rules are built from plain objects in this library, never from tokens.
  const s = statement as Record<string, any>;
  if (s.ipSetReferenceStatement) return 1;
  if (s.sizeConstraintStatement) return 1 + transformationCapacity(s.sizeConstraintStatement.textTransformations);
  if (s.byteMatchStatement) {
    const base = ['EXACTLY', 'STARTS_WITH', 'ENDS_WITH'].includes(s.byteMatchStatement.positionalConstraint) ? 2 : 10;
    return base + transformationCapacity(s.byteMatchStatement.textTransformations);
  }
  if (s.rateBasedStatement) {
    const keys: Array<Record<string, { textTransformations?: TextTransformation[] }>> = s.rateBasedStatement.customKeys ?? [];
    const keyCapacity = keys.reduce((sum, key) => sum + RATE_KEY_CAPACITY + Object.values(key).reduce((t, k) => t + transformationCapacity(k?.textTransformations), 0), 0);
    const scopeDown = s.rateBasedStatement.scopeDownStatement ? statementCapacity(s.rateBasedStatement.scopeDownStatement) : 0;
    return 2 + keyCapacity + scopeDown;
  }
  if (s.andStatement) return sumOf(s.andStatement.statements);
  if (s.orStatement) return sumOf(s.orStatement.statements);
  if (s.notStatement) return statementCapacity(s.notStatement.statement);
  if (s.managedRuleGroupStatement) {
    const capacity = MANAGED_RULE_GROUP_CAPACITY[s.managedRuleGroupStatement.name];
    if (capacity === undefined) throw new Error(`No WCU price for managed rule group ${s.managedRuleGroupStatement.name}: add it to MANAGED_RULE_GROUP_CAPACITY`);
    return capacity;
  }
  throw new Error(`No WCU price for rule statement ${Object.keys(s).join(', ')}`);
}

function sumOf(statements: wafv2.CfnWebACL.StatementProperty[]): number {
  return statements.reduce((sum, statement) => sum + statementCapacity(statement), 0);
}

/** WCU of a web ACL's rules, plus Shield's rule group when automatic response is on. */
export function webAclCapacity(rules: wafv2.CfnWebACL.RuleProperty[], shieldAutomaticResponse: boolean): number {
  const own = rules.reduce((sum, rule) => sum + statementCapacity(rule.statement as wafv2.CfnWebACL.StatementProperty), 0);
  return own + (shieldAutomaticResponse ? SHIELD_AUTOMATIC_RESPONSE_CAPACITY : 0);
}
