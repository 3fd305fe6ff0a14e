import { instrumentHandler, createInstrumentation } from '../shared/instrumentation';
import { loadConfig } from './config';
import { createHandler } from './create-handler';
import { createRdsClient } from './rds-client';

export { SnapshotCopyRunFailedError, type HandlerResult } from './create-handler';

// Cold start: a missing or malformed variable fails the first invocation with its name.
// Clients honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_RDS, which is how tests reach moto.
const config = loadConfig(process.env);
const instrumentation = createInstrumentation('snapshot-copier', config.metricNamespace);
const { logger, metrics, tracer } = instrumentation;

export const handler = instrumentHandler(
  instrumentation,
  createHandler({
    config,
    clients: {
      source: tracer.captureAWSv3Client(createRdsClient(config.sourceRegion)),
      backup: tracer.captureAWSv3Client(createRdsClient(config.backupRegion)),
    },
    now: () => new Date(),
    logger,
    metrics,
  }),
);
