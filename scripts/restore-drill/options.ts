import { parseArgs } from 'node:util';
import { backupKeyAliasName, loadStageConfig, type StageConfig } from '../../lib/config';

/** What one drill does; built from the command line by {@link parseDrillOptions}. */
export interface DrillOptions {
  /** Region that holds the copies; the throwaway cluster is restored there. */
  readonly backupRegion: string;
  /** `bulwark:managed-by` value of the copier whose copies are drilled. */
  readonly managedByTagValue: string;
  /** A specific copy to restore instead of the newest completed one. */
  readonly snapshotIdentifier?: string;
  /** KMS key (alias, id or ARN) in the backup region that encrypts the restored cluster. */
  readonly kmsKeyId?: string;
  /** Prefix of the drill id (`<prefix>-drill-<hash>`). */
  readonly drillIdPrefix: string;
  readonly dbSubnetGroupName?: string;
  readonly vpcSecurityGroupIds: string[];
  /** `db.serverless` or a provisioned class such as `db.r7g.large`. */
  readonly instanceClass: string;
  readonly databaseName: string;
  /** Tables whose rows are counted; empty: every table of the `public` schema. */
  readonly tables: string[];
  /** Minimum row count per table; a table below its minimum fails the drill. */
  readonly expectedMinimums: Record<string, number>;
  /** Also count rows in the live database (URL from RESTORE_DRILL_SOURCE_URL) and compare. */
  readonly compareSource: boolean;
  /** With compareSource: each restored table must hold at least this fraction of the source's rows. */
  readonly minSourceFraction: number;
  /** Skip connecting to the restored cluster (no network path from where the drill runs). */
  readonly skipRowCounts: boolean;
  /** Leave the drill cluster running for a closer look (delete it by re-running with --cleanup-only). */
  readonly keep: boolean;
  /** Only delete a drill cluster a previous run left behind. */
  readonly cleanupOnly: boolean;
  readonly timeoutMinutes: number;
  readonly reportFile?: string;
}

export class DrillOptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`--${option}: ${message}`);
    this.name = 'DrillOptionError';
  }
}

export const USAGE = `Usage: npm run restore-drill -- --stage prod [options]
       npm run restore-drill -- --backup-region eu-central-1 --managed-by bulwark-prod-copy-copier [options]

Restores the newest completed snapshot copy in the backup region into a throwaway Aurora
cluster, waits until it is available, counts rows, prints a report and deletes the cluster.

  --stage NAME               shipped stage: sets backup region, copier tag, KMS key, database
  --backup-region REGION     region holding the copies (overrides the stage's)
  --managed-by VALUE         bulwark:managed-by tag value of the copies (overrides the stage's)
  --snapshot ID              restore this copy instead of the newest completed one
  --kms-key-id KEY           key in the backup region for the restored cluster (default: the stage's backup key alias)
  --subnet-group NAME        DB subnet group in the backup region (default: the default VPC's)
  --security-group-ids IDS   comma-separated VPC security groups for the cluster
  --instance-class CLASS     db.serverless (default) or e.g. db.r7g.large
  --database NAME            database to count rows in (default: the stage's, else postgres)
  --tables A,B               tables to count (default: every table in schema public)
  --expected FILE            JSON {"table": minimumRows}; a table below its minimum fails the drill
  --compare-source           also count rows in the live database (PostgreSQL URL in the
                             environment variable RESTORE_DRILL_SOURCE_URL, never on the command line)
  --min-source-fraction F    with --compare-source: each restored table needs at least F of
                             the source's rows (default 0.9)
  --skip-row-counts          restore and check availability only
  --timeout-minutes N        bound on each wait (default 90)
  --keep                     do not delete the drill cluster at the end
  --cleanup-only             delete a drill cluster left by an earlier run, then exit
  --report FILE              also write the report as JSON
`;

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const TABLE = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;
const DEFAULT_TIMEOUT_MINUTES = 90;

/** The copier's tag value for a stage, as the Data stack configures SnapshotReplication. */
export function stageManagedByTagValue(config: Pick<StageConfig, 'prefix' | 'stage'>): string {
  return `${config.prefix.toLowerCase()}-${config.stage}-copy-copier`;
}

/**
 * Parses the drill's command line. `readFile` reads the --expected file (injected so tests
 * need no files). Every error names its option.
 */
