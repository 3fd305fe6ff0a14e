import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { GetIPSetCommand, UpdateIPSetCommand, WAFInternalErrorException, WAFV2Client } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../../lambda/ip-set-sync/create-handler';
import { IP_SET_SYNC_METRICS } from '../../../lambda/ip-set-sync/metric-names';
import { captureOutput, type CapturedOutput } from '../support/captured-output';
import { lambdaContext } from '../support/lambda-context';

const waf = mockClient(WAFV2Client);
const ssm = mockClient(SSMClient);

const DROP_URL = 'https://lists.example/drop.txt';
const environment = {
  BLOCKLIST_SOURCE: '/bulwark/test/blocklist',
  REPUTATION_LIST_URLS: JSON.stringify([DROP_URL]),
  IPV4_SET_NAME: 'block-v4',
  IPV4_SET_ID: '00000000-0000-4000-8000-000000000004',
  IPV6_SET_NAME: 'block-v6',
  IPV6_SET_ID: '00000000-0000-4000-8000-000000000006',
  STAGE: 'test',
  METRIC_NAMESPACE: 'Bulwark/Operations',
};

function fetchServing(responses: Record<string, () => Response>): typeof globalThis.fetch {
  return async (input) => {
    const respond = responses[String(input)];
    if (!respond) throw new TypeError('fetch failed');
    return respond();
  };
}

let output: CapturedOutput;

function run(fetch: typeof globalThis.fetch, overrides: Record<string, string> = {}) {
  const sync = createHandler({ ...environment, ...overrides }, {
    now: () => 1_700_000_000_000,
    dependencies: { wafv2: new WAFV2Client({}), sourceClients: { ssm: new SSMProvider({ awsSdkV3Client: new SSMClient({}) }) }, fetch, sleep: async () => undefined },
  });
  const handler = () => sync({ id: 'scheduled-event-1' }, lambdaContext('ip-set-sync', 'request-1'));
  const summary = () => output.logs().find((line) => line.message === 'ip-set-sync run')!;
  return { handler, summary, documents: output.emf };
}

function ipSetIn(name: string, addresses: string[]) {
  return { IPSet: { Name: name, Id: 'id', ARN: 'arn', IPAddressVersion: 'IPV4' as const, Addresses: addresses }, LockToken: `${name}-token` };
}

