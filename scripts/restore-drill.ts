/**
 * Restore drill: proves that the newest snapshot copy in the backup region restores into a
 * working database. Restores it into a throwaway Aurora cluster (deterministic id
 * `<prefix>-<stage>-drill-<hash>`), waits until it is available, counts rows, prints a
 * report and deletes the cluster, also when the run fails or is interrupted (Ctrl-C).
 * Exit code 0 only when the restore worked, every row count met its minimum and the drill
 * cluster is gone.
 *
 *   npm run restore-drill -- --stage prod --subnet-group drill --security-group-ids sg-0123456789abcdef0 --expected drill-minimums.json
 *
 * Credentials come from the usual AWS chain (AWS_PROFILE, SSO, environment); the endpoint
 * from AWS_ENDPOINT_URL when set (tests point it at moto). docs/restore.md has the steps.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRdsClient } from '../lambda/snapshot-copier/rds-client';
import { deleteDrillClusters, randomPassword, runDrill, type DrillDeps } from './restore-drill/drill';
import { DrillOptionError, parseDrillOptions, USAGE } from './restore-drill/options';
import { formatReport } from './restore-drill/report';
import { countRows, countSourceRows, rdsTls } from './restore-drill/row-counts';

const POLL_INTERVAL_MS = 30_000;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const options = parseDrillOptions(argv, (path) => readFileSync(path, 'utf8'));
  const sourceUrl = process.env.RESTORE_DRILL_SOURCE_URL;
  if (options.compareSource && !sourceUrl) throw new DrillOptionError('compare-source', 'set RESTORE_DRILL_SOURCE_URL to a PostgreSQL URL of the live database (a reader is enough)');
  const deps: DrillDeps = {
    // The copier's client: throttling is retried by the SDK, with the copier's policy.
    rds: createRdsClient(options.backupRegion),
    sleep: (ms) => sleep(ms),
    now: () => new Date(),
    pollIntervalMs: Number(process.env.RESTORE_DRILL_POLL_MS ?? POLL_INTERVAL_MS),
    newPassword: randomPassword,
    countRows: (target, tables, minimums) => countRows(target, tables, minimums, rdsTls()),
    countSourceRows: sourceUrl ? (tables) => countSourceRows(sourceUrl, tables, rdsTls()) : undefined,
    log: (line) => console.error(`[drill] ${line}`),
  };

  // Interrupted: delete what this run (or an earlier one) created, then stop.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    deps.log(`${signal}: deleting drill clusters before exiting (again to exit at once)`);
    void deleteDrillClusters(options, deps).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const report = await runDrill(options, deps);
  console.log(formatReport(report));
  if (options.reportFile) writeFileSync(options.reportFile, `${JSON.stringify(report, null, 2)}\n`);
  return report.passed ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof DrillOptionError ? error.message : error);
    process.exit(2);
  },
);
