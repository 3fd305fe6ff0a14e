#!/usr/bin/env node
import { App, Aspects, Tags } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig, stackName } from '../lib/config';
import { BackupRegionStack } from '../lib/stacks/backup-region-stack';
import { DataStack } from '../lib/stacks/data-stack';
import { NetworkStack } from '../lib/stacks/network-stack';

const app = new App();
const config = loadStageConfig(app.node.tryGetContext('stage') ?? 'dev');
const primary = { account: config.account, region: config.region };
const isProd = config.stage === 'prod';

new BackupRegionStack(app, stackName(config, 'BackupRegion'), {
  config,
  env: { account: config.account, region: config.backupRegion },
  description: `Bulwark ${config.stage}: key and vault that receive backup copies`,
  terminationProtection: isProd,
});
const network = new NetworkStack(app, stackName(config, 'Network'), {
  config,
  env: primary,
  description: `Bulwark ${config.stage}: VPC, subnets, NAT, flow logs, endpoints`,
});
new DataStack(app, stackName(config, 'Data'), {
  config,
  env: primary,
  vpc: network.network.vpc,
  description: `Bulwark ${config.stage}: Aurora PostgreSQL and its cross-region copies`,
  terminationProtection: isProd,
});

for (const [key, value] of Object.entries(config.tags)) Tags.of(app).add(key, value);
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
