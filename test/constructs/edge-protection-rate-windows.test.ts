/**
 * The rate-limit windows EdgeProtection accepts (RATE_LIMIT_WINDOWS_SECONDS): exactly the
 * four AWS WAF offers rate-based rules, 1, 2, 5 and 10 minutes. Each is accepted; any other
 * is refused when the construct is built, not by CloudFormation at deploy time.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { testApp } from '../support/app';
import { freshModuleEachTest } from '../support/fresh-module';

// Loaded in each test, so the window table (built when edge-protection-rules.ts loads, and
// read by the construct's validation) is part of what each test pins.
const edge = freshModuleEachTest(() => import('../../lib/constructs/edge-protection'));

/** An EdgeProtection with `rateLimitWindow` (no IP-set sync, so no Lambda to bundle). */
function build(rateLimitWindow: Duration) {
  const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  return new (edge().EdgeProtection)(stack, 'Edge', {
    resourceArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef',
    stage: 'test',
    name: 'bulwark-test',
    rateLimitWindow,
  });
}

describe('rateLimitWindow', () => {
  it('is accepted at each window WAF offers: 1, 2, 5 and 10 minutes', () => {
    for (const minutes of [1, 2, 5, 10]) expect(() => build(Duration.minutes(minutes))).not.toThrow();
  });

  it('is refused at any other window, naming it', () => {
    for (const seconds of [30, 180, 900]) {
      expect(() => build(Duration.seconds(seconds))).toThrow(`rateLimitWindow must be 60, 120, 300 or 600 seconds (got ${seconds})`);
    }
  });
});
