import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatCidr } from '../../../lambda/ip-set-sync/cidr';
import { parseEntryList } from '../../../lambda/ip-set-sync/list-parser';
import { fetchReputationListText, loadSource, readBlocklistText, type FetchOptions } from '../../../lambda/ip-set-sync/sources';
import { startListServer, type ListServer } from './list-server';

describe('parseEntryList', () => {
  it('reads a Spamhaus DROP style list: comments after ";" or "#", blank lines, CRLF', () => {
    const text = '; Spamhaus DROP List\r\n# generated today\r\n\r\n192.0.2.0/24 ; SBL123\r\n198.51.100.7 # one host\r\n2001:DB8::/32;SBL9\r\n';
    const parsed = parseEntryList(text);
    expect(parsed.cidrs.map(formatCidr)).toEqual(['192.0.2.0/24', '198.51.100.7/32', '2001:db8::/32']);
    expect(parsed).toMatchObject({ entryCount: 3, rejectedCount: 0, rejectedSamples: [] });
  });

  it('reads comma-separated entries (an SSM StringList)', () => {
    expect(parseEntryList('192.0.2.1, 192.0.2.2 ,,2001:db8::1').cidrs.map(formatCidr)).toEqual(['192.0.2.1/32', '192.0.2.2/32', '2001:db8::1/128']);
  });

  it('counts garbage and keeps a few shortened samples', () => {
    const garbage = ['<html>', 'not-an-ip', '1.2.3.999', '0.0.0.0/1', '2001::/15', 'x'.repeat(200), 'seven'];
    const parsed = parseEntryList(['192.0.2.1', ...garbage].join('\n'));
    expect(parsed.cidrs).toHaveLength(1);
    expect(parsed.rejectedCount).toBe(7);
    expect(parsed.rejectedSamples).toEqual(['<html>', 'not-an-ip', '1.2.3.999', '0.0.0.0/1', '2001::/15']);
  });

  it('refuses blocks wider than /8 (IPv4) or /16 (IPv6) but accepts those', () => {
    expect(parseEntryList('10.0.0.0/8\n2001::/16').rejectedCount).toBe(0);
    expect(parseEntryList('10.0.0.0/7\n2001::/15').rejectedCount).toBe(2);
  });
});

describe('loadSource', () => {
  const read = (text: string) => () => Promise.resolve(text);

  it('fails a source with more than 10% garbage entries and drops its entries', async () => {
    const text = ['<!doctype html>', '<title>Error</title>', ...Array.from({ length: 8 }, (_, index) => `192.0.2.${index}`)].join('\n');
    const result = await loadSource('https://lists.example/drop.txt', 'reputation', read(text));
    expect(result.error).toBe('2 of 10 entries are not valid CIDRs');
    expect(result.cidrs).toEqual([]);
  });

  it('accepts a source with at most 10% garbage, counting what it rejected', async () => {
    const text = ['bogus', ...Array.from({ length: 9 }, (_, index) => `192.0.2.${index}`)].join('\n');
    const result = await loadSource('list', 'reputation', read(text));
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ rejectedCount: 1, rejectedSamples: ['bogus'] });
    expect(result.cidrs).toHaveLength(9);
  });

  it('fails an empty reputation list but accepts an empty operator blocklist', async () => {
    expect((await loadSource('list', 'reputation', read('; nothing today\n'))).error).toBe('no entries');
    expect((await loadSource('/bulwark/blocklist', 'operator', read('# none'))).error).toBeUndefined();
  });

  it('turns a read error into a failed source', async () => {
    const result = await loadSource('list', 'reputation', () => Promise.reject(new Error('HTTP 500')));
    expect(result).toMatchObject({ error: 'HTTP 500', cidrs: [] });
  });
});

