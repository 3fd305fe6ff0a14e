import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/ip-set-sync/config';

const validEnvironment = {
  BLOCKLIST_SOURCE: '/bulwark/prod/waf/blocklist',
  IPV4_SET_NAME: 'bulwark-prod-block-v4',
  IPV4_SET_ID: '4c1f8e1e-0000-4000-8000-000000000001',
  IPV6_SET_NAME: 'bulwark-prod-block-v6',
  IPV6_SET_ID: '4c1f8e1e-0000-4000-8000-000000000002',
  STAGE: 'prod',
};
const load = (overrides: Record<string, string>) => loadConfig({ ...validEnvironment, ...overrides });
const urls = (count: number) => JSON.stringify(Array.from({ length: count }, (_, index) => `https://lists.example/${index}.txt`));

// Each numeric limit of the sync's environment at its edge and one step past it.
describe('ip-set-sync loadConfig limits', () => {
  it.each([
    ['MAX_ENTRIES', '1', 'maxEntries', 1],
    ['MAX_ENTRIES', '10000', 'maxEntries', 10_000],
    ['MAX_SHRINK_FRACTION', '0', 'maxShrinkFraction', 0],
    ['MAX_SHRINK_FRACTION', '1', 'maxShrinkFraction', 1],
    ['FETCH_TIMEOUT_MS', '100', 'fetchTimeoutMs', 100],
    ['FETCH_TIMEOUT_MS', '120000', 'fetchTimeoutMs', 120_000],
    ['MAX_SOURCE_BYTES', '1024', 'maxSourceBytes', 1024],
    ['MAX_SOURCE_BYTES', String(50 * 1024 * 1024), 'maxSourceBytes', 50 * 1024 * 1024],
  ] as const)('accepts %s=%s', (variable, value, field, expected) => {
    expect(load({ [variable]: value })[field]).toBe(expected);
  });

  it.each([
    ['MAX_ENTRIES', '0', 'MAX_ENTRIES must be an integer from 1 to 10000, got "0"'],
    ['MAX_SHRINK_FRACTION', '-0.1', 'MAX_SHRINK_FRACTION must be a number from 0 to 1, got "-0.1"'],
    ['FETCH_TIMEOUT_MS', '99', 'FETCH_TIMEOUT_MS must be an integer from 100 to 120000, got "99"'],
    ['FETCH_TIMEOUT_MS', '120001', 'FETCH_TIMEOUT_MS must be an integer from 100 to 120000, got "120001"'],
    ['MAX_SOURCE_BYTES', '1023', 'MAX_SOURCE_BYTES must be an integer from 1024 to 52428800, got "1023"'],
    ['MAX_SOURCE_BYTES', String(50 * 1024 * 1024 + 1), 'MAX_SOURCE_BYTES must be an integer from 1024 to 52428800, got "52428801"'],
    ['MAX_SHRINK_FRACTION', 'Infinity', 'MAX_SHRINK_FRACTION must be a number from 0 to 1, got "Infinity"'],
  ])('rejects %s=%s', (variable, value, message) => {
    expect(() => load({ [variable]: value })).toThrow(message);
  });

  it('takes up to 20 reputation lists and refuses a 21st', () => {
    expect(load({ REPUTATION_LIST_URLS: urls(20) }).reputationListUrls).toHaveLength(20);
    expect(() => load({ REPUTATION_LIST_URLS: urls(21) })).toThrow('REPUTATION_LIST_URLS may list at most 20 URLs, got 21');
  });

  it('reads the CLOUDFRONT scope into both IP sets, and "false" as the flag unset', () => {
    const config = load({ IP_SET_SCOPE: 'CLOUDFRONT', ALLOW_INSECURE_LOCALHOST_SOURCES: 'false' });
    expect([config.ipSets.IPv4.scope, config.ipSets.IPv6.scope]).toEqual(['CLOUDFRONT', 'CLOUDFRONT']);
    expect(config.allowInsecureLocalhostSources).toBe(false);
  });
});
