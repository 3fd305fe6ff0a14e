#!/usr/bin/env node
import { App, Aspects, Tags } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig, withLoadTestEnabled } from '../lib/config';
import { createStage } from '../lib/stacks/stage';

// Select and validate the stage before any construct exists: a bad config fails here,
// with every problem named, instead of half-way through synthesis.
const app = new App();
const stageConfig = loadStageConfig(app.node.tryGetContext('stage') ?? 'dev');
// The load test is opt-in: on in the stage's config, or for this one synthesis.
const config = app.node.tryGetContext('loadTest') === 'enabled' ? withLoadTestEnabled(stageConfig) : stageConfig;

createStage(app, config);

for (const [key, value] of Object.entries(config.tags)) Tags.of(app).add(key, value);
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