describe('readBlocklistText', () => {
  const ssm = mockClient(SSMClient);
  const s3 = mockClient(S3Client);
  const logger = { info: () => undefined };
  const ssmProvider = () => new SSMProvider({ awsSdkV3Client: new SSMClient({}) });
  beforeEach(() => {
    ssm.reset();
    s3.reset();
  });

  it('reads a String or StringList parameter', async () => {
    ssm.on(GetParameterCommand, { Name: '/bulwark/prod/blocklist' }).resolves({ Parameter: { Type: 'StringList', Value: '192.0.2.1,192.0.2.2' } });
    await expect(readBlocklistText({ kind: 'ssm', parameterName: '/bulwark/prod/blocklist' }, { ssm: ssmProvider() }, 1024, logger)).resolves.toBe('192.0.2.1,192.0.2.2');
  });

  it("reads the parameter afresh on every run, never from Powertools' cache", async () => {
    ssm.on(GetParameterCommand).resolvesOnce({ Parameter: { Type: 'String', Value: '192.0.2.1' } }).resolves({ Parameter: { Type: 'String', Value: '192.0.2.2' } });
    const provider = ssmProvider();
    const source = { kind: 'ssm', parameterName: '/p' } as const;
    await expect(readBlocklistText(source, { ssm: provider }, 1024, logger)).resolves.toBe('192.0.2.1');
    await expect(readBlocklistText(source, { ssm: provider }, 1024, logger)).resolves.toBe('192.0.2.2');
  });

  // Only transformToString is used; a full SDK stream needs @smithy internals.
  const body = (text: string) => ({ transformToString: () => Promise.resolve(text) }) as unknown as GetObjectCommandOutput['Body'];

  it('reads an S3 object', async () => {
    s3.on(GetObjectCommand, { Bucket: 'ops-bucket', Key: 'waf/blocklist.txt' }).resolves({ Body: body('192.0.2.0/24\n'), ContentLength: 13 });
    await expect(readBlocklistText({ kind: 's3', bucket: 'ops-bucket', key: 'waf/blocklist.txt' }, { s3: new S3Client({}) }, 1024, logger)).resolves.toBe('192.0.2.0/24\n');
  });

  it('refuses an S3 object over the size cap', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body('x'.repeat(2000)), ContentLength: 2000 });
    await expect(readBlocklistText({ kind: 's3', bucket: 'b', key: 'k' }, { s3: new S3Client({}) }, 1024, logger)).rejects.toThrow('1024-byte cap');
  });
});

describe('fetchReputationListText over HTTP on 127.0.0.1', () => {
  let server: ListServer;
  beforeAll(async () => {
    server = await startListServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => server.routes.clear());

  const options = (overrides: Partial<FetchOptions> = {}): FetchOptions => ({
    fetch: globalThis.fetch,
    timeoutMs: 2_000,
    maxBytes: 1024,
    allowInsecureLocalhost: true,
    ...overrides,
  });

  it('returns the body of a 200', async () => {
    server.routes.set('/drop.txt', { body: '192.0.2.0/24 ; SBL1\n' });
    await expect(fetchReputationListText(`${server.baseUrl}/drop.txt`, options())).resolves.toBe('192.0.2.0/24 ; SBL1\n');
  });

  it('fails on a non-200 status', async () => {
    server.routes.set('/drop.txt', { status: 500, body: 'oops' });
    await expect(fetchReputationListText(`${server.baseUrl}/drop.txt`, options())).rejects.toThrow('HTTP 500');
    server.routes.set('/drop.txt', { status: 204 });
    await expect(fetchReputationListText(`${server.baseUrl}/drop.txt`, options())).rejects.toThrow('HTTP 204');
  });

  it('fails when the body is over the size cap', async () => {
    server.routes.set('/big.txt', { body: '192.0.2.1\n'.repeat(200) });
    await expect(fetchReputationListText(`${server.baseUrl}/big.txt`, options())).rejects.toThrow('1024-byte cap');
  });

  it('times out a server that never answers, and loadSource reports it', async () => {
    server.routes.set('/slow.txt', { neverAnswers: true });
    const result = await loadSource('slow', 'reputation', () => fetchReputationListText(`${server.baseUrl}/slow.txt`, options({ timeoutMs: 200 })));
    expect(result.error).toBe('timed out');
    expect(server.requests).toContain('/slow.txt');
  });

  it('follows a redirect to an allowed URL', async () => {
    server.routes.set('/moved.txt', { redirectTo: `${server.baseUrl}/drop.txt` });
    server.routes.set('/drop.txt', { body: '192.0.2.1\n' });
    await expect(fetchReputationListText(`${server.baseUrl}/moved.txt`, options())).resolves.toBe('192.0.2.1\n');
  });

  it('refuses a response whose final URL (after redirects) is plain http', async () => {
    const downgraded: typeof globalThis.fetch = async () => {
      const response = new Response('192.0.2.1\n', { status: 200 });
      Object.defineProperty(response, 'url', { value: 'http://lists.example/drop.txt' });
      return response;
    };
    await expect(fetchReputationListText('https://lists.example/drop.txt', options({ fetch: downgraded, allowInsecureLocalhost: false }))).rejects.toThrow(
      'redirected to a URL that is not allowed',
    );
  });
});
