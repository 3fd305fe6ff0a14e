import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CreateIPSetCommand, GetIPSetCommand, WAFV2Client, type IPAddressVersion } from '@aws-sdk/client-wafv2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncReport } from '../../../lambda/ip-set-sync/sync';
import { startMotoServer, type MotoServer } from '../../support/moto-server';
import { lambdaContext } from '../support/lambda-context';
import { startListServer, type ListServer } from './list-server';

/**
 * The real Lambda entry point (lambda/ip-set-sync/handler.ts, configured only through its
 * environment) against moto's wafv2, SSM and S3 over HTTP, with reputation lists served on
 * 127.0.0.1.
 */
describe('ip-set-sync handler against moto', () => {
  const REGION = 'us-east-1';
  const PARAMETER = '/bulwark/test/waf/blocklist';
  let moto: MotoServer;
  let lists: ListServer;
  let waf: WAFV2Client;
  let ssm: SSMClient;
  let sets: Record<'v4' | 'v6', { Name: string; Id: string; Scope: 'REGIONAL' }>;
  const savedEnvironment = { ...process.env };
  let stdout: string[];

  beforeAll(async () => {
    [moto, lists] = await Promise.all([startMotoServer(), startListServer()]);
    const clientConfig = { endpoint: moto.endpoint, region: REGION, credentials: moto.credentials };
    waf = new WAFV2Client(clientConfig);
    ssm = new SSMClient(clientConfig);
  });

  afterAll(async () => {
    waf?.destroy();
    ssm?.destroy();
    await Promise.all([moto?.stop(), lists?.close()]);
  });

  async function createIpSet(name: string, version: IPAddressVersion) {
    const { Summary } = await waf.send(
      new CreateIPSetCommand({ Name: name, Scope: 'REGIONAL', IPAddressVersion: version, Addresses: [], Description: 'managed by ip-set-sync' }),
    );
    return { Name: name, Id: Summary!.Id!, Scope: 'REGIONAL' as const };
  }

  beforeEach(async () => {
    await moto.reset();
    sets = { v4: await createIpSet('bulwark-test-block-v4', 'IPV4'), v6: await createIpSet('bulwark-test-block-v6', 'IPV6') };
    await ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'String', Value: '# operator blocklist\n203.0.113.5\n2001:db8:dead::/48 ; incident 42\n' }));
    lists.routes.clear();
    lists.routes.set('/drop.txt', { body: '; Spamhaus DROP style\n192.0.2.0/25 ; SBL1\n192.0.2.128/25 ; SBL2\n198.51.100.7\n2001:DB8:BEEF::/48 ; SBL3\n' });
    lists.routes.set('/extra.txt', { body: '10.9.0.0/16\n10.9.4.0/24\n' });

    process.env = {
      ...savedEnvironment,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
      BLOCKLIST_SOURCE: PARAMETER,
      REPUTATION_LIST_URLS: JSON.stringify([`${lists.baseUrl}/drop.txt`, `${lists.baseUrl}/extra.txt`]),
      ALLOW_INSECURE_LOCALHOST_SOURCES: 'true',
      IPV4_SET_NAME: sets.v4.Name,
      IPV4_SET_ID: sets.v4.Id,
      IPV6_SET_NAME: sets.v6.Name,
      IPV6_SET_ID: sets.v6.Id,
      IP_SET_SCOPE: 'REGIONAL',
      FETCH_TIMEOUT_MS: '2000',
      STAGE: 'test',
    };
    stdout = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    process.env = savedEnvironment;
  });

  /** Imports the entry point afresh, as a cold start with the current environment. */
  async function coldStartHandler(): Promise<() => Promise<SyncReport>> {
    vi.resetModules();
    const { handler } = await import('../../../lambda/ip-set-sync/handler');
    return () => handler({ id: 'scheduled-event' }, lambdaContext('bulwark-test-ip-set-sync', 'request'));
  }

  async function readSet(set: { Name: string; Id: string; Scope: 'REGIONAL' }) {
    const { IPSet, LockToken } = await waf.send(new GetIPSetCommand(set));
    return { addresses: [...(IPSet?.Addresses ?? [])].sort(), lockToken: LockToken, description: IPSet?.Description };
  }

  const emfDocuments = () => stdout.map((line) => JSON.parse(line)).filter((document) => document._aws);

  it('writes the normalised, collapsed union of all sources, then a second run changes nothing', async () => {
    const handler = await coldStartHandler();
    const first = await handler();
    expect(first.failures).toEqual([]);

    const v4 = await readSet(sets.v4);
    const v6 = await readSet(sets.v6);
    expect(v4.addresses).toEqual(['10.9.0.0/16', '192.0.2.0/24', '198.51.100.7/32', '203.0.113.5/32']);
    expect(v6.addresses).toEqual(['2001:db8:beef::/48', '2001:db8:dead::/48']);
    expect(v4.description).toBe('managed by ip-set-sync');
    expect(emfDocuments()).toEqual([
      expect.objectContaining({ Stage: 'test', IpSetSyncFailures: 0, IpSetRejectedEntries: 0 }),
      expect.objectContaining({ AddressFamily: 'IPv4', IpSetEntries: 4, IpSetChanges: 4 }),
      expect.objectContaining({ AddressFamily: 'IPv6', IpSetEntries: 2, IpSetChanges: 2 }),
    ]);

    stdout.length = 0;
    const second = await handler();
    expect(second.families.map((family) => family.status)).toEqual(['unchanged', 'unchanged']);
    expect((await readSet(sets.v4)).lockToken).toBe(v4.lockToken);
    expect((await readSet(sets.v6)).lockToken).toBe(v6.lockToken);
    expect(emfDocuments()[1]).toMatchObject({ IpSetChanges: 0, IpSetEntries: 4 });
  });

  it('leaves both sets untouched when a reputation URL answers 500, and fails the invocation', async () => {
    const handler = await coldStartHandler();
    await handler();
    const before = { v4: await readSet(sets.v4), v6: await readSet(sets.v6) };

    lists.routes.set('/extra.txt', { status: 500, body: 'internal error' });
    await ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'String', Value: '198.18.0.1\n', Overwrite: true }));
    stdout.length = 0;
    await expect(handler()).rejects.toThrow(`source ${lists.baseUrl}/extra.txt: HTTP 500`);

    expect(await readSet(sets.v4)).toEqual(before.v4);
    expect(await readSet(sets.v6)).toEqual(before.v6);
    expect(emfDocuments()).toEqual([expect.objectContaining({ IpSetSyncFailures: 1 })]);
  });

  it('syncs the reputation lists alone when the blocklist parameter does not exist, and says so at info', async () => {
    await ssm.send(new DeleteParameterCommand({ Name: PARAMETER }));
    const handler = await coldStartHandler();

    const report = await handler();

    expect(report.failures).toEqual([]);
    expect((await readSet(sets.v4)).addresses).toEqual(['10.9.0.0/16', '192.0.2.0/24', '198.51.100.7/32']);
    expect((await readSet(sets.v6)).addresses).toEqual(['2001:db8:beef::/48']);
    const logs = stdout.map((line) => JSON.parse(line)).filter((line) => line.level);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'the blocklist parameter does not exist: the operator blocklist is empty', parameterName: PARAMETER }));
    expect(emfDocuments()[0]).toMatchObject({ IpSetSyncFailures: 0 });
  });

  it('reads the operator blocklist from S3 when BLOCKLIST_SOURCE is an s3:// URI (the default clients, not SSM)', async () => {
    const s3 = new S3Client({ endpoint: moto.endpoint, region: REGION, credentials: moto.credentials });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'bulwark-test-blocklist' }));
      await s3.send(new PutObjectCommand({ Bucket: 'bulwark-test-blocklist', Key: 'waf/blocklist.txt', Body: '203.0.113.9\n2001:db8:cafe::/48\n' }));
    } finally {
      s3.destroy();
    }
    process.env.BLOCKLIST_SOURCE = 's3://bulwark-test-blocklist/waf/blocklist.txt';
    const handler = await coldStartHandler();

    expect((await handler()).failures).toEqual([]);

    // The SSM parameter's entries (203.0.113.5, 2001:db8:dead::/48) are not read.
    expect((await readSet(sets.v4)).addresses).toEqual(['10.9.0.0/16', '192.0.2.0/24', '198.51.100.7/32', '203.0.113.9/32']);
    expect((await readSet(sets.v6)).addresses).toEqual(['2001:db8:beef::/48', '2001:db8:cafe::/48']);
  });

  it('fails at cold start, naming the variable, when the environment is incomplete', async () => {
    delete process.env.IPV6_SET_ID;
    await expect(coldStartHandler()).rejects.toThrow('IPV6_SET_ID is required');
  });
});
