import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { backupKeyAliasName, backupVaultName, loadStageConfig, type StageConfig } from '../../lib/config';
import type { BackupRegionStack } from '../../lib/stacks/backup-region-stack';
import type { DataStack } from '../../lib/stacks/data-stack';
import type { NetworkStack } from '../../lib/stacks/network-stack';
import { createStage } from '../../lib/stacks/stage';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';

interface Foundation {
  config: StageConfig;
  backupRegion: BackupRegionStack;
  network: NetworkStack;
  data: DataStack;
}

function foundation(stage: string): Foundation {
  const config = loadStageConfig(stage);
  const { backupRegion, network, data } = createStage(testApp(), config);
  for (const stack of [backupRegion, network, data]) applyNag(stack);
  return { config, backupRegion, network, data };
}

describe.each(['dev', 'prod'])('foundation stacks of %s', (stage) => {
  let f: Foundation;
  let templates: Record<'backupRegion' | 'network' | 'data', Template>;
  beforeAll(() => {
    f = foundation(stage);
    templates = { backupRegion: Template.fromStack(f.backupRegion), network: Template.fromStack(f.network), data: Template.fromStack(f.data) };
  });

  it('names stacks <Prefix>-<stage>-<Tier> and places them in their regions', () => {
    expect(f.backupRegion.stackName).toBe(`Bulwark-${stage}-BackupRegion`);
    expect(f.network.stackName).toBe(`Bulwark-${stage}-Network`);
    expect(f.data.stackName).toBe(`Bulwark-${stage}-Data`);
    expect(f.backupRegion.region).toBe(f.config.backupRegion);
    expect(f.data.region).toBe(f.config.region);
  });

  it('spreads the VPC over the configured zones with the configured NAT count', () => {
    expect(f.network.availabilityZones).toEqual(f.config.availabilityZones);
    templates.network.resourceCountIs('AWS::EC2::NatGateway', f.config.network.natGateways);
    templates.network.resourceCountIs('AWS::EC2::Subnet', 3 * f.config.availabilityZones.length);
  });

  it('creates the backup-region key under its deterministic alias, rotating, and a vault encrypted with it', () => {
    templates.backupRegion.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    templates.backupRegion.hasResourceProperties('AWS::KMS::Alias', { AliasName: backupKeyAliasName(f.config) });
    templates.backupRegion.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: backupVaultName(f.config),
      EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] },
      LockConfiguration: { MinRetentionDays: 7 },
    });
    templates.backupRegion.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  it('addresses the backup region by name, with no cross-region reference, and deploys after it', () => {
    const data = JSON.stringify(templates.data.toJSON());
    expect(data).toContain(`:kms:${f.config.backupRegion}:${f.config.account}:${backupKeyAliasName(f.config)}`);
    expect(data).not.toContain('ExportsReader');
    expect(data).not.toMatch(/Fn::ImportValue[^}]*BackupRegion/);
    // An ordering dependency only: the copier and the backup plan copy into the key and
    // vault by name, so `cdk deploy` (or --concurrency) must not create Data first.
    expect(f.data.dependencies).toEqual(expect.arrayContaining([f.backupRegion]));
  });

  it('applies the database settings of the stage', () => {
    const db = f.config.database;
    templates.data.hasResourceProperties('AWS::RDS::DBCluster', {
      BackupRetentionPeriod: db.backupRetentionDays,
      DeletionProtection: db.deletionProtection,
    });
    templates.data.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: db.deletionProtection ? 'Snapshot' : 'Delete' });
    templates.data.resourceCountIs('AWS::RDS::DBInstance', 1 + db.readers);
  });

  it('adds the AWS Backup copy only where the stage turns it on', () => {
    templates.data.resourceCountIs('AWS::Backup::BackupPlan', f.config.backup.awsBackupEnabled ? 1 : 0);
    if (f.config.backup.awsBackupEnabled) {
      templates.data.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanRule: [
            Match.objectLike({
              CopyActions: [
                {
                  DestinationBackupVaultArn: `arn:aws:backup:${f.config.backupRegion}:${f.config.account}:backup-vault:${backupVaultName(f.config)}`,
                  Lifecycle: { DeleteAfterDays: f.config.backup.awsBackupCopyRetentionDays },
                },
              ],
            }),
          ],
        },
      });
    }
  });

  it('passes cdk-nag AwsSolutions in every stack', () => {
    for (const stack of [f.backupRegion, f.network, f.data] as Stack[]) expectNoNagFindings(stack);
  });
});

