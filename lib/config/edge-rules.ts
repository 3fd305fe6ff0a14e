import { Duration } from 'aws-cdk-lib';
import type { EdgeRuleOptions } from '../constructs/edge-protection-rules';
import type { StageConfig } from './stage-config';

/**
 * The WAF's rate limits, derived from the app's (the one source of truth): the app's
 * per-minute limit over the WAF's evaluation window, times the headroom, rounded up. So
 * the app's 429 with Retry-After always comes first, and the WAF blocks only clients that
 * keep going past it.
 */
export function wafRateLimits(config: Pick<StageConfig, 'service' | 'waf'>): { readonly perIp: number; readonly perUser: number } {
  const windowMinutes = config.waf.evaluationWindowSeconds / 60;
  const derive = (appPerMinute: number) => Math.ceil(appPerMinute * windowMinutes * config.waf.rateLimitHeadroom);
  return { perIp: derive(config.service.appRateLimitPerIp), perUser: derive(config.service.appRateLimitPerUser) };
}

/** The EdgeProtection props that shape the web ACL's rules, from the stage config. */
export function edgeRuleOptions(config: Pick<StageConfig, 'service' | 'waf'>): EdgeRuleOptions {
  const { waf } = config;
  const limits = wafRateLimits(config);
  return {
    rateLimitPerIp: limits.perIp,
    rateLimitPerUser: limits.perUser,
    rateLimitWindow: Duration.seconds(waf.evaluationWindowSeconds),
    maxBodyBytes: waf.maxBodyBytes,
    largeBodyPathPrefixes: waf.largeBodyPathPrefixes,
    botControl: waf.botControl,
    antiDdosRuleGroup: waf.antiDdosRuleGroup,
    blockHostingProviders: waf.blockHostingProviders,
    countModeRuleGroups: waf.countModeRuleGroups,
  };
}
