import { RDSClient } from '@aws-sdk/client-rds';
import { loadConfig } from './config';
import { createHandler } from './create-handler';
import { writeToStdout } from './metrics';
import { DEFAULT_RETRY_OPTIONS } from './retry';

export { SnapshotCopyRunFailedError, type HandlerResult } from './create-handler';

// Cold start: a missing or malformed variable fails the first invocation with its name.
// Clients honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_RDS, which is how tests reach moto.
const config = loadConfig(process.env);

export const handler = createHandler({
  config,
  clients: {
    source: new RDSClient({ region: config.sourceRegion }),
    backup: new RDSClient({ region: config.backupRegion }),
  },
  retry: DEFAULT_RETRY_OPTIONS,
  now: () => new Date(),
  writeMetrics: writeToStdout,
  log: (message) => console.log(message),
});
