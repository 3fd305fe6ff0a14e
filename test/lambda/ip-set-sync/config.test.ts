import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/ip-set-sync/config';

const validEnvironment = {
  BLOCKLIST_SOURCE: '/bulwark/prod/waf/blocklist',
  REPUTATION_LIST_URLS: '["https://www.spamhaus.org/drop/drop.txt"]',
  IPV4_SET_NAME: 'bulwark-prod-block-v4',
  IPV4_SET_ID: '4c1f8e1e-0000-4000-8000-000000000001',
  IPV6_SET_NAME: 'bulwark-prod-block-v6',
  IPV6_SET_ID: '4c1f8e1e-0000-4000-8000-000000000002',
  STAGE: 'prod',
};

describe('loadConfig', () => {
  it('applies the defaults', () => {
    expect(loadConfig(validEnvironment)).toEqual({
      blocklistSource: { kind: 'ssm', parameterName: '/bulwark/prod/waf/blocklist' },
      reputationListUrls: ['https://www.spamhaus.org/drop/drop.txt'],
      ipSets: {
        IPv4: { name: 'bulwark-prod-block-v4', id: '4c1f8e1e-0000-4000-8000-000000000001', scope: 'REGIONAL' },
        IPv6: { name: 'bulwark-prod-block-v6', id: '4c1f8e1e-0000-4000-8000-000000000002', scope: 'REGIONAL' },
      },
      maxEntries: 10_000,
      maxShrinkFraction: 0.25,
      fetchTimeoutMs: 10_000,
      maxSourceBytes: 5 * 1024 * 1024,
      metricNamespace: 'Bulwark/Operations',
      stage: 'prod',
      allowInsecureLocalhostSources: false,
    });
  });

  it('reads an S3 source and explicit limits', () => {
    const config = loadConfig({
      ...validEnvironment,
      BLOCKLIST_SOURCE: 's3://ops-bucket/waf/blocklist.txt',
      REPUTATION_LIST_URLS: '[]',
      MAX_ENTRIES: '500',
      MAX_SHRINK_FRACTION: '0.5',
      FETCH_TIMEOUT_MS: '3000',
      METRIC_NAMESPACE: 'Team/Edge',
    });
    expect(config).toMatchObject({
      blocklistSource: { kind: 's3', bucket: 'ops-bucket', key: 'waf/blocklist.txt' },
      reputationListUrls: [],
      maxEntries: 500,
      maxShrinkFraction: 0.5,
      fetchTimeoutMs: 3000,
      metricNamespace: 'Team/Edge',
    });
  });

  it.each([
    [{ BLOCKLIST_SOURCE: undefined }, 'BLOCKLIST_SOURCE is required'],
    [{ BLOCKLIST_SOURCE: 'blocklist' }, 'BLOCKLIST_SOURCE must be an SSM parameter name'],
    [{ REPUTATION_LIST_URLS: 'https://a.example' }, 'REPUTATION_LIST_URLS must be a JSON array'],
    [{ REPUTATION_LIST_URLS: '[1]' }, 'REPUTATION_LIST_URLS must be a JSON array'],
    [{ REPUTATION_LIST_URLS: '["http://lists.example/drop.txt"]' }, 'REPUTATION_LIST_URLS URLs must use https'],
    [{ REPUTATION_LIST_URLS: '["http://127.0.0.1:8080/drop.txt"]' }, 'REPUTATION_LIST_URLS URLs must use https'],
    [{ REPUTATION_LIST_URLS: '["https://user:pw@lists.example/"]' }, 'must not contain credentials'],
    [{ REPUTATION_LIST_URLS: '["https://a.example/","https://a.example/"]' }, 'lists a URL twice'],
    [{ IPV4_SET_NAME: undefined }, 'IPV4_SET_NAME is required'],
    [{ IPV6_SET_ID: 'not an id!' }, 'IPV6_SET_ID must be a WAF IP set id'],
    [{ IP_SET_SCOPE: 'GLOBAL' }, 'IP_SET_SCOPE must be REGIONAL or CLOUDFRONT'],
    [{ MAX_ENTRIES: '10001' }, 'MAX_ENTRIES must be an integer from 1 to 10000'],
    [{ MAX_ENTRIES: '1.5' }, 'MAX_ENTRIES must be an integer'],
    [{ MAX_SHRINK_FRACTION: '1.2' }, 'MAX_SHRINK_FRACTION must be a number from 0 to 1'],
    [{ FETCH_TIMEOUT_MS: 'soon' }, 'FETCH_TIMEOUT_MS must be an integer'],
    [{ STAGE: '' }, 'STAGE is required'],
    [{ ALLOW_INSECURE_LOCALHOST_SOURCES: 'yes' }, 'ALLOW_INSECURE_LOCALHOST_SOURCES must be "true" or "false"'],
  ])('rejects %j naming the variable', (overrides, message) => {
    expect(() => loadConfig({ ...validEnvironment, ...overrides })).toThrow(message);
  });

  it('allows http only on the loopback interface, and only with the explicit test flag', () => {
    const env = { ...validEnvironment, ALLOW_INSECURE_LOCALHOST_SOURCES: 'true' };
    expect(loadConfig({ ...env, REPUTATION_LIST_URLS: '["http://127.0.0.1:8080/drop.txt"]' }).reputationListUrls).toHaveLength(1);
    expect(() => loadConfig({ ...env, REPUTATION_LIST_URLS: '["http://10.0.0.1/drop.txt"]' })).toThrow('must use https');
  });
});
