/**
 * Entry point of the load-generator container: one worker, one step. Registers its users
 * through the API, drives the target at its rate, writes its result (HDR histogram and
 * counts) to the results bucket, exits non-zero on any failure so the state machine sees it.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { localResultStore, s3ResultStore } from './result-store';
import { storeResult } from './run-steps';
import { provisionUsers, usersNeeded } from './users';
import { runWorker } from './worker';
import { parseWorkerEnv } from './worker-env';

async function main(): Promise<void> {
  const settings = parseWorkerEnv(process.env);
  const store = 'bucket' in settings.results ? s3ResultStore(new S3Client({}), settings.results.bucket) : localResultStore(settings.results.directory);
  const count = usersNeeded(settings.rate, settings.perUserLimitPerMinute);
  const users = await provisionUsers(settings.targetUrl, count, `${settings.runId}-${settings.step}-${settings.workerId}`);
  const result = await runWorker({ ...settings, baseUrl: settings.targetUrl, users });
  await storeResult(store, result);
  console.log(JSON.stringify({ message: 'step result stored', location: store.location, step: result.step, workerId: result.workerId, outcomes: result.outcomes }));
}

main().catch((error: Error) => {
  console.error(JSON.stringify({ message: 'worker failed', error: error.message }));
  process.exit(1);
});
