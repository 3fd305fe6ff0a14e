import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchReputationListText, readBlocklistText } from '../../../lambda/ip-set-sync/sources';
import { startListServer, type ListServer } from './list-server';

const CAP = 1024;
const text = (bytes: number) => 'x'.repeat(bytes);

// A source of exactly the cap is read; one byte more is refused.
describe('the source size cap, at the edge', () => {
  it('S3: an object of exactly the cap is read, one byte more is refused even without a declared length', async () => {
    const s3 = mockClient(S3Client);
    const object = (body: string) => ({ Body: { transformToString: () => Promise.resolve(body) } as unknown as GetObjectCommandOutput['Body'] });
    const read = () => readBlocklistText({ kind: 's3', bucket: 'b', key: 'k' }, { s3: new S3Client({}) }, CAP, { info: () => undefined });
    s3.on(GetObjectCommand).resolves({ ...object(text(CAP)), ContentLength: CAP });
    await expect(read()).resolves.toHaveLength(CAP);
    s3.on(GetObjectCommand).resolves(object(text(CAP + 1)));
    await expect(read()).rejects.toThrow('1024-byte cap');
    s3.restore();
  });

  describe('HTTP', () => {
    let server: ListServer;
    beforeAll(async () => {
      server = await startListServer();
    });
    afterAll(() => server.close());
    const fetchList = (path: string) => fetchReputationListText(`${server.baseUrl}${path}`, { fetch: globalThis.fetch, timeoutMs: 5_000, maxBytes: CAP, allowInsecureLocalhost: true });

    it('a body of exactly the cap is read, one byte more is refused', async () => {
      server.routes.set('/at-cap.txt', { body: text(CAP) });
      server.routes.set('/over-cap.txt', { body: text(CAP + 1) });
      await expect(fetchList('/at-cap.txt')).resolves.toHaveLength(CAP);
      await expect(fetchList('/over-cap.txt')).rejects.toThrow('1024-byte cap');
    });
  });
});