describe('the whole stage', () => {
  it('has one stack per tier, named <Prefix>-<stage>-<Tier>, in deployment order', () => {
    const stacks = createStage(testApp(), loadStageConfig('prod'));
    expect(Object.values(stacks).flatMap((stack) => (stack ? [stack.stackName] : []))).toEqual([
      'Bulwark-prod-BackupRegion',
      'Bulwark-prod-Network',
      'Bulwark-prod-Data',
      'Bulwark-prod-Service',
      'Bulwark-prod-Monitoring',
      'Bulwark-prod-CiDeploy',
    ]);
    Template.fromStack(stacks.monitoring); // cross-stack references become dependencies at synthesis
    expect(stacks.monitoring.dependencies).toEqual(expect.arrayContaining([stacks.service, stacks.data]));
    expect(stacks.service.dependencies).not.toContain(stacks.monitoring);
  });

  it('deploys the load test after the CiDeploy stack whose GitHub OIDC provider its runner role trusts', () => {
    const prod = loadStageConfig('prod');
    const withLoadTest = { ...prod, loadTest: { ...prod.loadTest, enabled: true } };
    const created = createStage(testApp(), withLoadTest);
    expect(created.loadTest!.dependencies).toEqual(expect.arrayContaining([created.ciDeploy]));
    // An imported provider already exists: no dependency to wait on.
    const imported = createStage(testApp(), { ...withLoadTest, ci: { ...prod.ci!, oidcProviderArn: `arn:aws:iam::${prod.account}:oidc-provider/token.actions.githubusercontent.com` } });
    expect(imported.loadTest!.dependencies).not.toContain(imported.ciDeploy);
  });

  it('adds the CiDeploy stack only to stages with a ci section', () => {
    expect(createStage(testApp(), loadStageConfig('dev')).ciDeploy).toBeUndefined();
  });
});

describe('disaster recovery', () => {
  it('builds the Data stack from the snapshot named in the config', () => {
    const config = loadStageConfig('prod');
    const snapshot = `arn:aws:rds:${config.region}:${config.account}:cluster-snapshot:bulwark-prod-copy-restored`;
    const { data } = createStage(testApp(), { ...config, database: { ...config.database, restoreFromSnapshot: snapshot } });
    applyNag(data);
    Template.fromStack(data).hasResourceProperties('AWS::RDS::DBCluster', { SnapshotIdentifier: snapshot, DeletionProtection: true });
    expectNoNagFindings(data);
  });
});

describe('prod protections', () => {
  it('protects the stateful stacks from termination in prod only', () => {
    const prod = foundation('prod');
    expect(prod.data.terminationProtection).toBe(true);
    expect(prod.backupRegion.terminationProtection).toBe(true);
    expect(prod.network.terminationProtection).toBe(false);
    expect(foundation('dev').data.terminationProtection).toBe(false);
  });

  it('uses provisioned writer + reader instances in prod and Serverless v2 in dev', () => {
    const prod = Template.fromStack(foundation('prod').data);
    prod.resourcePropertiesCountIs('AWS::RDS::DBInstance', { DBInstanceClass: 'db.r7g.xlarge' }, 2);
    const dev = Template.fromStack(foundation('dev').data);
    dev.resourcePropertiesCountIs('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' }, 2);
  });
});
