import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EdgeProtection } from '../../lib/constructs/edge-protection';
import { testApp } from '../support/app';

type Rule = { Name: string; Statement: { RateBasedStatement?: Record<string, unknown> } };

/** The rate-based statements of an EdgeProtection built with `limits`, by rule name. */
function rateStatements(limits: { rateLimitPerIp?: number; rateLimitPerUser?: number; rateLimitWindow?: Duration }) {
  const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new EdgeProtection(stack, 'Edge', {
    resourceArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef',
    stage: 'test',
    name: 'bulwark-test',
    blocklistSource: '/bulwark/test/waf/blocklist',
    ...limits,
  });
  const [acl] = Object.values(Template.fromStack(stack).findResources('AWS::WAFv2::WebACL'));
  const rules: Rule[] = acl.Properties.Rules;
  return Object.fromEntries(rules.filter((rule) => rule.Statement.RateBasedStatement).map((rule) => [rule.Name, rule.Statement.RateBasedStatement]));
}

// Values that differ from every default (2000 per IP, 1000 per user, 5 minutes), so a
// construct that ignored a prop would show its default here.
describe('EdgeProtection rate limits come from its props', () => {
  it('puts rateLimitPerIp, rateLimitPerUser and rateLimitWindow into the two rate-based rules', () => {
    const statements = rateStatements({ rateLimitPerIp: 750, rateLimitPerUser: 300, rateLimitWindow: Duration.minutes(2) });
    expect(statements.RateLimitPerIp).toMatchObject({ Limit: 750, EvaluationWindowSec: 120, AggregateKeyType: 'IP' });
    expect(statements.RateLimitPerUser).toMatchObject({ Limit: 300, EvaluationWindowSec: 120, AggregateKeyType: 'CUSTOM_KEYS' });
  });
});
