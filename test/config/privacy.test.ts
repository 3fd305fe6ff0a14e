import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { erasureBackupBound, personalDataRegions, personalDataStores, renderPrivacyInventory, STAGES, type StageConfig } from '../../lib/config';

const prodWith = (change: (c: StageConfig) => StageConfig) => change(structuredClone(STAGES.prod));

describe('the erasure bound', () => {
  it('is set in prod by AWS Backup\'s cross-region copies: 60 days + 1 copy lag + 1 deletion lag', () => {
    expect(erasureBackupBound(STAGES.prod)).toEqual({ days: 62, store: 'AWS Backup cross-region copies' });
  });

  it('is set in dev (no AWS Backup) by the copier\'s copies: 7 + 2 beats the automated backups\' 7 + 1', () => {
    expect(erasureBackupBound(STAGES.dev)).toEqual({ days: 9, store: 'Cross-region snapshot copies (copier)' });
  });

  it('follows the longest backup retention, whichever store has it', () => {
    // Automated backups 35 + 1 = 36 against copier 14 + 2 = 16, AWS Backup 20 + 1 and copies 30 + 2 = 32.
    const config = prodWith((c) => ({ ...c, database: { ...c.database, backupRetentionDays: 35 }, backup: { ...c.backup, awsBackupRetentionDays: 20, awsBackupCopyRetentionDays: 30 } }));
    expect(erasureBackupBound(config)).toEqual({ days: 36, store: 'Aurora automated backups (point-in-time restore)' });
  });

  it('ignores AWS Backup\'s retentions when the plan is off', () => {
    const config = prodWith((c) => ({ ...c, backup: { ...c.backup, awsBackupEnabled: false, awsBackupCopyRetentionDays: 3000 } }));
    // Automated backups 14 + 1, copier 14 + 2.
    expect(erasureBackupBound(config).days).toBe(16);
  });

  it('is about backups: log retentions, however long, do not move it', () => {
    const config = prodWith((c) => ({ ...c, service: { ...c.service, logRetentionDays: 3653 } }));
    expect(erasureBackupBound(config).days).toBe(62);
  });
});

describe('the personal-data inventory', () => {
  it('lists every store of prod with its region and retention from config', () => {
    const stores = personalDataStores(STAGES.prod).map((s) => [s.store, s.region, s.retentionDays, s.retentionSource]);
    expect(stores).toEqual([
      ['Aurora PostgreSQL (users and notes rows)', 'eu-west-1', 0, 'deleted by DELETE /v1/me'],
      ['ALB access logs (S3)', 'eu-west-1', 90, 'service.logRetentionDays'],
      ['WAF logs (CloudWatch Logs)', 'eu-west-1', 90, 'service.logRetentionDays'],
      ['App logs (CloudWatch Logs)', 'eu-west-1', 90, 'service.logRetentionDays'],
      ['PostgreSQL log (CloudWatch Logs)', 'eu-west-1', 90, 'database.logRetentionDays'],
      ['VPC flow logs (CloudWatch Logs)', 'eu-west-1', 365, 'network.flowLogRetentionDays'],
      ['CloudWatch RUM sessions', 'eu-west-1', 30, 'fixed by CloudWatch RUM'],
      ['X-Ray traces', 'eu-west-1', 30, 'fixed by X-Ray'],
      ['Aurora automated backups (point-in-time restore)', 'eu-west-1', 14, 'database.backupRetentionDays'],
      ['Cross-region snapshot copies (copier)', 'eu-central-1', 14, 'backup.snapshotCopyRetentionDays'],
      ['AWS Backup vault', 'eu-west-1', 35, 'backup.awsBackupRetentionDays'],
      ['AWS Backup cross-region copies', 'eu-central-1', 60, 'backup.awsBackupCopyRetentionDays'],
    ]);
  });

  it('leaves out RUM, traces and AWS Backup where the stage does not run them', () => {
    const config = prodWith((c) => ({ ...c, observability: { ...c.observability, rum: false, traceSampleRate: 0 }, backup: { ...c.backup, awsBackupEnabled: false } }));
    const names = personalDataStores(config).map((s) => s.store);
    expect(names.filter((name) => /RUM|X-Ray|AWS Backup/.test(name))).toEqual([]);
    expect(names).toHaveLength(8);
  });

  it('names the regions of storage: the primary and the backup region', () => {
    expect(personalDataRegions(STAGES.prod)).toEqual(['eu-west-1', 'eu-central-1']);
  });

  it('is written into docs/privacy.md for the shipped stages (npm run docs:privacy)', () => {
    const docs = readFileSync(path.join(__dirname, '..', '..', 'docs', 'privacy.md'), 'utf8');
    for (const config of Object.values(STAGES)) expect(docs).toContain(renderPrivacyInventory(config));
  });

  it('gives the API reference the shipped stages\' bounds', () => {
    const reference = readFileSync(path.join(__dirname, '..', '..', 'docs', 'api-reference.md'), 'utf8');
    expect(reference).toContain(`**${erasureBackupBound(STAGES.prod).days} days** in prod, ${erasureBackupBound(STAGES.dev).days} in dev`);
  });
});
