import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { loadConfig } from './config';
import { toEmfDocuments } from './metrics';
import { syncIpSets, type SyncDependencies, type SyncReport } from './sync';

type Environment = Readonly<Record<string, string | undefined>>;

export interface HandlerOptions {
  /** Where EMF documents and the run summary go; stdout in Lambda. */
  readonly writeLine?: (line: string) => void;
  readonly dependencies?: Partial<SyncDependencies>;
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
 * the sync needs.
 */
export function createHandler(env: Environment, options: HandlerOptions = {}): () => Promise<SyncReport> {
  const config = loadConfig(env);
  const source = config.blocklistSource;
  const dependencies: SyncDependencies = {
    wafv2: options.dependencies?.wafv2 ?? new WAFV2Client({}),
    sourceClients: options.dependencies?.sourceClients ?? (source.kind === 'ssm' ? { ssm: new SSMClient({}) } : { s3: new S3Client({}) }),
    fetch: options.dependencies?.fetch ?? globalThis.fetch,
    sleep: options.dependencies?.sleep ?? sleep,
  };
  const writeLine = options.writeLine ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;

  return async () => {
    const report = await syncIpSets(config, dependencies);
    writeLine(JSON.stringify({ message: 'ip-set-sync run', stage: config.stage, ...report }));
    for (const document of toEmfDocuments(report, config.metricNamespace, config.stage, now())) writeLine(JSON.stringify(document));
    // Thrown only after the metrics are out, so the Lambda Errors alarm fires as well.
    if (report.failures.length > 0) throw new IpSetSyncFailedError(report);
    return report;
  };
}
