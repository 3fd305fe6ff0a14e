import type { StageConfig } from './stage-config';

/** What kind of copy of personal data a store is; the erasure bound is over backups. */
export type PersonalDataStoreKind = 'live' | 'log' | 'backup';

/** One place a stage keeps personal data, with how long and where (the records of processing). */
export interface PersonalDataStore {
  readonly store: string;
  readonly kind: PersonalDataStoreKind;
  /** Which personal data it holds. */
  readonly holds: string;
  readonly region: string;
  /**
   * Days a record stays after it was written (for `live`, after erasure: 0, the rows are
   * deleted in the erasing transaction).
   */
  readonly retentionDays: number;
  /** Where the retention comes from: a config field, or a fixed AWS period. */
  readonly retentionSource: string;
  /**
   * Days after the retention ends before the record is certainly gone: AWS deletes expired
   * backups in a background sweep, the copier prunes on its daily run, and a copy may be
   * made up to a day after the snapshot it copies (and conservatively ages from then).
   */
  readonly deletionLagDays: number;
}

/** Expired backups are deleted by a background sweep (AWS Backup, RDS) or the copier's daily run: up to a day. */
const DELETION_LAG_DAYS = 1;
/** A cross-region copy is made up to a day after its source and may age from its own creation. */
const COPY_LAG_DAYS = 1;
/** CloudWatch RUM keeps events for 30 days; not configurable. */
export const RUM_EVENT_RETENTION_DAYS = 30;
/** X-Ray keeps traces for 30 days; not configurable. */
export const XRAY_TRACE_RETENTION_DAYS = 30;

/** Every store of the stage that holds personal data, with its retention and region. */
export function personalDataStores(c: StageConfig): PersonalDataStore[] {
  const { region, backupRegion } = c;
  const backupStore = (store: string, storeRegion: string, retentionDays: number, retentionSource: string, lag: number): PersonalDataStore => ({
    store,
    kind: 'backup',
    holds: 'every user row (e-mail address, token hash, notes) as of the backup',
    region: storeRegion,
    retentionDays,
    retentionSource,
    deletionLagDays: lag,
  });
  const log = (store: string, holds: string, retentionDays: number, retentionSource: string): PersonalDataStore => ({
    store,
    kind: 'log',
    holds,
    region,
    retentionDays,
    retentionSource,
    deletionLagDays: 0,
  });
  return [
    {
      store: 'Aurora PostgreSQL (users and notes rows)',
      kind: 'live',
      holds: 'e-mail address, token hash, notes',
      region,
      retentionDays: 0,
      retentionSource: 'deleted by DELETE /v1/me',
      deletionLagDays: 0,
    },
    log('ALB access logs (S3)', 'client IP, user agent, request path, time', c.service.logRetentionDays, 'service.logRetentionDays'),
    log('WAF logs (CloudWatch Logs)', 'client IP, country, headers (Authorization redacted), request path', c.service.logRetentionDays, 'service.logRetentionDays'),
    log('App logs (CloudWatch Logs)', 'request path and status, ids of erased users; never e-mail addresses or tokens', c.service.logRetentionDays, 'service.logRetentionDays'),
    log('PostgreSQL log (CloudWatch Logs)', 'statements slower than 1 s with their parameters (which may hold e-mail addresses); DDL and role changes (pgaudit, passwords redacted)', c.database.logRetentionDays, 'database.logRetentionDays'),
    log('VPC flow logs (CloudWatch Logs)', 'client IPs of connections to the load balancer', c.network.flowLogRetentionDays, 'network.flowLogRetentionDays'),
    ...(c.observability.rum ? [log('CloudWatch RUM sessions', 'browser session id, client IP, user agent, page URL', RUM_EVENT_RETENTION_DAYS, 'fixed by CloudWatch RUM')] : []),
    ...(c.observability.traceSampleRate > 0 ? [log('X-Ray traces', 'client IP, request path, user agent of sampled requests', XRAY_TRACE_RETENTION_DAYS, 'fixed by X-Ray')] : []),
    backupStore('Aurora automated backups (point-in-time restore)', region, c.database.backupRetentionDays, 'database.backupRetentionDays', DELETION_LAG_DAYS),
    backupStore('Cross-region snapshot copies (copier)', backupRegion, c.backup.snapshotCopyRetentionDays, 'backup.snapshotCopyRetentionDays', DELETION_LAG_DAYS + COPY_LAG_DAYS),
    ...(c.backup.awsBackupEnabled
      ? [
          backupStore('AWS Backup vault', region, c.backup.awsBackupRetentionDays, 'backup.awsBackupRetentionDays', DELETION_LAG_DAYS),
          backupStore('AWS Backup cross-region copies', backupRegion, c.backup.awsBackupCopyRetentionDays, 'backup.awsBackupCopyRetentionDays', DELETION_LAG_DAYS + COPY_LAG_DAYS),
        ]
      : []),
  ];
}

/** The regions the stage keeps personal data in (what `allowedRegions` must allow). */
export function personalDataRegions(c: StageConfig): string[] {
  return [...new Set(personalDataStores(c).map((store) => store.region))];
}

/** The erasure bound and the store that sets it. */
export interface ErasureBound {
  readonly days: number;
  readonly store: string;
}

/**
 * Days after `DELETE /v1/me` by which the erased user is gone from every backup and copy:
 * the longest retention plus deletion lag over the backup stores. A restore inside the
 * bound brings the user back (docs/privacy.md: re-apply the erasures after a restore).
 */
export function erasureBackupBound(c: StageConfig): ErasureBound {
  const bounds = personalDataStores(c)
    .filter((store) => store.kind === 'backup')
    .map((store) => ({ days: store.retentionDays + store.deletionLagDays, store: store.store }));
  // Stryker disable next-line EqualityOperator: on a tie both stores keep an erased user equally long, so either name is the true answer
  return bounds.reduce((longest, bound) => (bound.days > longest.days ? bound : longest));
}

/** The inventory of one stage as a Markdown table (docs/privacy.md, `npm run docs:privacy`). */
export function renderPrivacyInventory(c: StageConfig): string {
  const bound = erasureBackupBound(c);
  const header = ['store', 'personal data', 'region', 'retention (days)', 'from'];
  const rows = personalDataStores(c).map((s) => [
    s.store,
    s.holds,
    s.region,
    s.kind === 'live' ? 'until erased' : s.deletionLagDays > 0 ? `${s.retentionDays} + ${s.deletionLagDays}` : String(s.retentionDays),
    s.retentionSource,
  ]);
  const table = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  return `### Stage \`${c.stage}\`\n\nAn erased user is gone from every backup and copy after **${bound.days} days** (set by: ${bound.store}).\n\n${table}`;
}
