import { Readable } from 'node:stream';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { describe, expect, it } from 'vitest';
import { startMissingCopies } from '../../../lambda/snapshot-copier/copy';
import { createRdsClient, RDS_MAX_ATTEMPTS } from '../../../lambda/snapshot-copier/rds-client';
import { automatedSnapshot, BACKUP_REGION, config, NOW } from './fixtures';

/**
 * Retries happen in the SDK's middleware stack, which aws-sdk-client-mock replaces (it stubs
 * `send`), so these tests give a real client a scripted `requestHandler` instead: the SDK
 * serialises, classifies the error from the wire response and retries by its own strategy,
 * exactly as against RDS. The strategy keeps the copier's attempt count with a 1 ms backoff.
 */
const XMLNS = 'http://rds.amazonaws.com/doc/2014-10-31/';

function errorResponse(code: string, message: string) {
  return {
    statusCode: 400,
    body: `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
  };
}

function copied(identifier: string) {
  return {
    statusCode: 200,
    body:
      `<CopyDBClusterSnapshotResponse xmlns="${XMLNS}"><CopyDBClusterSnapshotResult><DBClusterSnapshot>` +
      `<DBClusterSnapshotIdentifier>${identifier}</DBClusterSnapshotIdentifier><Status>copying</Status>` +
      `</DBClusterSnapshot></CopyDBClusterSnapshotResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></CopyDBClusterSnapshotResponse>`,
  };
}

type Answer = (target: string, attempt: number) => { statusCode: number; body: string };

/** A client whose every CopyDBClusterSnapshot is answered by `answer`, with the attempts per target counted. */
function scriptedClient(answer: Answer) {
  const attempts = new Map<string, number>();
  const requestHandler = {
    handle: async (request: { body?: unknown }) => {
      const target = new URLSearchParams(String(request.body)).get('TargetDBClusterSnapshotIdentifier') ?? '';
      const attempt = (attempts.get(target) ?? 0) + 1;
      attempts.set(target, attempt);
      const { statusCode, body } = answer(target, attempt);
      return { response: { statusCode, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(body)]) } };
    },
  };
  const client = createRdsClient(BACKUP_REGION, {
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler,
    retryStrategy: new ConfiguredRetryStrategy(RDS_MAX_ATTEMPTS, 1),
  });
  return { client, attempts };
}

const burst = [1, 2, 3, 4, 5, 6].map((daysAgo) => automatedSnapshot(daysAgo));
const copyBurst = (client: ReturnType<typeof createRdsClient>) =>
  startMissingCopies({ config: { ...config, maxConcurrentCopies: burst.length, maxCopiesPerRun: burst.length }, backup: client, now: NOW, sources: burst, backupSnapshots: [] });

describe('the copier RDS client', () => {
  it('is configured once with adaptive retries and the copier attempt count', async () => {
    const client = createRdsClient(BACKUP_REGION);
    expect(await client.config.maxAttempts()).toBe(RDS_MAX_ATTEMPTS);
    expect(((await client.config.retryStrategy()) as { mode?: string }).mode).toBe('adaptive');
  });

  it('completes a burst of copies that are each throttled on every attempt but the last', async () => {
    const { client, attempts } = scriptedClient((target, attempt) => (attempt < RDS_MAX_ATTEMPTS ? errorResponse('Throttling', 'Rate exceeded') : copied(target)));

    const report = await copyBurst(client);

    expect(report.failures).toEqual([]);
    expect(report.started).toHaveLength(burst.length);
    expect([...attempts.values()]).toEqual(burst.map(() => RDS_MAX_ATTEMPTS));
  });

  it('gives up on a copy still throttled after the last attempt, reports it, and carries on with the rest', async () => {
    const stuckTarget = 'bulwark-prod-copy-bulwark-prod-db-2024-06-12-12-00';
    const { client, attempts } = scriptedClient((target) => (target === stuckTarget ? errorResponse('Throttling', 'Rate exceeded') : copied(target)));

    const report = await copyBurst(client);

    expect(attempts.get(stuckTarget)).toBe(RDS_MAX_ATTEMPTS);
    expect(report.failures).toEqual([{ snapshotIdentifier: burst[2].DBClusterSnapshotIdentifier, error: 'Throttling: Rate exceeded' }]);
    expect(report.started).toHaveLength(burst.length - 1);
  });

  it('does not retry an error that is not throttling', async () => {
    const { client, attempts } = scriptedClient(() => errorResponse('KMSKeyNotAccessibleFault', 'key disabled'));

    const report = await copyBurst(client);

    expect([...attempts.values()]).toEqual(burst.map(() => 1));
    expect(report.failures.map((failure) => failure.error)).toEqual(burst.map(() => 'KMSKeyNotAccessibleFault: key disabled'));
  });
});