describe('ip-set-sync handler (in process)', () => {
  beforeEach(() => {
    waf.reset();
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Type: 'String', Value: '203.0.113.5\n2001:db8:dead::/48' } });
    waf.on(GetIPSetCommand, { Name: 'block-v4' }).resolves(ipSetIn('block-v4', []));
    waf.on(GetIPSetCommand, { Name: 'block-v6' }).resolves(ipSetIn('block-v6', []));
    waf.on(UpdateIPSetCommand).resolves({ NextLockToken: 'next' });
    output = captureOutput();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes both families and emits EMF metrics per family and per run', async () => {
    const { handler, documents } = run(fetchServing({ [DROP_URL]: () => new Response('192.0.2.0/24 ; SBL1\nnonsense\n' + '198.51.100.0/24\n'.repeat(9)) }));
    const report = await handler();
    expect(report.failures).toEqual([]);
    const updates = waf.commandCalls(UpdateIPSetCommand).map((call) => call.args[0].input);
    expect(updates).toEqual([
      expect.objectContaining({ Name: 'block-v4', Addresses: ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.5/32'], LockToken: 'block-v4-token' }),
      expect.objectContaining({ Name: 'block-v6', Addresses: ['2001:db8:dead::/48'], LockToken: 'block-v6-token' }),
    ]);
    const [runDocument, ipv4Document, ipv6Document] = documents();
    expect(runDocument).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'Bulwark/Operations',
            Dimensions: [['Stage']],
            Metrics: [
              { Name: IP_SET_SYNC_METRICS.failures, Unit: 'Count' },
              { Name: IP_SET_SYNC_METRICS.rejectedEntries, Unit: 'Count' },
            ],
          },
        ],
      },
      Stage: 'test',
      IpSetSyncFailures: 0,
      IpSetRejectedEntries: 1,
    });
    expect(ipv4Document._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Stage', 'AddressFamily']]);
    expect(ipv4Document).toMatchObject({ Stage: 'test', AddressFamily: 'IPv4', IpSetEntries: 3, IpSetChanges: 3, IpSetTruncated: 0, IpSetShrinkRefused: 0 });
    expect(ipv6Document).toMatchObject({ AddressFamily: 'IPv6', IpSetEntries: 1, IpSetChanges: 1 });
  });

  it.each([
    ['a 500', () => new Response('error', { status: 500 })],
    ['an empty list', () => new Response('; no entries today\n')],
    ['an HTML error page with status 200', () => new Response('<html>\n<body>maintenance</body>\n</html>\n')],
  ])('keeps both sets untouched when a reputation source returns %s, and throws after the metrics', async (_, respond) => {
    const { handler, summary, documents } = run(fetchServing({ [DROP_URL]: respond }));
    await expect(handler()).rejects.toThrow(/ip-set-sync had 1 failure\(s\): source https:\/\/lists.example\/drop.txt/);
    expect(waf.commandCalls(GetIPSetCommand)).toHaveLength(0);
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
    expect(documents()).toEqual([expect.objectContaining({ IpSetSyncFailures: 1 })]);
    expect((summary().sources as { error?: string }[])[1].error).toBeDefined();
  });

  it('keeps both sets untouched when the operator blocklist cannot be read', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('User is not authorized to perform ssm:GetParameter'), { name: 'AccessDeniedException' }));
    const { handler, documents } = run(fetchServing({ [DROP_URL]: () => new Response('192.0.2.0/24\n') }));
    await expect(handler()).rejects.toThrow('source ssm:/bulwark/test/blocklist: User is not authorized to perform ssm:GetParameter');
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
    expect(documents()[0]).toMatchObject({ IpSetSyncFailures: 1 });
  });

  it('treats a blocklist parameter that does not exist as an empty operator blocklist, logged at info', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'Parameter /bulwark/test/blocklist not found.', $metadata: {} }));
    const { handler, documents } = run(fetchServing({ [DROP_URL]: () => new Response('192.0.2.0/24\n') }));

    const report = await handler();

    expect(report.failures).toEqual([]);
    expect(report.sources[0]).toMatchObject({ name: 'ssm:/bulwark/test/blocklist', entryCount: 0 });
    expect(report.sources[0]).not.toHaveProperty('error');
    expect(waf.commandCalls(UpdateIPSetCommand)[0].args[0].input.Addresses).toEqual(['192.0.2.0/24']);
    expect(output.logs()).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: 'the blocklist parameter does not exist: the operator blocklist is empty', parameterName: '/bulwark/test/blocklist' }),
    );
    expect(documents()[0]).toMatchObject({ IpSetSyncFailures: 0 });
  });

  it('reads the blocklist parameter with decryption, so a SecureString is read as its text', async () => {
    ssm.on(GetParameterCommand, { Name: '/bulwark/test/blocklist', WithDecryption: true }).resolves({ Parameter: { Type: 'SecureString', Value: '198.18.0.1' } });
    const { handler } = run(fetchServing({ [DROP_URL]: () => new Response('192.0.2.0/24\n') }));

    await handler();

    expect(waf.commandCalls(UpdateIPSetCommand)[0].args[0].input.Addresses).toEqual(['192.0.2.0/24', '198.18.0.1/32']);
  });

  it('logs the run with the Lambda context and the EventBridge event id as correlation id', async () => {
    const { handler, summary } = run(fetchServing({ [DROP_URL]: () => new Response('192.0.2.0/24\n') }));

    await handler();

    expect(summary()).toMatchObject({
      level: 'INFO',
      service: 'ip-set-sync',
      function_name: 'ip-set-sync',
      function_request_id: 'request-1',
      correlation_id: 'scheduled-event-1',
      stage: 'test',
    });
  });

  it('reports a refused shrink as a metric without failing the run', async () => {
    const current = Array.from({ length: 20 }, (_, index) => `198.18.0.${index}/32`);
    waf.on(GetIPSetCommand, { Name: 'block-v4' }).resolves(ipSetIn('block-v4', current));
    const { handler, documents } = run(fetchServing({ [DROP_URL]: () => new Response('192.0.2.0/24\n') }));
    const report = await handler();
    expect(report.families[0]).toMatchObject({ family: 'IPv4', status: 'shrink-refused', entryCount: 20 });
    expect(waf.commandCalls(UpdateIPSetCommand).map((call) => call.args[0].input.Name)).toEqual(['block-v6']);
    expect(documents()[1]).toMatchObject({ AddressFamily: 'IPv4', IpSetShrinkRefused: 1, IpSetChanges: 0, IpSetEntries: 20 });
  });

  it('still writes IPv6 when the IPv4 write fails, then throws', async () => {
    waf.on(UpdateIPSetCommand, { Name: 'block-v4' }).rejects(new WAFInternalErrorException({ message: 'internal', $metadata: {} }));
    const { handler, documents } = run(fetchServing({ [DROP_URL]: () => new Response('192.0.2.0/24\n') }));
    await expect(handler()).rejects.toMatchObject({
      name: 'IpSetSyncFailedError',
      message: 'ip-set-sync had 1 failure(s): IP set block-v4 (IPv4): WAFInternalErrorException: internal',
    });
    expect(waf.commandCalls(UpdateIPSetCommand).map((call) => call.args[0].input.Name)).toEqual(['block-v4', 'block-v6']);
    const [runDocument, ipv4Document, ipv6Document] = documents();
    expect(runDocument).toMatchObject({ IpSetSyncFailures: 1 });
    expect(ipv4Document).not.toHaveProperty('IpSetEntries');
    expect(ipv4Document._aws.CloudWatchMetrics[0].Metrics.map((metric: { Name: string }) => metric.Name)).not.toContain('IpSetEntries');
    expect(ipv6Document).toMatchObject({ IpSetEntries: 1, IpSetChanges: 1 });
  });

  it('caps each set and reports how many blocks were left out', async () => {
    const { handler, documents } = run(fetchServing({ [DROP_URL]: () => new Response('10.0.0.0/16\n192.0.2.1\n192.0.2.3\n') }), { MAX_ENTRIES: '2' });
    await handler();
    expect(waf.commandCalls(UpdateIPSetCommand)[0].args[0].input.Addresses).toEqual(['10.0.0.0/16', '203.0.113.5/32']);
    expect(documents()[1]).toMatchObject({ AddressFamily: 'IPv4', IpSetTruncated: 2, IpSetEntries: 2 });
  });

  it('fails at creation, naming the variable, when the environment is invalid', () => {
    expect(() => createHandler({ ...environment, IPV4_SET_ID: undefined })).toThrow('IPV4_SET_ID is required');
  });
});
