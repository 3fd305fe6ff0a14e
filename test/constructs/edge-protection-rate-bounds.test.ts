/**
 * The rate limits EdgeProtection accepts, at WAF's own bounds: the windows
 * (RATE_LIMIT_WINDOWS_SECONDS) are exactly the four AWS WAF offers rate-based rules, 1, 2, 5
 * and 10 minutes, and a rate-based rule's limit is 10 to 2,000,000,000 requests. Each edge
 * is accepted; one past it is refused when the construct is built, naming the prop, not by
 * CloudFormation at deploy time.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { testApp } from '../support/app';
import { freshModuleEachTest } from '../support/fresh-module';

// Loaded in each test, so the window table (built when edge-protection-rules.ts loads, and
// read by the construct's validation) is part of what each test pins.
const edge = freshModuleEachTest(() => import('../../lib/constructs/edge-protection'));

/** An EdgeProtection with these rate-limit props (no IP-set sync, so no Lambda to bundle). */
function build(limits: { rateLimitWindow?: Duration; rateLimitPerIp?: number; rateLimitPerUser?: number }) {
  const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  return new (edge().EdgeProtection)(stack, 'Edge', {
    resourceArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef',
    stage: 'test',
    name: 'bulwark-test',
    ...limits,
  });
}

describe('rateLimitWindow', () => {
  it('is accepted at each window WAF offers: 1, 2, 5 and 10 minutes', () => {
    for (const minutes of [1, 2, 5, 10]) expect(() => build({ rateLimitWindow: Duration.minutes(minutes) })).not.toThrow();
  });

  it('is refused at any other window, naming it', () => {
    for (const seconds of [30, 180, 900]) {
      expect(() => build({ rateLimitWindow: Duration.seconds(seconds) })).toThrow(`rateLimitWindow must be 60, 120, 300 or 600 seconds (got ${seconds})`);
    }
  });
});

describe.each(['rateLimitPerIp', 'rateLimitPerUser'] as const)('%s', (prop) => {
  it("is accepted at WAF's bounds, 10 and 2,000,000,000", () => {
    for (const limit of [10, 2_000_000_000]) expect(() => build({ [prop]: limit })).not.toThrow();
  });

  it('is refused one past either bound, naming the prop', () => {
    for (const limit of [9, 2_000_000_001]) {
      expect(() => build({ [prop]: limit })).toThrow(`${prop} must be an integer between 10 and 2000000000 (got ${limit})`);
    }
  });
});
