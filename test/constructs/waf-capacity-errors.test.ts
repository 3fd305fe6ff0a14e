/**
 * The edges of the WCU pricing: what it refuses, and how it says so, and statements built
 * the ordinary TypeScript way (optional fields left undefined) that it must still price.
 */
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { describe, expect, it } from 'vitest';
import { statementCapacity } from '../../lib/constructs/waf-capacity';

describe('statementCapacity refusing a statement it has no price for', () => {
  it('names every statement kind the object holds, comma-separated, so the author sees the mistake', () => {
    // One statement object with two kinds set (say, a spread that kept an old field): the
    // message must list both readably, not run them together.
    const mixed = { geoMatchStatement: { countryCodes: ['XX'] }, labelMatchStatement: { scope: 'LABEL', key: 'awswaf:managed:x' } };
    expect(() => statementCapacity(mixed)).toThrow(/^No WCU price for rule statement geoMatchStatement, labelMatchStatement$/);
  });
});

/** One custom key: the client IP or the Authorization header, the other kind left undefined. */
const customKey = (byIp: boolean): wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty => ({
  ip: byIp ? {} : undefined,
  header: byIp ? undefined : { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] },
});

describe('statementCapacity of a rate-based rule with custom keys', () => {
  it('prices a key whose unused kinds are present but undefined, as a conditional builder leaves them', () => {
    // CloudFormation rendering drops the undefined fields, so each is a valid single key
    // (30 WCU on top of the rule's 2); the pricing must not trip over the holes.
    const rate = (byIp: boolean) => ({ rateBasedStatement: { limit: 100, aggregateKeyType: 'CUSTOM_KEYS', customKeys: [customKey(byIp)] } });
    expect(statementCapacity(rate(true))).toBe(32);
    expect(statementCapacity(rate(false))).toBe(32);
  });
});