export function parseDrillOptions(argv: string[], readFile: (path: string) => string): DrillOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        stage: { type: 'string' },
        'backup-region': { type: 'string' },
        'managed-by': { type: 'string' },
        snapshot: { type: 'string' },
        'kms-key-id': { type: 'string' },
        'subnet-group': { type: 'string' },
        'security-group-ids': { type: 'string' },
        'instance-class': { type: 'string' },
        database: { type: 'string' },
        tables: { type: 'string' },
        expected: { type: 'string' },
        'skip-row-counts': { type: 'boolean' },
        'compare-source': { type: 'boolean' },
        'min-source-fraction': { type: 'string' },
        'timeout-minutes': { type: 'string' },
        keep: { type: 'boolean' },
        'cleanup-only': { type: 'boolean' },
        report: { type: 'string' },
      },
    });
  } catch (error) {
    throw new DrillOptionError('help', `${(error as Error).message}\n\n${USAGE}`);
  }
  const values = parsed.values;
  const stage = values.stage ? loadStageConfigOrFail(values.stage) : undefined;

  const backupRegion = values['backup-region'] ?? stage?.backupRegion;
  if (!backupRegion) throw new DrillOptionError('backup-region', 'is required without --stage');
  if (!REGION.test(backupRegion)) throw new DrillOptionError('backup-region', `"${backupRegion}" is not an AWS region name`);
  if (stage && backupRegion === stage.region) throw new DrillOptionError('backup-region', `must not be the primary region ${stage.region}`);

  const managedByTagValue = values['managed-by'] ?? (stage ? stageManagedByTagValue(stage) : undefined);
  if (!managedByTagValue) throw new DrillOptionError('managed-by', 'is required without --stage');

  const timeoutRaw = values['timeout-minutes'] ?? String(DEFAULT_TIMEOUT_MINUTES);
  if (!/^\d+$/.test(timeoutRaw) || Number(timeoutRaw) < 1 || Number(timeoutRaw) > 600) {
    throw new DrillOptionError('timeout-minutes', `must be a whole number of minutes from 1 to 600 (got "${timeoutRaw}")`);
  }

  const instanceClass = values['instance-class'] ?? 'db.serverless';
  if (!/^db\.[a-z0-9]+(\.[a-z0-9]+)?$/.test(instanceClass)) throw new DrillOptionError('instance-class', `"${instanceClass}" is not a DB instance class such as db.serverless or db.r7g.large`);

  const tables = splitList(values.tables);
  tables.forEach((table) => {
    if (!TABLE.test(table)) throw new DrillOptionError('tables', `"${table}" is not a lower-case table name (optionally schema.table)`);
  });
  const securityGroups = splitList(values['security-group-ids']);
  securityGroups.forEach((id) => {
    if (!/^sg-[0-9a-f]{8,17}$/.test(id)) throw new DrillOptionError('security-group-ids', `"${id}" is not a security group id`);
  });
  if (values.snapshot !== undefined && !/^[a-zA-Z][a-zA-Z0-9-]{0,254}$/.test(values.snapshot) && !values.snapshot.startsWith('arn:')) {
    throw new DrillOptionError('snapshot', `"${values.snapshot}" is not a cluster snapshot identifier or ARN`);
  }

  const fractionRaw = values['min-source-fraction'] ?? '0.9';
  const minSourceFraction = Number(fractionRaw);
  if (!/^\d*\.?\d+$/.test(fractionRaw) || minSourceFraction <= 0 || minSourceFraction > 1) {
    throw new DrillOptionError('min-source-fraction', `must be a number in (0, 1] (got "${fractionRaw}")`);
  }
  if (values['min-source-fraction'] !== undefined && !values['compare-source']) throw new DrillOptionError('min-source-fraction', 'requires --compare-source');
  if (values['compare-source'] && values['skip-row-counts']) throw new DrillOptionError('compare-source', 'cannot be combined with --skip-row-counts');

  return {
    backupRegion,
    managedByTagValue,
    snapshotIdentifier: values.snapshot,
    kmsKeyId: values['kms-key-id'] ?? (stage ? backupKeyAliasName(stage) : undefined),
    drillIdPrefix: stage ? `${stage.prefix.toLowerCase()}-${stage.stage}` : 'bulwark',
    dbSubnetGroupName: values['subnet-group'],
    vpcSecurityGroupIds: securityGroups,
    instanceClass,
    databaseName: values.database ?? stage?.database.databaseName ?? 'postgres',
    tables,
    expectedMinimums: values.expected ? parseExpectedMinimums(readFile, values.expected) : {},
    compareSource: values['compare-source'] ?? false,
    minSourceFraction,
    skipRowCounts: values['skip-row-counts'] ?? false,
    keep: values.keep ?? false,
    cleanupOnly: values['cleanup-only'] ?? false,
    timeoutMinutes: Number(timeoutRaw),
    reportFile: values.report,
  };
}

function loadStageConfigOrFail(stage: string): StageConfig {
  try {
    return loadStageConfig(stage);
  } catch (error) {
    throw new DrillOptionError('stage', (error as Error).message);
  }
}

function splitList(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

/** `{"users": 1, "notes": 10}`: whole, non-negative minimums keyed by table. */
export function parseExpectedMinimums(readFile: (path: string) => string, path: string): Record<string, number> {
  let document: unknown;
  try {
    document = JSON.parse(readFile(path));
  } catch (error) {
    throw new DrillOptionError('expected', `cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) throw new DrillOptionError('expected', `${path} must hold a JSON object {"table": minimumRows}`);
  const minimums: Record<string, number> = {};
  for (const [table, minimum] of Object.entries(document)) {
    if (!TABLE.test(table)) throw new DrillOptionError('expected', `"${table}" in ${path} is not a lower-case table name`);
    if (typeof minimum !== 'number' || !Number.isSafeInteger(minimum) || minimum < 0) {
      throw new DrillOptionError('expected', `minimum for "${table}" in ${path} must be a whole number >= 0 (got ${JSON.stringify(minimum)})`);
    }
    minimums[table] = minimum;
  }
  return minimums;
}
