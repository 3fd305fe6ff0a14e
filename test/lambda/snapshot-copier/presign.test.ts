import { RDSClient } from '@aws-sdk/client-rds';
import { expect, it } from 'vitest';
import { startMissingCopies } from '../../../lambda/snapshot-copier/copy';
import { automatedSnapshot, BACKUP_REGION, config, NOW, SOURCE_REGION } from './fixtures';

// aws-sdk-client-mock replaces the whole middleware stack, so this test uses a real client and
// stops the request just before it is sent, to see what the SDK would put on the wire.
it('sends the copy to the backup region with a URL presigned for the source region', async () => {
  const backup = new RDSClient({ region: BACKUP_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const sent: { hostname: string; body: string }[] = [];
  backup.middlewareStack.add(
    () => async (args) => {
      const request = args.request as { hostname: string; body: string };
      sent.push({ hostname: request.hostname, body: String(request.body) });
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'finalizeRequest', name: 'captureInsteadOfSending' },
  );

  const report = await startMissingCopies({ config, backup, now: NOW, sources: [automatedSnapshot(1)], backupSnapshots: [] });

  expect(report.started).toHaveLength(1);
  expect(sent).toHaveLength(1);
  expect(sent[0].hostname).toBe(`rds.${BACKUP_REGION}.amazonaws.com`);
  const form = new URLSearchParams(sent[0].body);
  expect(form.get('Action')).toBe('CopyDBClusterSnapshot');
  const presigned = new URL(form.get('PreSignedUrl')!);
  expect(presigned.hostname).toBe(`rds.${SOURCE_REGION}.amazonaws.com`);
  expect(presigned.searchParams.get('DestinationRegion')).toBe(BACKUP_REGION);
  expect(presigned.searchParams.get('KmsKeyId')).toBe(config.backupKmsKeyId);
  expect(presigned.searchParams.get('X-Amz-Credential')).toContain(`/${SOURCE_REGION}/rds/aws4_request`);
});
