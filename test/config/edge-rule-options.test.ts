import { describe, expect, it } from 'vitest';
import { edgeRuleOptions, STAGES } from '../../lib/config';

describe('edgeRuleOptions: the stage WAF config as EdgeProtection props', () => {
  it('passes every field, with the limits derived from the app limits over the window', () => {
    const prod = structuredClone(STAGES.prod);
    const options = edgeRuleOptions({
      service: { ...prod.service, appRateLimitPerIp: 100, appRateLimitPerUser: 7 },
      waf: {
        ...prod.waf,
        rateLimitHeadroom: 1.5,
        evaluationWindowSeconds: 120,
        maxBodyBytes: 4096,
        largeBodyPathPrefixes: ['/v1/uploads'],
        botControl: true,
        antiDdosRuleGroup: false,
        blockHostingProviders: true,
        countModeRuleGroups: ['AWSManagedRulesSQLiRuleSet'],
      },
    });
    // 100 a minute × 2 minutes × 1.5 = 300; 7 × 2 × 1.5 = 21.
    expect({ ...options, rateLimitWindow: options.rateLimitWindow?.toSeconds() }).toEqual({
      rateLimitPerIp: 300,
      rateLimitPerUser: 21,
      rateLimitWindow: 120,
      maxBodyBytes: 4096,
      largeBodyPathPrefixes: ['/v1/uploads'],
      botControl: true,
      antiDdosRuleGroup: false,
      blockHostingProviders: true,
      countModeRuleGroups: ['AWSManagedRulesSQLiRuleSet'],
    });
  });
});
