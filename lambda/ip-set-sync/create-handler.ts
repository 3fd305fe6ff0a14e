import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import type { Context } from 'aws-lambda';
import { createInstrumentation, instrumentHandler, type Instrumentation } from '../shared/instrumentation';
import { loadConfig } from './config';
import { publishSyncMetrics } from './metrics';
import { syncIpSets, type SyncDependencies, type SyncReport } from './sync';

type Environment = Readonly<Record<string, string | undefined>>;

export const SERVICE_NAME = 'ip-set-sync';

export interface HandlerOptions {
  /** The function's Powertools instances; by default new ones, in the configured metric namespace. */
  readonly instrumentation?: Instrumentation;
  readonly dependencies?: Partial<Omit<SyncDependencies, 'logger'>>;
  readonly now?: () => number;
}

/** Thrown at the end of a run with failures, after its metrics were written. */
export class IpSetSyncFailedError extends Error {
  constructor(readonly report: SyncReport) {
    super(`ip-set-sync had ${report.failures.length} failure(s): ${report.failures.join('; ')}`);
    this.name = 'IpSetSyncFailedError';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Validates the environment immediately (so a bad deployment fails at cold start, with
 * the variable named) and returns the scheduled-event handler. The event carries nothing
 * the sync needs but its id, the correlation id of the run's logs.
 */
export function createHandler(env: Environment, options: HandlerOptions = {}): (event: unknown, context: Context) => Promise<SyncReport> {
  const config = loadConfig(env);
  const instrumentation = options.instrumentation ?? createInstrumentation(SERVICE_NAME, config.metricNamespace);
  const { logger, metrics, tracer } = instrumentation;
  const source = config.blocklistSource;
  const dependencies: SyncDependencies = {
    wafv2: options.dependencies?.wafv2 ?? tracer.captureAWSv3Client(new WAFV2Client({})),
    sourceClients:
      options.dependencies?.sourceClients ??
      (source.kind === 'ssm'
        ? { ssm: new SSMProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SSMClient({})) }) }
        : { s3: tracer.captureAWSv3Client(new S3Client({})) }),
    fetch: options.dependencies?.fetch ?? globalThis.fetch,
    sleep: options.dependencies?.sleep ?? sleep,
    logger,
  };
  const now = options.now ?? Date.now;

  return instrumentHandler(instrumentation, async () => {
    const report = await syncIpSets(config, dependencies);
    logger.info('ip-set-sync run', { stage: config.stage, ...report });
    publishSyncMetrics(metrics, report, config.stage, now());
    // Thrown only after the metrics are out, so the Lambda Errors alarm fires as well.
    if (report.failures.length > 0) throw new IpSetSyncFailedError(report);
    return report;
  });
}
